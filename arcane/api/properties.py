"""Listings: public reads, owner-only writes."""

from flask import request, url_for
from flask.views import MethodView
from flask_jwt_extended import get_current_user

from arcane import rate_limits
from arcane.paging import encode_cursor, link_header
from arcane.schemas.changes import ChangeQuerySchema, ChangeSchema
from arcane.schemas.properties import PropertyCreateSchema, PropertyQuerySchema, PropertySchema, PropertyUpdateSchema
from arcane.services import changes, properties
from arcane.smorest import LOCATION_HEADER, Blueprint, link_header_doc

blp = Blueprint(
    "properties",
    __name__,
    url_prefix="/api/v1/properties",
    description="Listings. Anyone can read them; only a property's owner can change it.",
)

# One instance for every request: building the schema and its nested ones costs several times its dump.
PROPERTY_SCHEMA = PropertySchema()

CHANGES_LINK_HEADER = {
    "Link": {
        "description": (
            'RFC 8288: rel="next" on every page, the last one too (an empty page means up to date: '
            'follow it later for the newer changes), and rel="first", the start of the feed.'
        ),
        "schema": {"type": "string"},
        "example": (
            '</api/v1/properties/changes?cursor=WzQyXQ&page_size=20>; rel="next", '
            '</api/v1/properties/changes?page_size=20>; rel="first"'
        ),
    }
}

CHANGES_EXAMPLE = [
    {
        "kind": "updated",
        "property_id": "6750c3e2a1b2c3d4e5f60718",
        "revision": 3,
        "changed_at": "2026-11-30T09:12:44.512000+00:00",
        "property": {
            "id": "6750c3e2a1b2c3d4e5f60718",
            "name": "Sunny flat",
            "description": "Renovated in 2023.",
            "type": "flat",
            "city": "Nîmes",
            "rooms": [
                {
                    "id": "6750c3e2a1b2c3d4e5f60719",
                    "name": "Living room",
                    "kind": "living_room",
                    "area_m2": 24.5,
                    "floor": 2,
                    "features": [],
                }
            ],
            "room_count": 1,
            "total_area_m2": 24.5,
            "owner": {"id": "6750c3e2a1b2c3d4e5f60717", "first_name": "Camille", "last_name": "Martin"},
            "created_at": "2026-11-28T17:03:10.004000+00:00",
            "updated_at": "2026-11-30T09:12:44.512000+00:00",
        },
    },
    {
        "kind": "deleted",
        "property_id": "6750c3e2a1b2c3d4e5f6071a",
        "revision": 1,
        "changed_at": "2026-11-30T09:13:02.118000+00:00",
        "property": None,
    },
]


def checked_revision(owned: properties.OwnedProperty) -> int | None:
    """Check If-Match against the representation of the property as read for the write (412 when stale).

    Returns the revision the write must still find, so that a write racing this one is 412 too;
    None when the client sent no If-Match.
    """
    if not request.if_match:
        return None
    blp.check_etag(owned.presented, PROPERTY_SCHEMA)
    return owned.revision


@blp.route("")
class Properties(MethodView):
    @blp.arguments(PropertyQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, PropertySchema(many=True), headers=link_header_doc("/api/v1/properties"))
    @blp.paginate()
    @blp.doc(operationId="listProperties")
    def get(self, pagination_parameters, **filters):
        """List properties: search, filter and sort them (newest first by default)"""
        page = properties.list_properties(
            **filters, offset=pagination_parameters.first_item, limit=pagination_parameters.page_size
        )
        return blp.link_pages(page, pagination_parameters)

    @blp.idempotent_creation
    @blp.arguments(PropertyCreateSchema)
    @blp.response(201, PropertySchema, headers=LOCATION_HEADER)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")
    @blp.location("properties.PropertyById", property_id="_id")
    @blp.doc(operationId="createProperty")
    def post(self, new_property):
        """Publish a property (you are its owner)"""
        owner = get_current_user()
        with rate_limits.property_creation(str(owner.id)):
            return properties.create_property(owner, **new_property)


@blp.route("/<objectid:property_id>")
class PropertyById(MethodView):
    @blp.etag
    @blp.response(200, PropertySchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, property_id):
        """Read a property"""
        return properties.get_property(property_id)

    @blp.owner_write
    @blp.arguments(PropertyUpdateSchema)
    @blp.response(200, PropertySchema)
    def patch(self, changes, property_id):
        """Change a property's name, description, type or city (owner only)

        An empty body changes nothing: the property as it is, with the same ETag.
        """
        owned = properties.get_owned_property(property_id, get_current_user())
        return properties.update_property(owned, changes, expected_revision=checked_revision(owned))

    @blp.owner_write
    @blp.response(204)
    def delete(self, property_id):
        """Delete a property (its owner, or an administrator moderating)"""
        owned = properties.get_owned_property(property_id, get_current_user(), moderation=True)
        properties.delete_property(owned, expected_revision=checked_revision(owned))


@blp.route("/changes")
class PropertyChanges(MethodView):
    @blp.arguments(ChangeQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, ChangeSchema(many=True), headers=CHANGES_LINK_HEADER, example=CHANGES_EXAMPLE)
    @blp.doc(operationId="listPropertyChanges")
    def get(self, page_size, after=0):
        """Follow the changes of the listings: created, updated and deleted, in change order

        Each entry shows the listing as `GET /api/v1/properties/{id}` does now, or null once it is
        deleted. A change supersedes the property's older entries, which leave the feed: a walk
        sees each property once, at its latest state (one that changes while you walk appears
        again, further on). Follow the `next` link of every page, the last one too: later it
        returns only the newer changes, and an empty page means up to date; `first` starts over.

        The order is a sequence from the database, not a clock: an entry is appended at the next
        number only once the number before it is written, and no number is ever taken twice, so a
        follower never misses a change whatever the writers' clocks. Deletions stay 30 days; the
        latest entry of a listing stays as long as the listing.
        """
        entries = changes.list_changes(after=after, limit=page_size)
        # Every page links to the next, the last one too: following it later gives the newer changes.
        resume_after = entries[-1]["sequence"] if entries else after
        links = {
            "next": url_for("properties.PropertyChanges", cursor=encode_cursor([resume_after]), page_size=page_size),
            "first": url_for("properties.PropertyChanges", page_size=page_size),
        }
        return entries, {"Link": link_header(links)}
