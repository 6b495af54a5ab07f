"""An empty PATCH changes nothing: 200 with the resource as it was, no revision, ETag or updated_at bumped."""

import pytest

from tests.factories import assert_error, create_property, database_snapshot


@pytest.fixture
def listing(client, user):
    return create_property(client, user)


def property_url(listing) -> str:
    return f"/api/v1/properties/{listing['id']}"


def room_url(listing) -> str:
    return f"{property_url(listing)}/rooms/{listing['rooms'][0]['id']}"


def test_an_empty_patch_of_a_property_changes_nothing(app, client, user, listing):
    before = client.get(property_url(listing))
    with app.app_context():
        stored = database_snapshot()
    response = client.patch(property_url(listing), json={}, headers=user.headers)
    assert response.status_code == 200
    assert response.json == before.json
    assert response.headers["ETag"] == before.headers["ETag"]
    with app.app_context():
        assert database_snapshot() == stored


def test_an_empty_patch_of_a_room_changes_nothing(app, client, user, listing):
    before = client.get(property_url(listing))
    with app.app_context():
        stored = database_snapshot()
    response = client.patch(room_url(listing), json={}, headers=user.headers)
    assert response.status_code == 200
    assert response.json == listing["rooms"][0]
    assert response.headers["ETag"] == before.headers["ETag"]
    with app.app_context():
        assert database_snapshot() == stored


def test_an_empty_patch_still_checks_if_match(client, user, listing):
    stale = client.get(property_url(listing)).headers["ETag"]
    client.patch(property_url(listing), json={"name": "Renamed"}, headers=user.headers)
    assert_error(client.patch(property_url(listing), json={}, headers={**user.headers, "If-Match": stale}), 412)
    assert_error(client.patch(room_url(listing), json={}, headers={**user.headers, "If-Match": stale}), 412)


def test_an_empty_patch_of_an_unknown_room_is_404(client, user, listing):
    url = f"{property_url(listing)}/rooms/6750c3e2a1b2c3d4e5f60718"
    assert_error(client.patch(url, json={}, headers=user.headers), 404)


@pytest.mark.parametrize("url", [property_url, room_url])
def test_an_empty_patch_by_another_user_is_403(client, other_user, listing, url):
    assert_error(client.patch(url(listing), json={}, headers=other_user.headers), 403)
