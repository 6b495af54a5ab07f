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


@pytest.mark.parametrize("query", ["city=Lyon", "city[$ne]=x", "sort=-count"])
def test_cities_refuse_unknown_query_parameters(client, query):
    body = assert_error(client.get(f"/api/v1/cities?{query}"), 422)
    assert query.split("=")[0] in body["errors"]
