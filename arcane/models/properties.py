"""Properties, with their rooms embedded."""

import re
import unicodedata

import mongoengine as me
from bson import ObjectId

from arcane.models.common import utcnow
from arcane.models.users import User

ROOM_KINDS = (
    "living_room",
    "bedroom",
    "kitchen",
    "bathroom",
    "toilet",
    "dining_room",
    "office",
    "laundry",
    "storage",
    "garage",
    "cellar",
    "balcony",
    "terrace",
    "other",
)
MAX_ROOMS = 100
# AWS DocumentDB refuses an index key over 2,048 bytes; the city_key index holds the key and the
# id, so the key is kept to half of that, in UTF-8.
CITY_KEY_MAX_BYTES = 1024
# The sorts of the listing: the stored field and its direction. Every sort is tie-broken on the
# id, in the same direction, so that one index per field serves both directions.
SORTS = {
    "-created_at": ("created_at", -1),
    "created_at": ("created_at", 1),
    "-total_area_m2": ("total_area_m2", -1),
    "total_area_m2": ("total_area_m2", 1),
    "-room_count": ("room_count", -1),
    "room_count": ("room_count", 1),
}
DEFAULT_SORT = "-created_at"
# The orders of the city listing: most listings first (ties by key), or by key. The counts move
# with every write, so only the order by key has an exact keyset, and pages by cursor.
CITY_SORTS = ("-count", "city")
DEFAULT_CITY_SORT = "-count"
SEPARATORS = re.compile(r"[\W_]+")
# Longer words are left out of the search terms: nobody searches for them, and they would make
# index keys too long for DocumentDB.
MAX_SEARCH_TERM_LENGTH = 64
# Ligatures that Unicode decomposition keeps whole.
LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})


def city_key(city: str) -> str:
    """The search key of a city: case-, accent-, space- and hyphen-insensitive.

    ``Saint-Étienne``, ``saint etienne`` and ``SAINT ÉTIENNE`` all give ``saint etienne``.
    A stored key, not a collation: AWS DocumentDB has no collations, and an index on the key
    serves the city listing without a regex scan.
    """
    decomposed = unicodedata.normalize("NFKD", city)
    without_accents = "".join(char for char in decomposed if not unicodedata.combining(char))
    return SEPARATORS.sub(" ", without_accents.casefold().translate(LIGATURES)).strip()


def search_terms(*texts: str) -> list[str]:
    """The distinct words of the texts, normalised as ``city_key`` normalises: what ``q`` matches."""
    words = {word for text in texts for word in city_key(text or "").split()}
    return sorted(word for word in words if len(word) <= MAX_SEARCH_TERM_LENGTH)


def derived_fields(name: str, description: str, rooms) -> dict:
    """The fields stored for search and sorting, computed from the name, description and rooms.

    ``rooms`` are ``Room`` documents or stored room dicts: both are read by key.
    """
    return {
        "total_area_m2": float(round(sum(room["area_m2"] for room in rooms), 2)),
        "room_count": len(rooms),
        "room_kinds": sorted({room["kind"] for room in rooms}),
        "room_features": sorted({city_key(feature) for room in rooms for feature in room["features"] or ()} - {""}),
        "search_terms": search_terms(name, description),
    }


class CityKeyField(me.StringField):
    """A city key, limited in UTF-8 bytes so that it fits an index key on DocumentDB.

    A limit in bytes, not characters: the key is longer than the city when the city has
    ligatures (one ﷺ gives 18 characters). Checked in ``validate``, which mongoengine also
    applies to the values of update operators (``set__city_key``).
    """

    def validate(self, value):
        super().validate(value)
        if isinstance(value, str) and len(value.encode()) > CITY_KEY_MAX_BYTES:
            self.error(f"Longer than {CITY_KEY_MAX_BYTES} bytes in UTF-8.")


class Room(me.EmbeddedDocument):
    """A room of a property, with its own id so that it can be addressed."""

    id = me.ObjectIdField(required=True, default=ObjectId, db_field="_id")
    name = me.StringField(required=True, max_length=80)
    kind = me.StringField(required=True, choices=ROOM_KINDS)
    area_m2 = me.FloatField(required=True, min_value=0, max_value=10000)
    floor = me.IntField(min_value=-5, max_value=200, null=True)
    features = me.ListField(me.StringField(max_length=40), max_length=20, default=list)


class Property(me.Document):
    """A listing. ``revision`` grows with every write: it makes the ETag and guards If-Match."""

    meta = {
        "collection": "properties",
        "indexes": [
            {"fields": ["city_key", "-id"], "name": "city_key_newest_first"},
            {"fields": ["owner", "-id"], "name": "owner_newest_first"},
            {"fields": ["type"], "name": "type"},
            # The sorts of the listing, each tie-broken on the id so that keyset cursors are exact.
            {"fields": ["-created_at", "-id"], "name": "newest_first"},
            {"fields": ["total_area_m2", "id"], "name": "total_area"},
            {"fields": ["room_count", "id"], "name": "room_count"},
            # The multikey indexes of the search filters.
            {"fields": ["search_terms"], "name": "search_terms"},
            {"fields": ["room_kinds"], "name": "room_kinds"},
            {"fields": ["room_features"], "name": "room_features"},
        ],
    }

    name = me.StringField(required=True, max_length=120)
    description = me.StringField(max_length=5000, default="")
    type = me.StringField(required=True, max_length=40)
    city = me.StringField(required=True, max_length=120)
    city_key = CityKeyField(required=True)
    rooms = me.EmbeddedDocumentListField(Room, max_length=MAX_ROOMS, default=list)
    # No delete rule: deleting an account, users.delete_user deletes its listings itself, each
    # recorded in the change feed (a CASCADE would delete a listing published meanwhile unrecorded).
    owner = me.ReferenceField(User, required=True)
    revision = me.IntField(required=True, default=0)
    created_at = me.DateTimeField(required=True, default=utcnow)
    updated_at = me.DateTimeField(required=True, default=utcnow)
    # Derived from the fields above (``derived_fields``), stored so that indexes serve the
    # filters and sorts; set on every save and, after each update, by the services.
    total_area_m2 = me.FloatField(required=True, default=0)
    room_count = me.IntField(required=True, default=0)
    room_kinds = me.ListField(me.StringField(), default=list)
    room_features = me.ListField(me.StringField(), default=list)
    search_terms = me.ListField(me.StringField(), default=list)

    def clean(self):
        """Compute the derived fields, so that every saved document has them right."""
        for field, value in derived_fields(self.name, self.description, self.rooms).items():
            setattr(self, field, value)
