"""The change feed, through HTTP: order, one entry per property, a Link on every page, resuming."""

import re

import pytest

from arcane.paging import encode_cursor
from tests.factories import assert_error, create_property, room_form, signed_in_user

FEED = "/api/v1/properties/changes"
ENTRY_FIELDS = {"kind", "property_id", "revision", "changed_at", "property"}


def link(response, relation="next") -> str:
    (url,) = re.findall(rf'<([^>]+)>; rel="{relation}"', response.headers["Link"])
    return url


def read(client, url=FEED):
    response = client.get(url)
    assert response.status_code == 200, response.json
    return response.json, link(response)


def walk(client, url=FEED):
    """Every entry up to date, and the link to resume from."""
    seen = []
    while True:
        page, url = read(client, url)
        if not page:
            return seen, url
        seen += page


def summary(entries) -> list:
    return [(entry["kind"], entry["property_id"]) for entry in entries]


def test_an_empty_feed_is_up_to_date_and_still_links_to_the_next_page(client):
    page, url = read(client)
    assert page == []
    assert read(client, url)[0] == []


def test_an_entry_carries_the_listing_as_get_returns_it(client, user):
    created = create_property(client, user)
    (entry,), _ = read(client)
    assert set(entry) == ENTRY_FIELDS
    assert (entry["kind"], entry["property_id"], entry["revision"]) == ("created", created["id"], 0)
    assert entry["property"] == client.get(f"/api/v1/properties/{created['id']}").json


def test_the_feed_is_public_and_holds_no_personal_data(client, user):
    create_property(client, user)
    response = client.get(FEED)
    assert response.status_code == 200
    assert user.email not in response.get_data(as_text=True)
    assert set(response.json[0]["property"]["owner"]) == {"id", "first_name", "last_name"}


def test_every_page_the_last_one_too_links_to_the_next(client, user):
    ids = [create_property(client, user, name=f"Flat {n}")["id"] for n in range(5)]
    first, url = read(client, f"{FEED}?page_size=2")
    second, url = read(client, url)
    third, url = read(client, url)
    assert [entry["property_id"] for entry in first + second + third] == ids
    assert "page_size=2" in url
    assert read(client, url)[0] == []


def test_a_resumed_feed_shows_exactly_an_update_and_a_deletion(client, user):
    kept, removed, untouched = (create_property(client, user, name=name) for name in ("Kept", "Removed", "Same"))
    _, resume = walk(client)

    assert (
        client.patch(f"/api/v1/properties/{kept['id']}", json={"name": "Renamed"}, headers=user.headers).status_code
        == 200
    )
    assert client.delete(f"/api/v1/properties/{removed['id']}", headers=user.headers).status_code == 204
    changed, _ = walk(client, resume)

    assert summary(changed) == [("updated", kept["id"]), ("deleted", removed["id"])]
    assert changed[0]["property"] == client.get(f"/api/v1/properties/{kept['id']}").json
    assert changed[0]["revision"] == 1
    assert changed[1]["property"] is None
    assert untouched["id"] not in {entry["property_id"] for entry in changed}


def test_room_writes_are_updates_of_their_property(client, user):
    created = create_property(client, user)
    _, resume = walk(client)
    rooms = f"/api/v1/properties/{created['id']}/rooms"
    room = client.post(rooms, json=room_form(name="Study", kind="office"), headers=user.headers).json
    assert client.patch(f"{rooms}/{room['id']}", json={"area_m2": 8.0}, headers=user.headers).status_code == 200
    changed, resume = walk(client, resume)
    assert summary(changed) == [("updated", created["id"])]
    assert changed[0]["property"]["rooms"][-1]["area_m2"] == 8.0
    assert client.delete(f"{rooms}/{room['id']}", headers=user.headers).status_code == 204
    changed, _ = walk(client, resume)
    assert summary(changed) == [("updated", created["id"])]
    assert changed[0]["property"]["room_count"] == 2


