"""Paging of every collection: Link headers, keyset cursors, X-Pagination, the page depth limit.

The listings, the rooms of a property, the property types and the cities (in ``sort=city``) page
by number or by an opaque cursor; each walk by cursor gives every item that lasts through it
exactly once, whatever is added or deleted between its pages.
"""

import itertools
import json
import re

import pytest
from bson import ObjectId

from arcane import paging
from tests.factories import assert_error, create_property, room_form

LISTINGS = "/api/v1/properties"
TYPES = "/api/v1/property-types"
CITIES = "/api/v1/cities"
LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')
# More pages than any walk here has: a walk that goes on is a cursor that gives its own page again.
MAX_PAGES = 50
ANY_ID = ObjectId("6750c3e2a1b2c3d4e5f60718")
BAD_CURSORS = ["garbage", "W10", "eyJhIjoxfQ", "x" * 512]


def links(response) -> dict:
    return {relation: url for url, relation in LINK.findall(response.headers.get("Link", ""))}


def with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


def walk(client, url: str, key: str, between) -> list:
    """Follow rel="next" from ``url``, calling ``between(seen)`` after each page; the keys seen, in order."""
    seen = []
    for _ in range(MAX_PAGES):
        if not url:
            return seen
        response = client.get(url)
        assert response.status_code == 200, response.json
        seen += [item[key] for item in response.json]
        between(seen)
        url = links(response).get("next")
    raise AssertionError(f"still a next page after {MAX_PAGES} pages: the cursor does not move on")


def deletions_due(doomed: list, seen: list) -> list:
    """What to delete between two pages: the next doomed item not seen yet (taken off ``doomed``)
    and, after the first page, the item its cursor points at."""
    due = [key for key in doomed if key not in seen][:1]
    doomed[:] = [key for key in doomed if key not in due]
    return due + seen[-1:] if len(seen) == 2 else due


def assert_every_lasting_item_once(seen: list, lasting: set, passing: set) -> None:
    """Items that lasted through the walk came once each; those added or deleted meanwhile at most once."""
    assert len(seen) == len(set(seen)), "an item came twice"
    assert lasting <= set(seen), "an item was missed"
    assert set(seen) <= lasting | passing


@pytest.fixture
def collections(client, user) -> dict:
    """The URL of every paged collection, each holding at least three items."""
    listings = [
        create_property(client, user, city=city, rooms=[room_form()] * 3) for city in ("Lyon", "Nîmes", "Brest")
    ]
    return {
        "properties": LISTINGS,
        "rooms": f"{LISTINGS}/{listings[0]['id']}/rooms",
        "property-types": TYPES,  # the eight a fresh database has
        "cities": f"{CITIES}?sort=city",
    }


COLLECTIONS = ["properties", "rooms", "property-types", "cities"]


@pytest.mark.parametrize("name", COLLECTIONS)
def test_a_full_first_page_links_to_the_next_and_first_and_counts_the_items(client, collections, name):
    url = collections[name]
    first = client.get(with_query(url, "page_size=2"))
    assert set(links(first)) == {"next", "first"}
    assert links(first)["first"] == with_query(url, "page_size=2")
    total = json.loads(first.headers["X-Pagination"])["total"]
    assert total >= 3
    following = client.get(links(first)["next"])
    assert following.status_code == 200
    assert "X-Pagination" not in following.headers, "a cursor page has no number"
    assert "first" in links(following)
    assert not {json.dumps(item) for item in first.json} & {json.dumps(item) for item in following.json}


@pytest.mark.parametrize("name", COLLECTIONS)
def test_the_only_page_has_no_link(client, collections, name):
    response = client.get(with_query(collections[name], "page_size=100"))
    assert response.status_code == 200
    assert "Link" not in response.headers


@pytest.mark.parametrize("name", COLLECTIONS)
def test_a_later_page_by_number_links_to_the_first_with_x_pagination(client, collections, name):
    response = client.get(with_query(collections[name], "page=2&page_size=1"))
    assert json.loads(response.headers["X-Pagination"])["page"] == 2
    assert "first" in links(response)


@pytest.mark.parametrize("cursor", BAD_CURSORS)
@pytest.mark.parametrize("name", COLLECTIONS)
def test_a_bad_cursor_is_422_naming_cursor(client, collections, name, cursor):
    response = client.get(with_query(collections[name], f"cursor={cursor}"))
    assert "cursor" in assert_error(response, 422)["errors"]


