"""Cities that have listings."""

from flask.views import MethodView

from arcane.schemas.properties import CityQuerySchema, CitySchema
from arcane.services import properties
from arcane.smorest import Blueprint, link_header_doc

blp = Blueprint("cities", __name__, url_prefix="/api/v1/cities", description="Cities that have listings.")


@blp.route("")
class Cities(MethodView):
    @blp.arguments(CityQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, CitySchema(many=True), headers=link_header_doc("/api/v1/cities"))
    @blp.paginate()
    @blp.doc(operationId="listCities")
    def get(self, pagination_parameters, **filters):
        """List the cities that have listings, most listings first or by key, optionally completing a prefix

        Most listings first (the default) pages by number: the counts move with every write, so
        no cursor over them is exact, and its rel="next" link gives the next page number.
        sort=city walks the cities exactly, by cursor.
        """
        page = properties.list_cities(
            **filters, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size
        )
        return blp.link_pages(page, pagination_parameters)
