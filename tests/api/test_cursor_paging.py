"""Cursor paging of the property listing: Link headers, keyset cursors, the page depth limit."""

import re

import pytest

from tests.factories import assert_error, create_property, room_form

LISTINGS = "/api/v1/properties"
LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def links(response) -> dict:
    return {relation: url for url, relation in LINK.findall(response.headers.get("Link", ""))}


def test_a_full_first_page_links_to_the_next_and_first(client, user):
    for number in range(3):
        create_property(client, user, name=f"Listing {number}")
    response = client.get(f"{LISTINGS}?page_size=2&sort=created_at")
    assert set(links(response)) == {"next", "first"}
    assert links(response)["first"] == f"{LISTINGS}?page_size=2&sort=created_at"
    following = client.get(links(response)["next"])
    assert [item["name"] for item in following.json] == ["Listing 2"]
    assert "X-Pagination" not in following.headers
    assert set(links(following)) == {"first"}


def test_the_only_page_has_no_link(client, user):
    create_property(client, user)
    assert "Link" not in client.get(LISTINGS).headers


@pytest.mark.parametrize("sort", ["-created_at", "created_at", "total_area_m2", "-total_area_m2", "room_count"])
def test_a_walk_with_writes_between_pages_gives_every_lasting_item_once(client, user, sort):
    """Items inserted or deleted during the walk may or may not appear; every other one appears once."""
    created = [
        create_property(client, user, name=f"Listing {number}", rooms=[room_form(area_m2=float(number % 3 + 1))])
        for number in range(9)
    ]
    doomed = {created[1]["id"], created[6]["id"]}
    seen, inserted = [], set()
    url = f"{LISTINGS}?page_size=2&sort={sort}"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json
        seen += [item["id"] for item in response.json]
        # Between pages: one new listing and, twice, a deletion.
        inserted.add(create_property(client, user, rooms=[room_form(area_m2=2.0)])["id"])
        if doomed - set(seen):
            victim = sorted(doomed - set(seen))[0]
            client.delete(f"{LISTINGS}/{victim}", headers=user.headers)
            doomed.discard(victim)
        url = links(response).get("next")
    lasting = {listing["id"] for listing in created} - {created[1]["id"], created[6]["id"]}
    assert len(seen) == len(set(seen)), "an item came twice"
    assert lasting <= set(seen), "an item was missed"
    assert set(seen) <= lasting | inserted | {created[1]["id"], created[6]["id"]}


def test_a_cursor_keeps_the_filters_in_its_links(client, user):
    for number in range(3):
        create_property(client, user, name=f"Bright {number}")
    create_property(client, user, name="Dark")
    first = client.get(f"{LISTINGS}?q=bright&page_size=2")
    following = client.get(links(first)["next"])
    assert [item["name"] for item in following.json] == ["Bright 0"]


@pytest.mark.parametrize("cursor", ["garbage", "W10", "eyJhIjoxfQ", "x" * 512])
def test_a_bad_cursor_is_422_naming_cursor(client, cursor):
    assert "cursor" in assert_error(client.get(f"{LISTINGS}?cursor={cursor}"), 422)["errors"]


@pytest.mark.parametrize("change", ["sort=room_count", "q=bright", "city=Lyon", "sort=created_at"])
def test_a_cursor_with_another_sort_or_filters_is_refused(client, user, change):
    for _ in range(3):
        create_property(client, user)
    cursor = links(client.get(f"{LISTINGS}?page_size=1"))["next"].split("cursor=")[1]
    response = client.get(f"{LISTINGS}?page_size=1&cursor={cursor}&{change}")
    assert "cursor" in assert_error(response, 422)["errors"]


def test_a_page_starting_beyond_10000_items_is_422_pointing_to_the_cursor(client, database_commands):
    with database_commands() as sent:
        response = client.get(f"{LISTINGS}?page=101&page_size=100")
    body = assert_error(response, 422)
    assert "cursor" in body["message"]
    assert "page" in body["errors"]
    assert sent == [], "the skip reached the database"


def test_the_last_page_by_number_is_served(client):
    assert client.get(f"{LISTINGS}?page=100&page_size=100").status_code == 200


def test_page_and_page_size_keep_their_x_pagination(client, user):
    for _ in range(3):
        create_property(client, user)
    response = client.get(f"{LISTINGS}?page=2&page_size=2")
    assert response.headers["X-Pagination"]
    assert "first" in links(response)
