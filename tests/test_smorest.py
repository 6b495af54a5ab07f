"""The project's flask-smorest pieces behave like the originals they stand in for."""

import datetime as dt

import marshmallow as ma
import pytest

from arcane.schemas.properties import CitySchema, OwnerSchema, PropertySchema, RoomSchema

MOMENT = dt.datetime(2026, 5, 17, 9, 30, 12, 345000, tzinfo=dt.UTC)
ROOM = {
    "id": "6750c3e2a1b2c3d4e5f60719",
    "name": "Kitchen",
    "kind": "kitchen",
    "area_m2": 9.5,
    "floor": None,
    "features": [],
}
PROPERTY = {
    "id": "6750c3e2a1b2c3d4e5f60718",
    "name": "Bright flat",
    "description": "Line one.\nLine two.",
    "type": "flat",
    "city": "Saint-Étienne",
    "rooms": [ROOM, {**ROOM, "id": "6750c3e2a1b2c3d4e5f6071a", "floor": 2, "features": ["south-facing"]}],
    "room_count": 2,
    "total_area_m2": 19.0,
    "owner": {"id": "6750c3e2a1b2c3d4e5f60717", "first_name": "Inès", "last_name": "Moreau"},
    "created_at": MOMENT,
    "updated_at": MOMENT + dt.timedelta(days=1),
    "revision": 3,
}


@pytest.mark.parametrize(
    ("schema", "representation"),
    [
        (PropertySchema(), PROPERTY),
        (PropertySchema(many=True), [PROPERTY, {**PROPERTY, "rooms": [], "room_count": 0, "total_area_m2": 0.0}]),
        (RoomSchema(), ROOM),
        (OwnerSchema(), PROPERTY["owner"]),
        (CitySchema(many=True), [{"name": "Nîmes", "key": "nimes", "count": 4}]),
    ],
)
def test_representation_schemas_dump_exactly_like_marshmallow(schema, representation):
    assert schema.dump(representation) == ma.Schema.dump(schema, representation)


def test_representation_schemas_leave_out_undeclared_keys():
    assert "revision" not in PropertySchema().dump(PROPERTY)
