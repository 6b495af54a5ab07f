"""Only a property's owner changes it or its rooms; an admin may only delete it (moderation).

Every write route is tried by the owner, another user, an admin and an anonymous client. A
refused write leaves the property exactly as it was.
"""

import pytest

from tests.factories import assert_error, create_property, room_form

UNKNOWN_ID = "6750c3e2a1b2c3d4e5f60718"
WRITES = {
    "update property": ("patch", "/api/v1/properties/{property}", {"name": "Taken over"}),
    "delete property": ("delete", "/api/v1/properties/{property}", None),
    "add room": ("post", "/api/v1/properties/{property}/rooms", room_form()),
    "update room": ("patch", "/api/v1/properties/{property}/rooms/{room}", {"name": "Taken over"}),
    "delete room": ("delete", "/api/v1/properties/{property}/rooms/{room}", None),
}
EXPECTED = {
    #                  owner  other  admin  anonymous
    "update property": (200, 403, 403, 401),
    "delete property": (204, 403, 204, 401),
    "add room": (201, 403, 403, 401),
    "update room": (200, 403, 403, 401),
    "delete room": (204, 403, 403, 401),
}
ACTORS = ("owner", "other", "admin", "anonymous")
CASES = [(write, actor, EXPECTED[write][index]) for write in WRITES for index, actor in enumerate(ACTORS)]


@pytest.fixture
def actors(user, other_user, admin):
    return {"owner": user.headers, "other": other_user.headers, "admin": admin.headers, "anonymous": {}}


@pytest.mark.parametrize(("write", "actor", "expected"), CASES, ids=[f"{w}-{a}" for w, a, _ in CASES])
def test_write_matrix(client, user, actors, write, actor, expected):
    listing = create_property(client, user)
    method, template, body = WRITES[write]
    url = template.format(property=listing["id"], room=listing["rooms"][0]["id"])
    before = client.get(f"/api/v1/properties/{listing['id']}").json

    response = getattr(client, method)(url, json=body, headers=actors[actor])

    assert response.status_code == expected, response.get_data(as_text=True)
    if expected >= 400:
        assert_error(response, expected)
        assert client.get(f"/api/v1/properties/{listing['id']}").json == before


@pytest.mark.parametrize("write", ["update room", "delete room"])
def test_ownership_is_checked_before_the_room_is_looked_up(client, user, other_user, write):
    listing = create_property(client, user)
    method, template, body = WRITES[write]
    url = template.format(property=listing["id"], room=UNKNOWN_ID)
    assert_error(getattr(client, method)(url, json=body, headers=other_user.headers), 403)


@pytest.mark.parametrize("write", list(WRITES))
def test_writes_on_an_unknown_property_are_404(client, user, write):
    method, template, body = WRITES[write]
    url = template.format(property=UNKNOWN_ID, room=UNKNOWN_ID)
    assert_error(getattr(client, method)(url, json=body, headers=user.headers), 404)
