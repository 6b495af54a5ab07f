"""Rooms of a property: public reads, owner-only writes."""

from flask.views import MethodView
from flask_jwt_extended import get_current_user

from arcane.api.properties import PROPERTY_SCHEMA, checked_revision
from arcane.schemas.properties import ROOMS_PAGE_SIZE, RoomCreateSchema, RoomSchema, RoomUpdateSchema
from arcane.services import properties
from arcane.smorest import LOCATION_HEADER, Blueprint, PagedQuerySchema, link_header_doc


class RoomsBlueprint(Blueprint):
    """Room writes change their property: they answer with its ETag, a deletion's 204 included."""

    METHODS_ALLOWING_SET_ETAG = [*Blueprint.METHODS_ALLOWING_SET_ETAG, "DELETE"]


blp = RoomsBlueprint(
    "rooms",
    __name__,
    url_prefix="/api/v1/properties/<objectid:property_id>/rooms",
    description="Rooms of a property. Writes answer with the property's new ETag.",
)


@blp.route("")
class Rooms(MethodView):
    @blp.arguments(PagedQuerySchema, location="query", as_kwargs=True)
    @blp.response(
        200, RoomSchema(many=True), headers=link_header_doc("/api/v1/properties/6750c3e2a1b2c3d4e5f60718/rooms")
    )
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.paginate(page_size=ROOMS_PAGE_SIZE)
    @blp.doc(operationId="listRooms")
    def get(self, pagination_parameters, property_id, cursor=None):
        """List the rooms of a property, in the order they were added (all of them by default)"""
        page = properties.list_rooms(
            property_id, cursor=cursor, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size
        )
        return blp.link_pages(page, pagination_parameters)

    @blp.idempotent_creation
    @blp.arguments(RoomCreateSchema)
    @blp.response(201, RoomSchema, headers=LOCATION_HEADER)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.honours_if_match
    @blp.location("rooms.RoomById", room_id="_id")
    @blp.doc(operationId="addRoom")
    def post(self, new_room, property_id):
        """Add a room to a property (owner only)"""
        owned = properties.get_owned_property(property_id, get_current_user())
        room, updated = properties.add_room(owned, new_room, expected_revision=checked_revision(owned))
        blp.set_etag(updated, PROPERTY_SCHEMA)
        return room


@blp.route("/<objectid:room_id>")
class RoomById(MethodView):
    @blp.response(200, RoomSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, property_id, room_id):
        """Read a room"""
        return properties.get_room(property_id, room_id)

    @blp.owner_write
    @blp.arguments(RoomUpdateSchema)
    @blp.response(200, RoomSchema)
    def patch(self, changes, property_id, room_id):
        """Change a room (owner only)

        An empty body changes nothing: the room as it is, and the property keeps its ETag.
        """
        owned = properties.get_owned_property(property_id, get_current_user())
        room, updated = properties.update_room(owned, room_id, changes, expected_revision=checked_revision(owned))
        blp.set_etag(updated, PROPERTY_SCHEMA)
        return room

    @blp.owner_write
    @blp.response(204)
    def delete(self, property_id, room_id):
        """Remove a room (owner only)"""
        owned = properties.get_owned_property(property_id, get_current_user())
        updated = properties.delete_room(owned, room_id, expected_revision=checked_revision(owned))
        blp.set_etag(updated, PROPERTY_SCHEMA)
