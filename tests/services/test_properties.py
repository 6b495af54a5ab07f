"""The models' constraints hold for every write, even when a caller skips the API's schemas."""

import mongoengine
import pytest

from arcane.errors import Conflict, Invalid, PreconditionFailed
from arcane.models import Property, User
from arcane.services import properties

ROOM = {"name": "Kitchen", "kind": "kitchen", "area_m2": 9.5}
BROKEN_ROOMS = [
    {**ROOM, "name": "x" * 500},
    {**ROOM, "kind": "ballroom"},
    {**ROOM, "area_m2": -1},
    {**ROOM, "floor": 900},
    {**ROOM, "features": ["y" * 41]},
    {**ROOM, "features": ["z"] * 21},
]
BROKEN_PROPERTIES = [
    {"name": "x" * 500},
    {"description": "d" * 5001},
    {"city": "c" * 121},
    {"rooms": [{**ROOM, "kind": "ballroom"}]},
    {"rooms": [ROOM] * 101},
]


@pytest.fixture
def owned(owner):
    created = properties.create_property(owner, name="Flat", type="flat", city="Lyon", rooms=[ROOM])
    return properties.get_owned_property(created["_id"], owner)


def new_property(**overrides):
    return {"name": "Flat", "type": "flat", "city": "Lyon", "description": "", "rooms": [], **overrides}


def stored_rooms(owned):
    return [room.to_mongo().to_dict() for room in Property.objects.get(id=owned.id).rooms]


@pytest.mark.parametrize("broken", BROKEN_PROPERTIES)
def test_a_property_breaking_the_model_is_not_created(owner, broken):
    with pytest.raises(mongoengine.ValidationError):
        properties.create_property(owner, **new_property(**broken))
    assert Property.objects.count() == 0


@pytest.mark.parametrize("broken", BROKEN_ROOMS)
def test_a_room_breaking_the_model_is_not_added(owned, broken):
    before = stored_rooms(owned)
    with pytest.raises(mongoengine.ValidationError):
        properties.add_room(owned, broken)
    assert stored_rooms(owned) == before


@pytest.mark.parametrize("broken", BROKEN_ROOMS)
def test_a_room_change_breaking_the_model_is_not_written(owned, broken):
    before = stored_rooms(owned)
    changes = {field: value for field, value in broken.items() if ROOM.get(field) != value}
    with pytest.raises(mongoengine.ValidationError):
        properties.update_room(owned, before[0]["_id"], changes)
    assert stored_rooms(owned) == before


@pytest.mark.parametrize("changes", [{"area_m2": None}, {"name": None}, {"kind": None}])
def test_a_required_room_field_cannot_be_removed(owned, changes):
    before = stored_rooms(owned)
    with pytest.raises(mongoengine.ValidationError):
        properties.update_room(owned, before[0]["_id"], changes)
    assert stored_rooms(owned) == before


@pytest.mark.parametrize("changes", [{"name": "x" * 500}, {"description": 5}, {"city": "c" * 121}, {"name": None}])
def test_a_property_change_breaking_the_model_is_not_written(owned, changes):
    before = Property.objects.get(id=owned.id).to_mongo()
    with pytest.raises(mongoengine.ValidationError):
        properties.update_property(owned, changes)
    assert Property.objects.get(id=owned.id).to_mongo() == before


def test_a_city_whose_key_does_not_fit_an_index_key_is_refused(owner):
    city = "\ufdfa" * 120  # 120 characters, a key of 2,160 characters (3,960 bytes)
    with pytest.raises(Invalid) as refused:
        properties.create_property(owner, **new_property(city=city))
    assert set(refused.value.errors) == {"city"}
    assert Property.objects.count() == 0


def test_a_city_key_over_the_limit_is_refused_by_the_model_itself(owner):
    with pytest.raises(mongoengine.ValidationError):
        Property(name="Flat", type="flat", city="Lyon", city_key="é" * 513, owner=owner).validate()
    Property(name="Flat", type="flat", city="Lyon", city_key="é" * 512, owner=owner).validate()


def test_a_write_that_keeps_losing_the_race_gives_up_with_a_conflict(owned, monkeypatch, database_commands):
    """Every attempt is computed from a state another write has already replaced: 50 tries, then Conflict."""
    properties.add_room(properties.get_owned_property(owned.id, owned_by(owned)), ROOM)  # revision 0 -> 1
    monkeypatch.setattr(properties, "_find", lambda property_id, *fields: owned.document)  # always revision 0
    before = Property.objects.get(id=owned.id).to_mongo()
    with database_commands() as sent, pytest.raises(Conflict):
        properties.add_room(owned, ROOM)
    updates = [command for command in sent if command.collection == "properties" and command.name == "update"]
    assert len(updates) == properties.MAX_WRITE_ATTEMPTS
    assert Property.objects.get(id=owned.id).to_mongo() == before


def test_a_write_raced_past_the_clients_if_match_is_a_failed_precondition(owned):
    """The client saw revision 0; another write lands before its update: 412, not a write over it."""
    properties.update_property(properties.get_owned_property(owned.id, owned_by(owned)), {"name": "Renamed"})
    with pytest.raises(PreconditionFailed):
        properties.add_room(owned, ROOM, expected_revision=0)
    assert Property.objects.get(id=owned.id).room_count == 1


def test_a_property_update_raced_by_a_room_write_keeps_both(owned):
    properties.add_room(properties.get_owned_property(owned.id, owned_by(owned)), {**ROOM, "area_m2": 20.0})
    updated = properties.update_property(owned, {"name": "Quiet flat"})
    stored = Property.objects.get(id=owned.id)
    assert (stored.name, stored.room_count, stored.total_area_m2, stored.revision) == ("Quiet flat", 2, 29.5, 2)
    assert stored.search_terms == ["flat", "quiet"]
    assert updated["revision"] == 2
    assert updated["total_area_m2"] == 29.5


def test_a_deletion_raced_by_another_write_records_the_revision_it_deleted(owned, monkeypatch):
    recorded = []
    monkeypatch.setattr(properties.change_feed, "record_deletion", lambda _, *, revision: recorded.append(revision))
    properties.add_room(properties.get_owned_property(owned.id, owned_by(owned)), ROOM)  # revision 1
    properties.delete_property(owned)
    assert Property.objects(id=owned.id).count() == 0
    assert recorded == [2]


def test_the_property_each_write_returns_is_the_stored_one(owned):
    """Computed from the state read and the change, not read back: it must be what the update stored."""
    room, returned = properties.add_room(owned, {**ROOM, "floor": None, "features": ["Fireplace"]})
    assert returned == properties.get_property(owned.id)
    owned = properties.get_owned_property(owned.id, owned_by(owned))
    _, returned = properties.update_room(owned, room["_id"], {"floor": 2, "kind": "office", "features": []})
    assert returned == properties.get_property(owned.id)
    owned = properties.get_owned_property(owned.id, owned_by(owned))
    returned = properties.delete_room(owned, room["_id"])
    assert returned == properties.get_property(owned.id)
    owned = properties.get_owned_property(owned.id, owned_by(owned))
    returned = properties.update_property(owned, {"city": "Saint-Étienne", "description": "Near the park."})
    assert returned == properties.get_property(owned.id)


def owned_by(owned):
    return User.objects.get(id=owned.document["owner"])
