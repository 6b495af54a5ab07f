"""Cities that have listings."""

from flask.views import MethodView

from arcane.schemas.properties import CityQuerySchema, CitySchema
from arcane.services import properties
from arcane.smorest import Blueprint

blp = Blueprint("cities", __name__, url_prefix="/api/v1/cities", description="Cities that have listings.")


@blp.route("")
class Cities(MethodView):
    @blp.arguments(CityQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, CitySchema(many=True))
    @blp.paginate()
    @blp.doc(operationId="listCities")
    def get(self, pagination_parameters, **filters):
        """List the cities that have listings, most listings first, optionally completing a prefix"""
        cities, pagination_parameters.item_count = properties.list_cities(
            **filters, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size
        )
        return cities
