"""Listings: public reads, owner-only writes."""

from flask import request
from flask.views import MethodView
from flask_jwt_extended import current_user

from arcane.rate_limits import limit_property_creation
from arcane.schemas.properties import PropertyCreateSchema, PropertyQuerySchema, PropertySchema, PropertyUpdateSchema
from arcane.services import properties
from arcane.smorest import LOCATION_HEADER, Blueprint

blp = Blueprint(
    "properties",
    __name__,
    url_prefix="/api/v1/properties",
    description="Listings. Anyone can read them; only a property's owner can change it.",
)


def etag_data(property_id, revision) -> dict:
    """What a property's ETag is computed from: it changes with every write."""
    return {"id": str(property_id), "revision": revision}


def checked_revision(owned: properties.OwnedProperty) -> int | None:
    """Check If-Match (412 when stale); the revision the write must still find, when one was sent."""
    blp.check_etag(etag_data(owned.id, owned.revision))
    return owned.revision if request.if_match else None


def set_property_etag(document: dict) -> None:
    """Send the property's ETag (and answer 304 to a matching If-None-Match)."""
    blp.set_etag(etag_data(document["_id"], document["revision"]))


@blp.route("")
class Properties(MethodView):
    @blp.arguments(PropertyQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, PropertySchema(many=True))
    @blp.paginate()
    @blp.doc(operationId="listProperties")
    def get(self, pagination_parameters, **filters):
        """List properties, newest first, optionally in one city"""
        page, pagination_parameters.item_count = properties.list_properties(
            **filters, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size
        )
        return page

    @blp.login_required
    @blp.idempotent
    @limit_property_creation
    @blp.etag
    @blp.arguments(PropertyCreateSchema)
    @blp.response(201, PropertySchema, headers=LOCATION_HEADER)
    @blp.errors(429)
    @blp.location("properties.PropertyById", property_id="_id")
    @blp.doc(operationId="createProperty")
    def post(self, new_property):
        """Publish a property (you are its owner)"""
        created = properties.create_property(current_user, **new_property)
        set_property_etag(created)
        return created


@blp.route("/<objectid:property_id>")
class PropertyById(MethodView):
    @blp.etag
    @blp.response(200, PropertySchema)
    @blp.errors(404)
    def get(self, property_id):
        """Read a property"""
        found = properties.get_property(property_id)
        set_property_etag(found)
        return found

    @blp.login_required
    @blp.etag
    @blp.arguments(PropertyUpdateSchema)
    @blp.response(200, PropertySchema)
    @blp.errors(403, 404)
    def patch(self, changes, property_id):
        """Change a property's name, description, type or city (owner only)"""
        owned = properties.get_owned_property(property_id, current_user)
        updated = properties.update_property(owned, changes, expected_revision=checked_revision(owned))
        set_property_etag(updated)
        return updated

    @blp.login_required
    @blp.etag
    @blp.response(204)
    @blp.errors(403, 404)
    def delete(self, property_id):
        """Delete a property (its owner, or an administrator moderating)"""
        owned = properties.get_owned_property(property_id, current_user, moderation=True)
        properties.delete_property(owned, expected_revision=checked_revision(owned))
