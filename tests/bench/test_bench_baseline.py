"""The benchmark's baseline answers with the JSON fields the listings API specifies."""

import json

import mongomock
import pytest
from argon2 import PasswordHasher

from scripts import bench_baseline
from scripts.bench_data import PASSWORD, build_dataset, city_key, insert_dataset

PROPERTY_FIELDS = {
    "id",
    "name",
    "description",
    "type",
    "city",
    "rooms",
    "room_count",
    "total_area_m2",
    "owner",
    "created_at",
    "updated_at",
}
ROOM_FIELDS = {"id", "name", "kind", "area_m2", "floor", "features"}
OWNER_FIELDS = {"id", "first_name", "last_name"}
TOKEN_FIELDS = {"access_token", "refresh_token", "token_type", "expires_in"}


@pytest.fixture(scope="module")
def dataset():
    # Cheap hashing keeps the test fast; the baseline reads the cost from the hash either way.
    return build_dataset(properties=40, users=3, password_hasher=PasswordHasher(memory_cost=1024, time_cost=1).hash)


@pytest.fixture
def client(dataset):
    db = mongomock.MongoClient(tz_aware=True).get_database("bench")
    insert_dataset(db, dataset)
    return bench_baseline.create_app(db, jwt_secret="a test secret that is long enough for HS256").test_client()


def sign_in(client, email):
    response = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def assert_property(item):
    assert set(item) == PROPERTY_FIELDS
    assert set(item["owner"]) == OWNER_FIELDS
    assert item["rooms"]
    assert all(set(room) == ROOM_FIELDS for room in item["rooms"])
    assert item["room_count"] == len(item["rooms"])


def test_city_listing_is_one_page_newest_first_with_a_count(client, dataset):
    expected = [p for p in dataset["properties"] if p["city_key"] == city_key("Saint-Étienne")]

    response = client.get("/api/v1/properties?city=saint-etienne&page=1&page_size=5")

    assert response.status_code == 200
    items = response.json
    assert len(items) == 5
    for item in items:
        assert_property(item)
        assert item["city"] == "Saint-Étienne"
    assert [item["id"] for item in items] == sorted((str(p["_id"]) for p in expected), reverse=True)[:5]
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == len(expected)
    assert pagination["page"] == 1


def test_property_by_id(client, dataset):
    document = dataset["properties"][0]

    response = client.get(f"/api/v1/properties/{document['_id']}")

    assert response.status_code == 200
    assert_property(response.json)
    assert response.json["id"] == str(document["_id"])


def test_cities_are_counted_most_listings_first(client, dataset):
    response = client.get("/api/v1/cities?page=1&page_size=20")

    assert response.status_code == 200
    cities = response.json
    assert all(set(city) == {"name", "key", "count"} for city in cities)
    counts = [city["count"] for city in cities]
    assert counts == sorted(counts, reverse=True)
    assert sum(counts) == len(dataset["properties"])
    assert json.loads(response.headers["X-Pagination"])["total"] == len(cities)


def test_login_gives_a_token_pair(client, dataset):
    response = client.post("/api/v1/auth/token", json={"email": dataset["users"][0]["email"], "password": PASSWORD})

    assert response.status_code == 200
    assert set(response.json) == TOKEN_FIELDS
    assert response.json["token_type"] == "Bearer"


@pytest.mark.parametrize(("email", "password"), [("users[0]", "wrong password"), ("nobody@bench.example", PASSWORD)])
def test_login_with_bad_credentials_is_401(client, dataset, email, password):
    email = dataset["users"][0]["email"] if email == "users[0]" else email

    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})

    assert response.status_code == 401
    assert response.json["code"] == 401


def test_create_property_needs_a_token_and_answers_201(client, dataset):
    form = {"name": "Loft", "description": "Bright.", "type": "loft", "city": "Nîmes"}
    assert client.post("/api/v1/properties", json=form).status_code == 401

    response = client.post("/api/v1/properties", json=form, headers=sign_in(client, dataset["users"][0]["email"]))

    assert response.status_code == 201
    assert set(response.json) == PROPERTY_FIELDS
    assert response.json["room_count"] == 0
    assert client.get(response.headers["Location"]).status_code == 200


def test_only_the_owner_adds_a_room(client, dataset):
    owned, foreign = dataset["properties"][0], dataset["properties"][1]
    headers = sign_in(client, dataset["users"][0]["email"])
    room = {"name": "Study", "kind": "office", "area_m2": 9.5}

    response = client.post(f"/api/v1/properties/{owned['_id']}/rooms", json=room, headers=headers)

    assert response.status_code == 201
    assert set(response.json) == ROOM_FIELDS
    assert client.post(f"/api/v1/properties/{foreign['_id']}/rooms", json=room, headers=headers).status_code == 403


def test_the_dataset_is_the_same_for_the_same_seed():
    def fixed_hash(password):
        return "not a hash"

    first = build_dataset(properties=10, users=2, password_hasher=fixed_hash)
    second = build_dataset(properties=10, users=2, password_hasher=fixed_hash)

    assert first == second
    ids = [document["_id"] for document in first["properties"]]
    assert ids == sorted(ids)


@pytest.mark.parametrize("city", ["Saint-Étienne", "L'Haÿ-les-Roses", "Œuilly", "  SAINT_ETIENNE ", "Nîmes"])
def test_the_baselines_copy_of_city_key_matches_arcanes(city):
    from arcane.models.properties import city_key as arcanes_city_key
    from scripts.bench_data import city_key

    assert city_key(city) == arcanes_city_key(city)
