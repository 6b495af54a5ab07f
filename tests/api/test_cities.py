import json

import pytest

from tests.factories import assert_error, create_property


def test_no_listing_no_city(client):
    response = client.get("/api/v1/cities")
    assert response.status_code == 200
    assert response.json == []


def test_cities_with_their_most_common_spelling_most_listings_first(client, user):
    for city in ("Saint-Étienne", "Saint-Étienne", "saint etienne", "Lyon", "Nîmes", "Nîmes"):
        create_property(client, user, city=city, rooms=[])
    response = client.get("/api/v1/cities")
    assert response.json == [
        {"name": "Saint-Étienne", "key": "saint etienne", "count": 3},
        {"name": "Nîmes", "key": "nimes", "count": 2},
        {"name": "Lyon", "key": "lyon", "count": 1},
    ]


def test_cities_are_paginated(client, user):
    for city in ("Lyon", "Lyon", "Paris", "Brest"):
        create_property(client, user, city=city, rooms=[])
    response = client.get("/api/v1/cities?page_size=2&page=2")
    assert response.json == [{"name": "Paris", "key": "paris", "count": 1}]
    assert json.loads(response.headers["X-Pagination"])["total"] == 3


def test_city_key_finds_the_listings(client, user):
    create_property(client, user, city="Évry-Courcouronnes", rooms=[])
    key = client.get("/api/v1/cities").json[0]["key"]
    assert len(client.get("/api/v1/properties", query_string={"city": key}).json) == 1


@pytest.mark.parametrize("query", ["city=Lyon", "city[$ne]=x", "order=-count", "sort=name", "sort=-city"])
def test_cities_refuse_unknown_query_parameters_and_sorts(client, query):
    body = assert_error(client.get(f"/api/v1/cities?{query}"), 422)
    assert query.split("=")[0] in body["errors"]


@pytest.mark.parametrize("prefix", ["sai", "SAI", "Saint-É", "saint e", "saint-etienne"])
def test_prefix_completes_a_city_in_any_spelling(client, user, prefix):
    for city in ("Saint-Étienne", "saint etienne", "Saint-Malo", "Lyon", "Saintes"):
        create_property(client, user, city=city, rooms=[])
    keys = [city["key"] for city in client.get("/api/v1/cities", query_string={"prefix": prefix}).json]
    expected = {"sai": 3, "SAI": 3, "Saint-É": 1, "saint e": 1, "saint-etienne": 1}[prefix]
    assert keys[0] == "saint etienne"
    assert len(keys) == expected
    assert "lyon" not in keys


def test_prefix_lists_most_listings_first_and_counts_only_the_matches(client, user):
    for city in ("Saintes", "Saint-Malo", "Saint-Malo", "Paris", "Paris", "Paris"):
        create_property(client, user, city=city, rooms=[])
    response = client.get("/api/v1/cities?prefix=sain")
    assert [city["name"] for city in response.json] == ["Saint-Malo", "Saintes"]
    assert json.loads(response.headers["X-Pagination"])["total"] == 2


def test_a_prefix_that_matches_nothing_gives_an_empty_list(client, user):
    create_property(client, user, city="Lyon", rooms=[])
    assert client.get("/api/v1/cities?prefix=zz").json == []


def test_prefix_bounds_keys_with_characters_beyond_the_basic_plane(client, user):
    create_property(client, user, city="Sai\U00020000ville", rooms=[])
    create_property(client, user, city="Saj", rooms=[])
    assert [city["name"] for city in client.get("/api/v1/cities?prefix=sai").json] == ["Sai\U00020000ville"]
