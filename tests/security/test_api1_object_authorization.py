"""OWASP API1:2023 Broken Object Level Authorization.

Only a property's owner changes it or its rooms; an admin may only delete it (moderation). Only an
administrator changes property types. An account is changed through /users/me only: no write route
takes another user's id. Every write route is tried by the owner, another user, an admin and an
anonymous client, and a refused write leaves the database exactly as it was.
"""

import pytest

from tests.factories import assert_error, create_property, database_snapshot, room_form

UNKNOWN_ID = "6750c3e2a1b2c3d4e5f60718"
ACTORS = ("owner", "other", "admin", "anonymous")
WRITES = {
    "update property": ("patch", "/api/v1/properties/{property}", {"name": "Taken over"}),
    "delete property": ("delete", "/api/v1/properties/{property}", None),
    "add room": ("post", "/api/v1/properties/{property}/rooms", room_form()),
    "update room": ("patch", "/api/v1/properties/{property}/rooms/{room}", {"name": "Taken over"}),
    "delete room": ("delete", "/api/v1/properties/{property}/rooms/{room}", None),
    "add type": ("post", "/api/v1/property-types", {"slug": "castle", "label": "Castle"}),
    "update type": ("patch", "/api/v1/property-types/studio", {"label": "Taken over"}),
    "delete type": ("delete", "/api/v1/property-types/studio", None),
}
EXPECTED = {
    #                  owner  other  admin  anonymous
    "update property": (200, 403, 403, 401),
    "delete property": (204, 403, 204, 401),
    "add room": (201, 403, 403, 401),
    "update room": (200, 403, 403, 401),
    "delete room": (204, 403, 403, 401),
    "add type": (403, 403, 201, 401),
    "update type": (403, 403, 200, 401),
    "delete type": (403, 403, 204, 401),
}
CASES = [(write, actor, EXPECTED[write][index]) for write in WRITES for index, actor in enumerate(ACTORS)]
ACCOUNT_WRITES = [
    ("patch", "/api/v1/users/me", {"first_name": "Mallory"}, 200),
    ("put", "/api/v1/users/me/password", {"current_password": "correct horse battery", "new_password": "x" * 12}, 204),
    ("delete", "/api/v1/users/me", None, 204),
]


@pytest.fixture
def actors(user, other_user, admin):
    return {"owner": user.headers, "other": other_user.headers, "admin": admin.headers, "anonymous": {}}


def send(client, method, url, body, headers):
    return getattr(client, method)(url, json=body, headers=headers)


@pytest.mark.parametrize(("write", "actor", "expected"), CASES, ids=[f"{w}-{a}" for w, a, _ in CASES])
def test_write_matrix(client, user, actors, write, actor, expected):
    listing = create_property(client, user)
    method, template, body = WRITES[write]
    url = template.format(property=listing["id"], room=listing["rooms"][0]["id"])
    before = database_snapshot()

    response = send(client, method, url, body, actors[actor])

    assert response.status_code == expected, response.get_data(as_text=True)
    if expected >= 400:
        assert_error(response, expected)
        assert database_snapshot() == before


@pytest.mark.parametrize("write", ["update room", "delete room"])
def test_ownership_is_checked_before_the_room_is_looked_up(client, user, other_user, write):
    listing = create_property(client, user)
    method, template, body = WRITES[write]
    url = template.format(property=listing["id"], room=UNKNOWN_ID)
    assert_error(send(client, method, url, body, other_user.headers), 403)


@pytest.mark.parametrize("write", [write for write in WRITES if "{property}" in WRITES[write][1]])
def test_writes_on_an_unknown_property_are_404(client, user, write):
    method, template, body = WRITES[write]
    url = template.format(property=UNKNOWN_ID, room=UNKNOWN_ID)
    assert_error(send(client, method, url, body, user.headers), 404)


@pytest.mark.parametrize("write", ["update room", "delete room"])
def test_a_room_of_another_property_is_not_reachable_through_ones_own(client, user, other_user, write):
    mine = create_property(client, user)
    theirs = create_property(client, other_user)
    method, template, body = WRITES[write]
    url = template.format(property=mine["id"], room=theirs["rooms"][0]["id"])
    before = database_snapshot()
    assert_error(send(client, method, url, body, user.headers), 404)
    assert database_snapshot() == before


@pytest.mark.parametrize(("method", "url", "body", "status"), ACCOUNT_WRITES, ids=["update", "password", "delete"])
def test_account_writes_change_only_the_caller(client, user, other_user, method, url, body, status):
    victim = client.get("/api/v1/users/me", headers=user.headers).json
    response = send(client, method, url, body, other_user.headers)
    assert response.status_code == status, response.get_data(as_text=True)
    assert client.get("/api/v1/users/me", headers=user.headers).json == victim


@pytest.mark.parametrize(("method", "url", "body", "_"), ACCOUNT_WRITES, ids=["update", "password", "delete"])
def test_account_writes_need_a_token(client, user, method, url, body, _):
    before = database_snapshot()
    assert_error(send(client, method, url, body, {}), 401)
    assert database_snapshot() == before


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
@pytest.mark.parametrize("suffix", ["", "/password"])
def test_no_route_writes_to_another_users_account(client, user, other_user, method, suffix):
    before = database_snapshot()
    response = send(client, method, f"/api/v1/users/{user.id}{suffix}", {"first_name": "Mallory"}, other_user.headers)
    assert response.status_code in (404, 405), response.get_data(as_text=True)
    assert database_snapshot() == before


def test_only_me_routes_write_to_accounts(app):
    """No URL of the app that names a user accepts a write: accounts are written through /users/me."""
    for rule in app.url_map.iter_rules():
        if "user_id" in rule.arguments:
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule.rule
