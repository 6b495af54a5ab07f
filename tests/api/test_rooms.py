import pytest
from bson import ObjectId

from arcane.services import properties
from tests.conftest import real_mongodb_only
from tests.factories import assert_error, at_once, create_property, room_form


@pytest.fixture
def listing(client, user):
    return create_property(client, user)


def rooms_url(listing, room_id=None):
    url = f"/api/v1/properties/{listing['id']}/rooms"
    return f"{url}/{room_id}" if room_id else url


def test_list_rooms_is_public(client, listing):
    response = client.get(rooms_url(listing))
    assert response.status_code == 200
    assert response.json == listing["rooms"]


def test_read_one_room(client, listing):
    room = listing["rooms"][1]
    response = client.get(rooms_url(listing, room["id"]))
    assert response.status_code == 200
    assert response.json == room
    assert set(room) == {"id", "name", "kind", "area_m2", "floor", "features"}


def test_rooms_of_an_unknown_property_are_404(client):
    assert_error(client.get("/api/v1/properties/6750c3e2a1b2c3d4e5f60718/rooms"), 404)


def test_unknown_room_is_404(client, listing):
    assert_error(client.get(rooms_url(listing, "6750c3e2a1b2c3d4e5f60718")), 404)


def test_a_room_of_another_property_is_404(client, user, listing):
    elsewhere = create_property(client, user, name="Elsewhere")
    assert_error(client.get(rooms_url(listing, elsewhere["rooms"][0]["id"])), 404)


def test_malformed_room_id_is_404(client, listing):
    assert_error(client.get(rooms_url(listing, "kitchen")), 404)


def test_owner_adds_a_room(client, user, listing):
    response = client.post(
        rooms_url(listing), json=room_form(name="Office", kind="office", area_m2=9), headers=user.headers
    )
    assert response.status_code == 201
    room = response.json
    assert (room["name"], room["kind"], room["area_m2"]) == ("Office", "office", 9.0)
    assert response.headers["Location"] == rooms_url(listing, room["id"])
    assert client.get(response.headers["Location"]).json == room
    after = client.get(f"/api/v1/properties/{listing['id']}")
    assert after.json["room_count"] == 3
    assert after.json["total_area_m2"] == 48.5
    # The room write answers with the property's new ETag.
    assert response.headers["ETag"] == after.headers["ETag"]


def test_room_defaults(client, user, listing):
    response = client.post(
        rooms_url(listing), json={"name": "Box", "kind": "storage", "area_m2": 2.5}, headers=user.headers
    )
    assert (response.json["floor"], response.json["features"]) == (None, [])


def test_a_property_has_at_most_100_rooms(client, user):
    full = create_property(client, user, rooms=[room_form()] * 100)
    response = client.post(rooms_url(full), json=room_form(), headers=user.headers)
    assert "rooms" in assert_error(response, 422)["errors"]
    assert client.get(f"/api/v1/properties/{full['id']}").json["room_count"] == 100


@pytest.mark.parametrize(
    "form",
    [
        room_form(kind="ballroom"),
        room_form(area_m2=0),
        room_form(area_m2=None),
        room_form(floor="1"),
        room_form(features="fireplace"),
        {"name": "No kind", "area_m2": 10},
        {**room_form(), "id": "6750c3e2a1b2c3d4e5f60718"},
    ],
)
def test_add_room_validates(client, user, listing, form):
    assert_error(client.post(rooms_url(listing), json=form, headers=user.headers), 422)
    assert client.get(rooms_url(listing)).json == listing["rooms"]


def test_owner_changes_a_room_in_place(client, user, listing):
    room = listing["rooms"][1]
    response = client.patch(
        rooms_url(listing, room["id"]), json={"area_m2": 16, "floor": None, "features": []}, headers=user.headers
    )
    assert response.status_code == 200
    assert response.json == {**room, "area_m2": 16.0, "floor": None, "features": []}
    rooms = client.get(rooms_url(listing)).json
    assert rooms == [listing["rooms"][0], response.json]


def test_change_the_first_room_leaves_the_others(client, user, listing):
    first, second = listing["rooms"]
    client.patch(rooms_url(listing, first["id"]), json={"name": "Lounge"}, headers=user.headers)
    assert client.get(rooms_url(listing)).json == [{**first, "name": "Lounge"}, second]


def test_change_unknown_room_is_404(client, user, listing):
    response = client.patch(rooms_url(listing, "6750c3e2a1b2c3d4e5f60718"), json={"name": "x"}, headers=user.headers)
    assert_error(response, 404)


def test_owner_removes_a_room(client, user, listing):
    first, second = listing["rooms"]
    assert client.delete(rooms_url(listing, first["id"]), headers=user.headers).status_code == 204
    assert client.get(rooms_url(listing)).json == [second]
    assert_error(client.delete(rooms_url(listing, first["id"]), headers=user.headers), 404)


def test_room_write_with_a_stale_etag_is_412(client, user, listing):
    stale = client.get(f"/api/v1/properties/{listing['id']}").headers["ETag"]
    client.patch(f"/api/v1/properties/{listing['id']}", json={"name": "Renamed"}, headers=user.headers)
    headers = {**user.headers, "If-Match": stale}
    assert_error(client.post(rooms_url(listing), json=room_form(), headers=headers), 412)
    assert_error(client.patch(rooms_url(listing, listing["rooms"][0]["id"]), json={"name": "x"}, headers=headers), 412)
    assert_error(client.delete(rooms_url(listing, listing["rooms"][0]["id"]), headers=headers), 412)
    assert client.get(rooms_url(listing)).json == listing["rooms"]