@pytest.mark.parametrize(
    ("url", "cursor"),
    [
        (LISTINGS, paging.make_cursor(paging.query_scope("properties", "-created_at", []), 2**64, ANY_ID)),
        (
            f"{LISTINGS}?sort=room_count",
            paging.make_cursor(paging.query_scope("properties", "room_count", []), 1e400, ANY_ID),
        ),
        (TYPES, paging.make_cursor(paging.query_scope("property-types"), "\ud800")),
        (f"{CITIES}?sort=city", paging.make_cursor(paging.query_scope("cities", "city", ""), "\udfff")),
    ],
)
def test_a_cursor_in_scope_carrying_what_mongodb_cannot_store_is_422_not_500(client, url, cursor):
    """A scope is no secret: a forged cursor may carry values that pymongo cannot encode."""
    assert "cursor" in assert_error(client.get(with_query(url, f"cursor={cursor}")), 422)["errors"]


@pytest.mark.parametrize("name", COLLECTIONS)
def test_a_cursor_refused_by_the_service_reads_as_any_invalid_parameter(client, collections, name):
    refused_by_schema = assert_error(client.get(with_query(collections[name], "page_size=0")), 422)
    refused_by_service = assert_error(client.get(with_query(collections[name], "cursor=W10")), 422)
    assert refused_by_service["message"] == refused_by_schema["message"]


@pytest.mark.parametrize(("source", "target"), list(itertools.permutations(COLLECTIONS, 2)))
def test_a_cursor_of_another_collection_is_422_naming_cursor(client, collections, source, target):
    cursor = links(client.get(with_query(collections[source], "page_size=1")))["next"].split("cursor=")[1]
    response = client.get(with_query(collections[target], f"page_size=1&cursor={cursor}"))
    assert "cursor" in assert_error(response, 422)["errors"]


@pytest.mark.parametrize("name", COLLECTIONS)
def test_a_cursor_with_a_page_number_is_422_naming_page(client, collections, name):
    """Two starts for one page: the service would have to ignore one of them silently."""
    cursor = links(client.get(with_query(collections[name], "page_size=1")))["next"].split("cursor=")[1]
    response = client.get(with_query(collections[name], f"page_size=1&page=2&cursor={cursor}"))
    assert list(assert_error(response, 422)["errors"]) == ["page"]


@pytest.mark.parametrize("name", COLLECTIONS)
def test_a_page_starting_at_item_10000_is_422_pointing_to_the_cursor_before_any_query(
    client, collections, database_commands, name
):
    with database_commands() as sent:
        response = client.get(with_query(collections[name], "page=101&page_size=100"))
    body = assert_error(response, 422)
    assert "cursor" in body["message"]
    assert "page" in body["errors"]
    assert sent == [], "the skip reached the database"


@pytest.mark.parametrize("name", COLLECTIONS)
def test_the_last_page_by_number_is_served(client, collections, name):
    response = client.get(with_query(collections[name], "page=100&page_size=100"))
    assert response.status_code == 200
    assert response.json == []


@pytest.mark.parametrize("query", ["order=id", "after=x", "cursor[$gt]=a", "page_size=0", "page_size=101"])
@pytest.mark.parametrize("name", COLLECTIONS)
def test_unknown_parameters_and_bad_page_sizes_are_still_422(client, collections, name, query):
    response = client.get(with_query(collections[name], query))
    assert query.split("=")[0] in assert_error(response, 422)["errors"]


# The rooms of a property


def test_the_rooms_come_all_in_one_page_by_default(client, user):
    full = create_property(client, user, rooms=[room_form(name=f"Room {number}") for number in range(100)])
    response = client.get(f"{LISTINGS}/{full['id']}/rooms")
    assert response.json == full["rooms"]
    assert json.loads(response.headers["X-Pagination"])["total"] == 100
    assert "Link" not in response.headers


def test_a_walk_of_the_rooms_with_writes_between_pages_gives_every_lasting_room_once(client, user):
    listing = create_property(client, user, rooms=[room_form(name=f"Room {number}") for number in range(9)])
    url = f"{LISTINGS}/{listing['id']}/rooms"
    created = [room["id"] for room in listing["rooms"]]
    doomed = [created[1], created[6]]
    deleted, added = set(doomed), set()

    def between(seen):
        # Between pages: a room added and one not seen yet removed; after the first page, the
        # room the cursor points at removed too.
        added.add(client.post(url, json=room_form(), headers=user.headers).json["id"])
        for room in deletions_due(doomed, seen):
            client.delete(f"{url}/{room}", headers=user.headers)
            deleted.add(room)

    seen = walk(client, f"{url}?page_size=2", "id", between)
    assert_every_lasting_item_once(seen, set(created) - deleted, added | deleted)
    assert seen[:2] == created[:2], "the rooms come in the order they were added"


