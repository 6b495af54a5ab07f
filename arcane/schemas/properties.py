"""Property and room schemas: query, create, update and output.

The output schemas make the whole representation from the stored documents the services return
(plain dicts, ``_id`` included): string ids, the derived ``room_count`` and ``total_area_m2``,
and the owner's public profile.
"""

import marshmallow as ma

from arcane.models.properties import CITY_SORTS, DEFAULT_CITY_SORT, DEFAULT_SORT, MAX_ROOMS, ROOM_KINDS, SORTS
from arcane.schemas.fields import NamedEnum, ObjectIdString, StrictFloat, StrictInteger, Text
from arcane.schemas.property_types import slug_field
from arcane.schemas.users import UserPublicSchema
from arcane.smorest import PagedQuerySchema, Schema

AREA_RANGE = ma.validate.Range(min=0, max=10000, min_inclusive=False)
# apispec documents the minimum of a Range but not that it is exclusive (OpenAPI 3.0's boolean form).
AREA_DOC = {"description": "Square metres, more than 0.", "example": 14.5, "exclusiveMinimum": True}
FLOOR_RANGE = ma.validate.Range(min=-5, max=200)
MAX_TOTAL_AREA = 10000 * MAX_ROOMS
# A page of rooms holds every room of a property unless page_size asks for fewer: a client that
# reads the rooms in one request, as before they were paged, still gets them all.
ROOMS_PAGE_SIZE = MAX_ROOMS


def _room_kind(**kwargs):
    return NamedEnum("RoomKind", ROOM_KINDS, description="What a room is used for.", **kwargs)


def _features(**kwargs):
    return ma.fields.List(
        Text(max_length=40),
        validate=ma.validate.Length(max=20),
        metadata={"description": "Up to 20 short strings.", "example": ["south-facing", "fireplace"]},
        **kwargs,
    )


class RoomCreateSchema(Schema):
    """A new room."""

    name = Text(required=True, max_length=80, metadata={"example": "Master bedroom"})
    kind = _room_kind(required=True, metadata={"example": "bedroom"})
    area_m2 = StrictFloat(required=True, validate=AREA_RANGE, metadata=AREA_DOC)
    floor = StrictInteger(allow_none=True, validate=FLOOR_RANGE, metadata={"example": 1})
    features = _features(load_default=list)


class RoomUpdateSchema(Schema):
    """Changes to a room: any of its fields."""

    name = Text(max_length=80)
    kind = _room_kind()
    area_m2 = StrictFloat(validate=AREA_RANGE, metadata=AREA_DOC)
    floor = StrictInteger(allow_none=True, validate=FLOOR_RANGE)
    features = _features()


class RoomSchema(Schema):
    """A room as the API shows it."""

    id = ma.fields.String(
        attribute="_id", dump_only=True, required=True, metadata={"example": "6750c3e2a1b2c3d4e5f60719"}
    )
    name = ma.fields.String(dump_only=True, required=True, metadata={"example": "Master bedroom"})
    kind = _room_kind(dump_only=True, required=True)
    area_m2 = ma.fields.Float(dump_only=True, required=True, metadata={"example": 14.5})
    floor = ma.fields.Integer(
        dump_only=True, required=True, allow_none=True, dump_default=None, metadata={"example": 1}
    )
    features = ma.fields.List(
        ma.fields.String(), dump_only=True, required=True, dump_default=list, metadata={"example": ["south-facing"]}
    )


def _city(**kwargs):
    return Text(
        max_length=120,
        metadata={
            "description": "As the owner writes it; searched without regard to case or accents.",
            "example": "Saint-Étienne",
        },
        **kwargs,
    )


class PropertyCreateSchema(Schema):
    """A new listing; its owner is the caller."""

    name = Text(required=True, max_length=120, metadata={"example": "Bright flat near the Jardin des Plantes"})
    description = Text(
        min_length=0,
        max_length=5000,
        multiline=True,
        load_default="",
        metadata={"example": "Quiet, renovated in 2023."},
    )
    type = slug_field(required=True)
    city = _city(required=True)
    rooms = ma.fields.List(
        ma.fields.Nested(RoomCreateSchema),
        validate=ma.validate.Length(max=MAX_ROOMS),
        load_default=list,
        metadata={"description": f"At most {MAX_ROOMS}."},
    )


class PropertyUpdateSchema(Schema):
    """Changes to a listing: any of name, description, type and city (rooms have their own routes)."""

    name = Text(max_length=120)
    description = Text(min_length=0, max_length=5000, multiline=True)
    type = slug_field()
    city = _city()


class OwnerSchema(UserPublicSchema):
    """The owner of a listing: their public profile (from the stored user document)."""

    id = ma.fields.String(
        attribute="_id", dump_only=True, required=True, metadata={"example": "6750c3e2a1b2c3d4e5f60717"}
    )


