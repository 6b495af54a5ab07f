"""Search, filters and sorts of the property listing, black-box through HTTP."""

import pytest

from arcane.models import User
from arcane.services import properties as service
from tests.factories import assert_error, create_property, room_form

LISTINGS = "/api/v1/properties"


def rooms_url(listing, room_id=""):
    return f"{LISTINGS}/{listing['id']}/rooms" + (f"/{room_id}" if room_id else "")


def names(client, query):
    response = client.get(f"{LISTINGS}?{query}")
    assert response.status_code == 200, response.json
    return [item["name"] for item in response.json]


def test_area_filters_use_the_total_area(client, user):
    create_property(client, user, name="Small", rooms=[room_form(area_m2=20.0)])
    create_property(client, user, name="Medium", rooms=[room_form(area_m2=30.0), room_form(area_m2=30.0)])
    create_property(client, user, name="Large", rooms=[room_form(area_m2=150.0)])
    assert sorted(names(client, "min_area=60")) == ["Large", "Medium"]
    assert sorted(names(client, "max_area=60")) == ["Medium", "Small"]
    assert names(client, "min_area=21&max_area=100") == ["Medium"]


def test_total_area_follows_every_room_write(client, user):
    listing = create_property(client, user, rooms=[room_form(area_m2=10.0)])
    added = client.post(rooms_url(listing), json=room_form(area_m2=5.5), headers=user.headers).json
    assert names(client, "min_area=15.5&max_area=15.5") == [listing["name"]]
    client.patch(rooms_url(listing, added["id"]), json={"area_m2": 40.0}, headers=user.headers)
    assert names(client, "min_area=50&max_area=50") == [listing["name"]]
    client.delete(rooms_url(listing, listing["rooms"][0]["id"]), headers=user.headers)
    assert names(client, "min_area=40&max_area=40") == [listing["name"]]
    assert names(client, "min_area=41") == []
    assert client.get(f"{LISTINGS}/{listing['id']}").json["total_area_m2"] == 40.0


# Each room write, and its success status.
FIRST_ROOM_WRITES = {
    "add": (
        lambda client, listing, headers: client.post(rooms_url(listing), json=room_form(area_m2=1.0), headers=headers),
        201,
    ),
    "change": (
        lambda client, listing, headers: client.patch(
            rooms_url(listing, listing["rooms"][0]["id"]), json={"area_m2": 1.0, "kind": "office"}, headers=headers
        ),
        200,
    ),
    "remove": (
        lambda client, listing, headers: client.delete(rooms_url(listing, listing["rooms"][0]["id"]), headers=headers),
        204,
    ),
}


@pytest.mark.parametrize(
    ("first_write", "total_area", "kinds"),
    [("add", 111.0, ["bedroom", "kitchen"]), ("change", 101.0, ["kitchen", "office"]), ("remove", 100.0, ["kitchen"])],
)
def test_a_room_write_raced_by_another_leaves_the_search_fields_exact(
    app, client, user, monkeypatch, database_commands, first_write, total_area, kinds
):
    """Two room writes interleave: another write lands between the first one's read and its update.

    The first update, guarded by the revision it read, matches nothing; the first writer reads
    the property again and computes its change and the derived fields from the newer rooms.
    """
    listing = create_property(client, user, rooms=[room_form(area_m2=10.0, kind="bedroom")])
    read_for_write = service.get_owned_property
    interleaved = []

    def read_then_let_another_write_in(property_id, actor, **options):
        owned = read_for_write(property_id, actor, **options)
        if not interleaved:
            interleaved.append(True)
            # Through the service: the embedded database serves one HTTP request at a time.
            other = read_for_write(property_id, User.objects.get(id=user.id))
            service.add_room(other, room_form(area_m2=100.0, kind="kitchen"))
        return owned

    monkeypatch.setattr(service, "get_owned_property", read_then_let_another_write_in)
    write, succeeded = FIRST_ROOM_WRITES[first_write]
    with database_commands() as sent:
        response = write(client, listing, user.headers)
    assert response.status_code == succeeded, response.json

    updates = [command for command in sent if command.collection == "properties" and command.name == "update"]
    # The other write, the first write's update that missed, then its update computed again.
    assert [update.filter["revision"] for update in updates] == [0, 0, 1]
    stored = client.get(f"{LISTINGS}/{listing['id']}").json
    rooms = stored["rooms"]
    assert stored["total_area_m2"] == total_area == sum(room["area_m2"] for room in rooms)
    assert stored["room_count"] == len(rooms)
    assert names(client, f"min_area={total_area}&max_area={total_area}") == [listing["name"]]
    for kind in ("bedroom", "kitchen", "office"):
        assert names(client, f"room_kind={kind}") == ([listing["name"]] if kind in kinds else [])