def test_a_rooms_cursor_of_another_property_is_refused(client, user):
    first, second = (create_property(client, user, rooms=[room_form()] * 3) for _ in range(2))
    cursor = links(client.get(f"{LISTINGS}/{first['id']}/rooms?page_size=1"))["next"].split("cursor=")[1]
    response = client.get(f"{LISTINGS}/{second['id']}/rooms?page_size=1&cursor={cursor}")
    assert "cursor" in assert_error(response, 422)["errors"]


# The property types


def test_a_walk_of_the_types_with_writes_between_pages_gives_every_lasting_type_once(client, admin):
    defaults = [item["slug"] for item in client.get(TYPES).json]
    doomed = ["house", "parking"]
    deleted, added = set(doomed), set()

    def between(seen):
        # Between pages: a type added on either side of the cursor and one not seen yet deleted;
        # after the first page, the type the cursor points at deleted too.
        for slug in (f"a-new-{len(seen)}", f"z-new-{len(seen)}"):
            client.post(TYPES, json={"slug": slug, "label": slug}, headers=admin.headers)
            added.add(slug)
        for slug in deletions_due(doomed, seen):
            client.delete(f"{TYPES}/{slug}", headers=admin.headers)
            deleted.add(slug)

    seen = walk(client, f"{TYPES}?page_size=2", "slug", between)
    assert_every_lasting_item_once(seen, set(defaults) - deleted, added | deleted)
    assert seen == sorted(seen), "the types come by slug"


# The cities


def listings_in(client, user, *cities: str) -> dict:
    """One listing in each city, by city key."""
    created = {}
    for city in cities:
        listing = create_property(client, user, city=city, rooms=[])
        created.setdefault(client.get(f"{CITIES}?prefix={city}&sort=city").json[0]["key"], []).append(listing["id"])
    return created


def test_a_walk_of_the_cities_by_key_with_writes_between_pages_gives_every_lasting_city_once(client, user):
    cities = ["Lyon", "Nîmes", "Brest", "Paris", "Saint-Étienne", "Grenoble", "Nantes", "Tours", "Dijon"]
    listed = listings_in(client, user, *cities)
    doomed = ["paris", "brest"]
    deleted, added = set(doomed), set()

    def between(seen):
        # Between pages: a city added on either side of the cursor, a listing added to a city
        # already seen (its count moves), a city not seen yet removed; after the first page, the
        # city the cursor points at removed too.
        for city in (f"Aaa {len(seen)}", f"Zzz {len(seen)}"):
            added.update(listings_in(client, user, city))
        create_property(client, user, city=cities[0], rooms=[])
        for key in deletions_due(doomed, seen):
            for listing in listed[key]:
                client.delete(f"{LISTINGS}/{listing}", headers=user.headers)
            deleted.add(key)

    seen = walk(client, f"{CITIES}?sort=city&page_size=2", "key", between)
    assert_every_lasting_item_once(seen, set(listed) - deleted, added | deleted)
    assert seen == sorted(seen), "the cities come by key"


def test_a_walk_of_the_cities_by_key_keeps_its_prefix(client, user):
    listings_in(client, user, "Saint-Étienne", "Saint-Malo", "Saintes", "Sainte-Maxime", "Lyon", "Sarlat")
    seen = walk(client, f"{CITIES}?sort=city&prefix=sain&page_size=1", "key", lambda seen: None)
    assert seen == ["saint etienne", "saint malo", "sainte maxime", "saintes"]


@pytest.mark.parametrize("change", ["sort=city&prefix=sai", "sort=city&prefix=l", "sort=city", "prefix=sain"])
def test_a_cities_cursor_with_another_prefix_or_sort_is_refused(client, user, change):
    listings_in(client, user, "Saint-Étienne", "Saint-Malo", "Saintes")
    cursor = links(client.get(f"{CITIES}?sort=city&prefix=sain&page_size=1"))["next"].split("cursor=")[1]
    response = client.get(f"{CITIES}?page_size=1&cursor={cursor}&{change}")
    assert "cursor" in assert_error(response, 422)["errors"]


@pytest.mark.parametrize("sort", ["", "sort=-count&"])
def test_a_cursor_with_the_count_order_is_422_pointing_to_sort_city(client, user, sort):
    listings_in(client, user, "Lyon", "Brest")
    cursor = links(client.get(f"{CITIES}?sort=city&page_size=1"))["next"].split("cursor=")[1]
    body = assert_error(client.get(f"{CITIES}?{sort}cursor={cursor}"), 422)
    assert "sort=city" in body["message"]
    assert "sort=city" in body["errors"]["cursor"][0]


