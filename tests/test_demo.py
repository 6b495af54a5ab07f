import datetime as dt
import json

import pytest

from arcane import demo
from arcane.models import Property
from scripts import seed as seed_script


def test_seed_is_idempotent(app, client):
    with app.app_context():
        first = demo.seed(properties=30)
    listing = client.get("/api/v1/properties?page_size=100").json
    with app.app_context():
        second = demo.seed(properties=30)
    assert first == second == {"users": 3, "administrators": 1, "properties": 30}
    assert client.get("/api/v1/properties?page_size=100").json == listing
    assert json.loads(client.get("/api/v1/properties").headers["X-Pagination"])["total"] == 30


def test_seed_reports_progress(app):
    calls = []
    with app.app_context():
        demo.seed(properties=12, batch_size=5, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(5, 12), (10, 12), (12, 12)]
    assert Property.objects.count() == 12


def test_demo_users_can_sign_in(app, client):
    with app.app_context():
        demo.seed(properties=1)
    for email, *_ in demo.DEMO_USERS:
        response = client.post("/api/v1/auth/token", json={"email": email, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 200


def test_the_demo_administrator_signs_in_and_reaches_the_administrator_routes(app, client):
    with app.app_context():
        demo.seed(properties=3)
    tokens = client.post("/api/v1/auth/token", json={"email": demo.DEMO_ADMIN_EMAIL, "password": demo.DEMO_PASSWORD})
    assert tokens.status_code == 200
    headers = {"Authorization": f"Bearer {tokens.json['access_token']}"}
    assert client.get("/api/v1/users/me", headers=headers).json["role"] == "admin"
    created = client.post("/api/v1/property-types", json={"slug": "houseboat", "label": "Houseboat"}, headers=headers)
    assert created.status_code == 201, created.json
    listing = client.get("/api/v1/properties").json[0]
    assert client.delete(f"/api/v1/properties/{listing['id']}", headers=headers).status_code == 204


def test_the_demo_administrator_owns_no_listing_and_can_be_left_out(app, client):
    with app.app_context():
        assert demo.seed(properties=12, administrator=False)["administrators"] == 0
    refused = client.post("/api/v1/auth/token", json={"email": demo.DEMO_ADMIN_EMAIL, "password": demo.DEMO_PASSWORD})
    assert refused.status_code == 401
    with app.app_context():
        demo.seed(properties=12)
    owners = {item["owner"]["first_name"] for item in client.get("/api/v1/properties?page_size=100").json}
    assert owners == {first_name for _, first_name, _, _ in demo.DEMO_USERS}


def demo_listings(app, client, properties=60) -> list[dict]:
    with app.app_context():
        demo.seed(properties=properties)
    return client.get(f"/api/v1/properties?page_size={properties}").json


# What a person expects of each kind of room, in square metres.
BELIEVABLE_AREAS = {
    "toilet": (1, 3), "bathroom": (3, 12), "bedroom": (9, 22), "kitchen": (6, 25), "living_room": (15, 80),
    "dining_room": (10, 30), "office": (8, 60), "laundry": (3, 6), "storage": (4, 12), "garage": (12, 30),
    "cellar": (6, 20), "balcony": (3, 9), "terrace": (10, 40),
}  # fmt: skip
TYPE_ROOMS = {
    "flat": {"living_room", "kitchen", "bathroom", "toilet", "bedroom", "balcony"},
    "studio": {"living_room", "bathroom"},
    "loft": {"living_room", "kitchen", "bathroom", "bedroom", "office"},
    "house": {"cellar", "living_room", "kitchen", "dining_room", "toilet", "garage", "bedroom", "bathroom", "office"},
    "villa": {"living_room", "kitchen", "dining_room", "toilet", "laundry", "terrace", "bedroom", "bathroom"},
    "commercial": {"office", "storage", "toilet"},
    "parking": {"garage"},
    "land": set(),
}


def test_demo_rooms_have_believable_areas_and_kinds_for_their_property(app, client):
    listings = demo_listings(app, client)
    assert {listing["type"] for listing in listings} == set(TYPE_ROOMS)
    for listing in listings:
        assert {room["kind"] for room in listing["rooms"]} == TYPE_ROOMS[listing["type"]], listing["name"]
        for room in listing["rooms"]:
            low, high = BELIEVABLE_AREAS[room["kind"]]
            assert low <= room["area_m2"] <= high, (listing["type"], room)


def test_demo_rooms_are_on_believable_floors(app, client):
    for listing in demo_listings(app, client):
        floors = {room["floor"] for room in listing["rooms"]}
        if listing["type"] in {"flat", "studio", "loft", "commercial", "parking"}:
            assert len(floors) == 1, listing  # one floor of a building
        if listing["type"] == "house":
            assert floors <= {-1, 0, 1, 2}, listing
        if listing["type"] == "villa":
            assert floors <= {0, 1}, listing
        for room in listing["rooms"]:
            assert (room["floor"] == -1) == (room["kind"] == "cellar") or listing["type"] == "parking", room
        assert all(-2 <= floor <= 7 for floor in floors), listing


def test_demo_listings_lie_in_the_past_and_span_accented_cities(app, client):
    with app.app_context():
        demo.seed(properties=60)
    listing = client.get("/api/v1/properties?page_size=100").json
    now = dt.datetime.now(dt.UTC).isoformat()
    assert all(item["created_at"] < now for item in listing)
    cities = {city["name"] for city in client.get("/api/v1/cities?page_size=100").json}
    assert {"Saint-Étienne", "Nîmes"} <= cities


def test_anything_created_after_the_seed_is_listed_first(app, client, user):
    with app.app_context():
        demo.seed(properties=10)
    created = client.post(
        "/api/v1/properties", json={"name": "New", "type": "flat", "city": "Lyon"}, headers=user.headers
    ).json
    assert client.get("/api/v1/properties").json[0]["id"] == created["id"]


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({}, "MONGODB_URI is not set"),
        ({"MONGODB_URI": "mongomock://localhost/x"}, "MONGODB_URI is not set"),
        (
            {
                "ARCANE_ENV": "production",
                "MONGODB_URI": "mongodb://db:27017/x",
                "JWT_SECRET_KEY": "k3Yq9vX2pL7mN4bR8tW1zC6fH0jD5sGa",
                "RATELIMIT_STORAGE_URI": "redis://redis:6379/0",
            },
            "refusing to add demo users to a production database",
        ),
    ],
)
def test_seed_script_refuses_what_it_cannot_seed(monkeypatch, capsys, environ, complaint):
    for name in ("ARCANE_ENV", "MONGODB_URI", "JWT_SECRET_KEY", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert seed_script.main([]) == 2
    assert complaint in capsys.readouterr().err
