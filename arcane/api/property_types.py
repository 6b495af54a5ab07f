"""Property types: public catalogue, maintained by administrators."""

from flask.views import MethodView
from flask_jwt_extended import get_current_user

from arcane.schemas.property_types import PropertyTypeCreateSchema, PropertyTypeSchema, PropertyTypeUpdateSchema
from arcane.services import property_types
from arcane.smorest import LOCATION_HEADER, Blueprint, PagedQuerySchema, link_header_doc

blp = Blueprint(
    "property-types",
    __name__,
    url_prefix="/api/v1/property-types",
    description="Kinds of property (flat, house...). Administrators maintain the list.",
)


@blp.route("")
class PropertyTypes(MethodView):
    @blp.arguments(PagedQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, PropertyTypeSchema(many=True), headers=link_header_doc("/api/v1/property-types"))
    @blp.paginate()
    @blp.doc(operationId="listPropertyTypes")
    def get(self, pagination_parameters, cursor=None):
        """List the property types, by slug"""
        page = property_types.list_types(
            cursor=cursor, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size
        )
        return blp.link_pages(page, pagination_parameters)

    @blp.login_required
    @blp.arguments(PropertyTypeCreateSchema)
    @blp.response(201, PropertyTypeSchema, headers=LOCATION_HEADER)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    @blp.location("property-types.PropertyTypeBySlug", slug="slug")
    @blp.doc(operationId="createPropertyType")
    def post(self, new_type):
        """Add a property type (administrators only)"""
        return property_types.create_type(get_current_user(), **new_type)


@blp.route("/<string(maxlength=40):slug>")
class PropertyTypeBySlug(MethodView):
    @blp.response(200, PropertyTypeSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, slug):
        """Read a property type"""
        return property_types.get_type(slug)

    @blp.login_required
    @blp.arguments(PropertyTypeUpdateSchema)
    @blp.response(200, PropertyTypeSchema)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, changes, slug):
        """Change a property type's label or description (administrators only)"""
        return property_types.update_type(get_current_user(), slug, changes)

    @blp.login_required
    @blp.response(204)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def delete(self, slug):
        """Delete a property type that no property uses (administrators only)"""
        property_types.delete_type(get_current_user(), slug)