def test_the_count_order_links_to_the_next_page_number(client, user):
    listings_in(client, user, "Lyon", "Lyon", "Lyon", "Brest", "Brest", "Nîmes")
    first = client.get(f"{CITIES}?page_size=2")
    assert [city["key"] for city in first.json] == ["lyon", "brest"]
    assert links(first) == {"next": f"{CITIES}?page_size=2&page=2", "first": f"{CITIES}?page_size=2"}
    second = client.get(links(first)["next"])
    assert [city["key"] for city in second.json] == ["nimes"]
    assert json.loads(second.headers["X-Pagination"]) == {
        "total": 3,
        "total_pages": 2,
        "first_page": 1,
        "last_page": 2,
        "page": 2,
        "previous_page": 1,
    }
    assert links(second) == {"first": f"{CITIES}?page_size=2"}


def test_the_count_order_links_no_further_than_the_deepest_page_by_number(client, user, monkeypatch):
    monkeypatch.setattr(paging, "MAX_OFFSET", 4)
    listings_in(client, user, "Lyon", "Brest", "Nîmes", "Paris", "Dijon")
    deepest = client.get(f"{CITIES}?page=2&page_size=2")
    assert set(links(deepest)) == {"first"}
    assert_error(client.get(f"{CITIES}?page=3&page_size=2"), 422)


def test_the_count_order_refuses_a_page_starting_at_item_10000_pointing_to_sort_city_before_any_query(
    client, database_commands
):
    with database_commands() as sent:
        body = assert_error(client.get(f"{CITIES}?page=101&page_size=100"), 422)
    # Its own cursor is 422: the way further is the order by key.
    assert "sort=city" in body["message"]
    assert "sort=city" in body["errors"]["page"][0]
    assert sent == []


# The listings


def test_a_cursor_page_of_listings_continues_in_the_order(client, user):
    for number in range(3):
        create_property(client, user, name=f"Listing {number}")
    response = client.get(f"{LISTINGS}?page_size=2&sort=created_at")
    assert links(response)["first"] == f"{LISTINGS}?page_size=2&sort=created_at"
    following = client.get(links(response)["next"])
    assert [item["name"] for item in following.json] == ["Listing 2"]
    assert set(links(following)) == {"first"}


@pytest.mark.parametrize("sort", ["-created_at", "created_at", "total_area_m2", "-total_area_m2", "room_count"])
def test_a_walk_with_writes_between_pages_gives_every_lasting_item_once(client, user, sort):
    """Items inserted or deleted during the walk may or may not appear; every other one appears once."""
    created = [
        create_property(client, user, name=f"Listing {number}", rooms=[room_form(area_m2=float(number % 3 + 1))])
        for number in range(9)
    ]
    doomed = [created[1]["id"], created[6]["id"]]
    inserted = set()

    def between(seen):
        # Between pages: one new listing and, twice, a deletion.
        inserted.add(create_property(client, user, rooms=[room_form(area_m2=2.0)])["id"])
        unseen = [victim for victim in doomed if victim not in seen]
        if unseen:
            client.delete(f"{LISTINGS}/{unseen[0]}", headers=user.headers)
            doomed.remove(unseen[0])

    seen = walk(client, f"{LISTINGS}?page_size=2&sort={sort}", "id", between)
    deleted = {created[1]["id"], created[6]["id"]}
    assert_every_lasting_item_once(seen, {listing["id"] for listing in created} - deleted, inserted | deleted)


def test_a_cursor_keeps_the_filters_in_its_links(client, user):
    for number in range(3):
        create_property(client, user, name=f"Bright {number}")
    create_property(client, user, name="Dark")
    first = client.get(f"{LISTINGS}?q=bright&page_size=2")
    following = client.get(links(first)["next"])
    assert [item["name"] for item in following.json] == ["Bright 0"]


@pytest.mark.parametrize("change", ["sort=room_count", "q=bright", "city=Lyon", "sort=created_at"])
def test_a_cursor_with_another_sort_or_filters_is_refused(client, user, change):
    for _ in range(3):
        create_property(client, user)
    cursor = links(client.get(f"{LISTINGS}?page_size=1"))["next"].split("cursor=")[1]
    response = client.get(f"{LISTINGS}?page_size=1&cursor={cursor}&{change}")
    assert "cursor" in assert_error(response, 422)["errors"]