def test_a_walk_with_writes_between_pages_misses_nothing_and_repeats_only_what_changed(client, user):
    ids = [create_property(client, user, name=f"Flat {n}")["id"] for n in range(6)]
    seen, url = read(client, f"{FEED}?page_size=2")
    # Between pages: an already seen listing changes, an unseen one is deleted, one is created.
    client.patch(f"/api/v1/properties/{ids[0]}", json={"name": "Changed"}, headers=user.headers)
    client.delete(f"/api/v1/properties/{ids[3]}", headers=user.headers)
    late = create_property(client, user, name="Late")["id"]
    rest, _ = walk(client, url)
    seen += rest

    assert summary(seen) == [
        ("created", ids[0]),
        ("created", ids[1]),
        ("created", ids[2]),
        ("created", ids[4]),
        ("created", ids[5]),
        ("updated", ids[0]),
        ("deleted", ids[3]),
        ("created", late),
    ]
    assert seen[5]["property"]["name"] == "Changed"


def test_deleting_an_account_deletes_its_listings_in_the_feed(client, user):
    other = signed_in_user(client, email="other@example.com")
    mine, theirs = create_property(client, user), create_property(client, other)
    _, resume = walk(client)
    assert client.delete("/api/v1/users/me", headers=user.headers).status_code == 204
    changed, _ = walk(client, resume)
    assert summary(changed) == [("deleted", mine["id"])]
    assert theirs["id"] not in {entry["property_id"] for entry in changed}


def test_a_deletion_stays_in_the_feed_30_days_then_expires(client, user, days_later):
    removed = create_property(client, user)
    client.delete(f"/api/v1/properties/{removed['id']}", headers=user.headers)
    days_later(29)
    assert summary(walk(client)[0]) == [("deleted", removed["id"])]
    days_later(31)
    assert walk(client)[0] == []


def test_the_latest_entry_of_a_listing_never_expires(client, user, days_later):
    kept = create_property(client, user)
    client.patch(f"/api/v1/properties/{kept['id']}", json={"name": "Renamed"}, headers=user.headers)
    days_later(3650)
    assert summary(walk(client)[0]) == [("updated", kept["id"])]


def test_every_page_the_empty_last_one_too_links_to_the_first(client, user):
    ids = [create_property(client, user, name=f"Flat {n}")["id"] for n in range(3)]
    response = client.get(f"{FEED}?page_size=2")
    while response.json:
        assert link(response, "first") == f"{FEED}?page_size=2"
        response = client.get(link(response))
    assert link(response, "first") == f"{FEED}?page_size=2"
    assert [entry["property_id"] for entry in client.get(link(response, "first")).json] == ids[:2]


@pytest.mark.parametrize("query", ["page=2", "page=1&page_size=5", "sort=created_at", "city=Lyon"])
def test_the_feed_refuses_a_page_number_and_any_parameter_it_ignores(client, query):
    body = assert_error(client.get(f"{FEED}?{query}"), 422)
    assert set(body["errors"]) == {query.split("=")[0]}


@pytest.mark.parametrize(
    "cursor",
    ["nope", "WzFd" * 200, "eyJhIjoxfQ", "WyJ4Il0", "Wy0xXQ", "WzEsMl0", "W3RydWVd", encode_cursor([2**63])],
)
def test_a_bad_cursor_is_422_naming_the_cursor(client, cursor):
    body = assert_error(client.get(f"{FEED}?cursor={cursor}"), 422)
    assert "cursor" in str(body["errors"])


def test_a_cursor_ahead_of_the_feed_is_422_rather_than_an_empty_page_that_says_up_to_date(client, user):
    """A cursor of another database, or of this one before a restore: new changes would land below it, unseen."""
    create_property(client, user)
    _, resume = walk(client)
    assert read(client, resume)[0] == []  # at the end: up to date
    body = assert_error(client.get(f"{FEED}?cursor={encode_cursor([50])}"), 422)
    assert "first" in body["errors"]["cursor"][0]


@pytest.mark.parametrize("page_size", ["0", "101", "x"])
def test_a_bad_page_size_is_422(client, page_size):
    body = assert_error(client.get(f"{FEED}?page_size={page_size}"), 422)
    assert "page_size" in str(body["errors"])


def test_a_page_is_one_query_on_the_log_and_one_in_on_the_listings_and_on_their_owners(client, user, database_commands):
    other = signed_in_user(client, email="other@example.com")
    for account in (user, other, user):
        create_property(client, account)
    with database_commands() as sent:
        response = client.get(f"{FEED}?page_size=3")
    assert len(response.json) == 3
    assert [(command.name, command.collection) for command in sent] == [
        ("find", "property_change_log"),
        ("find", "properties"),
        ("find", "users"),
    ]
    assert [len(command.filter["_id"]["$in"]) for command in sent[1:]] == [3, 2]