def test_room_write_with_the_current_etag_succeeds(client, user, listing):
    etag = client.get(f"/api/v1/properties/{listing['id']}").headers["ETag"]
    response = client.post(rooms_url(listing), json=room_form(), headers={**user.headers, "If-Match": etag})
    assert response.status_code == 201


@real_mongodb_only
def test_concurrent_room_additions_are_all_kept(app, user, listing):
    """20 clients add a room to the same property at the same moment: 20 more rooms, none lost.

    Only meaningful on a real MongoDB: on mongomock, requests are served one at a time, so this
    passes even with a read-modify-write. The tests on the commands sent cover mongomock.
    """

    def add_room(number):
        return app.test_client().post(rooms_url(listing), json=room_form(name=f"Room {number}"), headers=user.headers)

    assert [response.status_code for response in at_once(20, add_room)] == [201] * 20
    rooms = app.test_client().get(rooms_url(listing)).json
    assert len(rooms) == 22
    assert {room["name"] for room in rooms[2:]} == {f"Room {number}" for number in range(20)}


def property_writes(sent):
    """The write commands a request sent to the properties collection."""
    return [command for command in sent if command.collection == "properties" and command.name != "find"]


DERIVED_FIELDS = {"total_area_m2", "room_count", "room_kinds", "room_features", "search_terms"}


def assert_one_guarded_update(sent, listing, operator, room_count, **guard):
    """One read of the listing, then one update: the operator on rooms and the derived fields together.

    Its filter guards it with the revision read (the one the derived fields were computed from)
    and the operator's own condition; the rooms array is never rewritten whole.
    """
    assert [command.name for command in sent if command.collection == "properties"] == ["find", "update"], sent
    (update,) = property_writes(sent)
    assert update.filter["_id"] == ObjectId(listing["id"])
    expected_guard = {"revision": 0, **guard}
    assert {key: update.filter.get(key) for key in expected_guard} == expected_guard, update.filter
    assert set(update.update) == {operator, "$inc", "$set"}, update.update
    assert update.update["$inc"] == {"revision": 1}
    assert "rooms" in update.update[operator] or any(key.startswith("rooms.$.") for key in update.update[operator])
    assert "rooms" not in update.update["$set"], "the whole rooms array was rewritten"
    assert set(update.update["$set"]) >= DERIVED_FIELDS, update.update
    assert update.update["$set"]["room_count"] == room_count
    return update


def test_adding_a_room_is_one_push_guarded_by_the_room_limit(client, user, listing, database_commands):
    with database_commands() as sent:
        response = client.post(rooms_url(listing), json=room_form(name="Attic"), headers=user.headers)
    assert response.status_code == 201
    update = assert_one_guarded_update(sent, listing, "$push", 3, **{"rooms.99": {"$exists": False}})
    assert update.update["$push"]["rooms"]["name"] == "Attic"


def test_adding_a_room_with_if_match_also_guards_the_revision(client, user, listing, database_commands):
    etag = client.get(f"/api/v1/properties/{listing['id']}").headers["ETag"]
    with database_commands() as sent:
        response = client.post(rooms_url(listing), json=room_form(), headers={**user.headers, "If-Match": etag})
    assert response.status_code == 201
    assert_one_guarded_update(sent, listing, "$push", 3, revision=0)


def test_changing_a_room_is_one_positional_set(client, user, listing, database_commands):
    room_id = listing["rooms"][1]["id"]
    with database_commands() as sent:
        response = client.patch(rooms_url(listing, room_id), json={"name": "Study"}, headers=user.headers)
    assert response.status_code == 200
    update = assert_one_guarded_update(sent, listing, "$set", 2, **{"rooms._id": ObjectId(room_id)})
    assert update.update["$set"]["rooms.$.name"] == "Study"


def test_removing_a_room_is_one_pull(client, user, listing, database_commands):
    room_id = listing["rooms"][0]["id"]
    with database_commands() as sent:
        response = client.delete(rooms_url(listing, room_id), headers=user.headers)
    assert response.status_code == 204
    update = assert_one_guarded_update(sent, listing, "$pull", 1, **{"rooms._id": ObjectId(room_id)})
    assert update.update["$pull"] == {"rooms": {"_id": ObjectId(room_id)}}


def test_a_room_write_that_keeps_losing_the_race_to_others_is_409(client, user, listing, monkeypatch):
    stale = properties._find(ObjectId(listing["id"]))
    client.post(rooms_url(listing), json=room_form(), headers=user.headers)  # the property moves on
    # Every read now gives the state before that write: each update, guarded by its revision, misses.
    monkeypatch.setattr(properties, "_find", lambda property_id, *fields: stale)
    assert_error(client.post(rooms_url(listing), json=room_form(name="Late"), headers=user.headers), 409)
    monkeypatch.undo()
    assert [room["name"] for room in client.get(rooms_url(listing)).json][2:] == ["Main bedroom"]
