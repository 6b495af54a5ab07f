"""The output schemas make the representation from stored documents."""

import datetime as dt

from bson import ObjectId

from arcane.schemas.properties import PropertySchema, RoomSchema

MOMENT = dt.datetime(2026, 5, 17, 9, 30, 12, 345000, tzinfo=dt.UTC)
ROOM = {
    "_id": ObjectId("6750c3e2a1b2c3d4e5f60719"),
    "name": "Kitchen",
    "kind": "kitchen",
    "area_m2": 9.25,
    "floor": None,
    "features": [],
}
OWNER = {"_id": ObjectId("6750c3e2a1b2c3d4e5f60717"), "first_name": "Inès", "last_name": "Moreau"}
STORED = {
    "_id": ObjectId("6750c3e2a1b2c3d4e5f60718"),
    "name": "Bright flat",
    "description": "Line one.\nLine two.",
    "type": "flat",
    "city": "Saint-Étienne",
    "city_key": "saint etienne",
    "rooms": [ROOM, {**ROOM, "_id": ObjectId("6750c3e2a1b2c3d4e5f6071a"), "area_m2": 10.1, "floor": 2}],
    "owner": OWNER,
    "revision": 3,
    "created_at": MOMENT,
    "updated_at": MOMENT + dt.timedelta(days=1),
}


def test_a_property_is_presented_with_its_derived_fields_and_public_owner():
    assert PropertySchema().dump(STORED) == {
        "id": "6750c3e2a1b2c3d4e5f60718",
        "name": "Bright flat",
        "description": "Line one.\nLine two.",
        "type": "flat",
        "city": "Saint-Étienne",
        "rooms": [
            {
                "id": "6750c3e2a1b2c3d4e5f60719",
                "name": "Kitchen",
                "kind": "kitchen",
                "area_m2": 9.25,
                "floor": None,
                "features": [],
            },
            {
                "id": "6750c3e2a1b2c3d4e5f6071a",
                "name": "Kitchen",
                "kind": "kitchen",
                "area_m2": 10.1,
                "floor": 2,
                "features": [],
            },
        ],
        "room_count": 2,
        "total_area_m2": 19.35,
        "owner": {"id": "6750c3e2a1b2c3d4e5f60717", "first_name": "Inès", "last_name": "Moreau"},
        "created_at": "2026-05-17T09:30:12.345000+00:00",
        "updated_at": "2026-05-18T09:30:12.345000+00:00",
    }


def test_a_property_whose_owner_is_gone_has_a_null_owner():
    assert PropertySchema().dump({**STORED, "owner": None})["owner"] is None


def test_a_property_without_rooms_has_no_area():
    dumped = PropertySchema().dump({**STORED, "rooms": []})
    assert (dumped["rooms"], dumped["room_count"], dumped["total_area_m2"]) == ([], 0, 0.0)


def test_a_room_stored_without_its_optional_fields_is_presented_whole():
    assert RoomSchema().dump({"_id": ROOM["_id"], "name": "Cellar", "kind": "cellar", "area_m2": 8.0}) == {
        "id": "6750c3e2a1b2c3d4e5f60719",
        "name": "Cellar",
        "kind": "cellar",
        "area_m2": 8.0,
        "floor": None,
        "features": [],
    }