class PropertySchema(Schema):
    """A listing as the API shows it. The owner appears by name only."""

    id = ma.fields.String(
        attribute="_id", dump_only=True, required=True, metadata={"example": "6750c3e2a1b2c3d4e5f60718"}
    )
    name = ma.fields.String(dump_only=True, required=True)
    description = ma.fields.String(dump_only=True, required=True)
    type = ma.fields.String(dump_only=True, required=True, metadata={"example": "flat"})
    city = ma.fields.String(dump_only=True, required=True, metadata={"example": "Saint-Étienne"})
    rooms = ma.fields.Nested(RoomSchema, many=True, dump_only=True, required=True)
    room_count = ma.fields.Method(
        "count_rooms", dump_only=True, required=True, metadata={"type": "integer", "example": 3}
    )
    total_area_m2 = ma.fields.Method(
        "sum_areas", dump_only=True, required=True, metadata={"type": "number", "example": 54.5}
    )
    owner = ma.fields.Nested(
        OwnerSchema,
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"description": "Null while the owner's account is being deleted, with its listings."},
    )
    created_at = ma.fields.AwareDateTime(dump_only=True, required=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True, required=True)

    @staticmethod
    def count_rooms(document) -> int:
        return len(document.get("rooms", []))

    @staticmethod
    def sum_areas(document) -> float:
        return float(round(sum(room["area_m2"] for room in document.get("rooms", [])), 2))


class PropertyQuerySchema(PagedQuerySchema):
    """Filters of the property listing.

    The examples find listings in the demo data, alone and together (Swagger UI's "Try it out"
    sends them all): Lucas Bernard's villas in Grenoble (tests/api/test_openapi.py).
    """

    city = Text(
        max_length=120,
        metadata={"description": "Any spelling: Saint-Étienne, saint etienne, SAINT-ETIENNE.", "example": "Grenoble"},
    )
    type = slug_field(metadata={"example": "villa"})
    owner = ObjectIdString(metadata={"description": "A user id.", "example": "681489904307ff47bd8c11da"})
    min_rooms = ma.fields.Integer(
        strict=False,
        validate=ma.validate.Range(min=0, max=MAX_ROOMS),
        metadata={"description": "At least this many rooms.", "example": 4},
    )
    min_area = ma.fields.Float(
        validate=ma.validate.Range(min=0, max=MAX_TOTAL_AREA),
        metadata={"description": "Listings of at least this total area (square metres).", "example": 150},
    )
    max_area = ma.fields.Float(
        validate=ma.validate.Range(min=0, max=MAX_TOTAL_AREA),
        metadata={"description": "Listings of at most this total area (square metres).", "example": 250},
    )
    room_kind = _room_kind(
        metadata={"description": "Listings with at least one room of this kind.", "example": "terrace"}
    )
    feature = Text(
        max_length=40,
        metadata={
            "description": "Listings with a room that has this feature, whatever the case or accents.",
            "example": "Parquet floor",
        },
    )
    q = Text(
        max_length=200,
        metadata={
            "description": "Words of the name or description: every word must appear, whatever the case or accents.",
            "example": "quiet villa",
        },
    )
    sort = ma.fields.String(
        load_default=DEFAULT_SORT,
        validate=ma.validate.OneOf(list(SORTS)),
        metadata={"description": "The order; ties are broken by id.", "example": "-total_area_m2"},
    )


class CityQuerySchema(PagedQuerySchema):
    """Filters and order of the city listing (the examples find Saint-Étienne in the demo data, together too)."""

    prefix = Text(
        max_length=120,
        metadata={
            "description": "The first letters of a city, in any spelling: sai finds Saint-Étienne.",
            "example": "sai",
        },
    )
    sort = ma.fields.String(
        load_default=DEFAULT_CITY_SORT,
        validate=ma.validate.OneOf(CITY_SORTS),
        metadata={
            "description": (
                "-count (the default): most listings first, ties by key; it pages by number only (page), "
                "since the counts move with every write, and a cursor is 422. city: by key; it pages by "
                'number too, or walks exactly by cursor (the Link header\'s rel="next").'
            ),
            "example": "city",
        },
    )


class CitySchema(Schema):
    """A city that has listings."""

    name = ma.fields.String(
        dump_only=True,
        required=True,
        metadata={"description": "The spelling most owners use.", "example": "Saint-Étienne"},
    )
    key = ma.fields.String(
        dump_only=True, required=True, metadata={"description": "The search key.", "example": "saint etienne"}
    )
    count = ma.fields.Integer(
        dump_only=True, required=True, metadata={"description": "Number of listings.", "example": 12}
    )
