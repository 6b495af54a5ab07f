"""The models' constraints hold for every write, even when a caller skips the API's schemas."""

import mongoengine
import pytest

from arcane.errors import Invalid
from arcane.models import Property
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