def test_room_kind_keeps_listings_with_a_room_of_that_kind(client, user):
    create_property(client, user, name="With office", rooms=[room_form(kind="office")])
    create_property(client, user, name="Without", rooms=[room_form(kind="bedroom")])
    assert names(client, "room_kind=office") == ["With office"]


def test_room_kind_follows_room_changes(client, user):
    listing = create_property(client, user, rooms=[room_form(kind="bedroom")])
    client.patch(rooms_url(listing, listing["rooms"][0]["id"]), json={"kind": "office"}, headers=user.headers)
    assert names(client, "room_kind=office") == [listing["name"]]
    assert names(client, "room_kind=bedroom") == []


@pytest.mark.parametrize("spelling", ["fireplace", "FIREPLACE", "Fire-place", "firéplace"])
def test_feature_ignores_case_and_accents(client, user, spelling):
    create_property(client, user, name="Warm", rooms=[room_form(features=["Fireplace"])])
    create_property(client, user, name="Cold", rooms=[room_form(features=["sea view"])])
    expected = ["Warm"] if spelling != "Fire-place" else []
    assert names(client, f"feature={spelling}") == expected


@pytest.mark.parametrize("query", ["bright", "BRIGHT flat", "flat bright", "Éléphant", "elephant bright"])
def test_q_matches_every_word_of_name_or_description(client, user, query):
    create_property(client, user, name="Bright flat", description="Near the éléphant statue.")
    create_property(client, user, name="Dark house", description="No elephant here.")
    expected = {"bright": ["Bright flat"], "BRIGHT flat": ["Bright flat"], "flat bright": ["Bright flat"]}
    expected["Éléphant"] = ["Dark house", "Bright flat"]
    expected["elephant bright"] = ["Bright flat"]
    assert names(client, f"q={query}") == expected[query]


def test_q_follows_name_and_description_changes(client, user):
    listing = create_property(client, user, name="Bright flat")
    client.patch(f"{LISTINGS}/{listing['id']}", json={"name": "Dark flat"}, headers=user.headers)
    assert names(client, "q=bright") == []
    assert names(client, "q=dark") == ["Dark flat"]


def test_search_filters_combine_with_the_others(client, user, other_user):
    create_property(client, user, name="Bright office flat", city="Lyon", rooms=[room_form(kind="office")])
    create_property(client, user, name="Bright office flat", city="Paris", rooms=[room_form(kind="office")])
    create_property(client, other_user, name="Bright office flat", city="Lyon", rooms=[room_form(kind="office")])
    create_property(client, user, name="Bright flat", city="Lyon", rooms=[room_form(kind="bedroom")])
    query = f"city=lyon&type=flat&owner={user.id}&min_rooms=1&q=bright&room_kind=office&min_area=1"
    assert names(client, query) == ["Bright office flat"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-created_at", ["C", "B", "A"]),
        ("created_at", ["A", "B", "C"]),
        ("total_area_m2", ["B", "C", "A"]),
        ("-total_area_m2", ["A", "C", "B"]),
        ("room_count", ["C", "A", "B"]),
        ("-room_count", ["B", "A", "C"]),
    ],
)
def test_sort(client, user, sort, expected):
    create_property(client, user, name="A", rooms=[room_form(area_m2=50.0), room_form(area_m2=50.0)])
    create_property(client, user, name="B", rooms=[room_form(area_m2=1.0)] * 3)
    create_property(client, user, name="C", rooms=[room_form(area_m2=10.0)])
    assert names(client, f"sort={sort}") == expected


def test_default_sort_is_newest_first(client, user):
    for name in ("A", "B", "C"):
        create_property(client, user, name=name)
    assert names(client, "") == ["C", "B", "A"]


def test_ties_are_broken_by_id_in_the_sort_direction(client, user):
    created = [create_property(client, user, name=f"Same {number}") for number in range(4)]
    ids = [listing["id"] for listing in created]
    ascending = [item["id"] for item in client.get(f"{LISTINGS}?sort=total_area_m2").json]
    descending = [item["id"] for item in client.get(f"{LISTINGS}?sort=-total_area_m2").json]
    assert ascending == sorted(ids)
    assert descending == sorted(ids, reverse=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sort=name", "sort"),
        ("min_area=-1", "min_area"),
        ("max_area=big", "max_area"),
        ("room_kind=attic", "room_kind"),
        ("feature=" + "x" * 41, "feature"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_search_parameters_are_422(client, query, field):
    assert field in assert_error(client.get(f"{LISTINGS}?{query}"), 422)["errors"]
