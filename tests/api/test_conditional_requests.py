"""ETags follow the representation; If-None-Match compares weakly, If-Match strongly (RFC 9110 §13.1)."""

import pytest

from tests.factories import assert_error, create_property, room_form


@pytest.fixture
def listing(client, user):
    return create_property(client, user)


def property_url(listing) -> str:
    return f"/api/v1/properties/{listing['id']}"


def current_etag(client, listing) -> str:
    return client.get(property_url(listing)).headers["ETag"]


def weak(etag: str) -> str:
    return f"W/{etag}"


def test_the_etag_changes_when_the_owner_renames_themselves(client, user, listing):
    before = current_etag(client, listing)
    client.patch("/api/v1/users/me", json={"first_name": "Camilla"}, headers=user.headers)
    response = client.get(property_url(listing), headers={"If-None-Match": before})
    assert response.status_code == 200
    assert response.json["owner"]["first_name"] == "Camilla"
    assert response.headers["ETag"] != before


def test_if_match_with_the_etag_before_the_owner_renamed_themselves_is_412(client, user, listing):
    before = current_etag(client, listing)
    client.patch("/api/v1/users/me", json={"first_name": "Camilla"}, headers=user.headers)
    response = client.patch(
        property_url(listing), json={"name": "Renamed"}, headers={**user.headers, "If-Match": before}
    )
    assert_error(response, 412)
    assert client.get(property_url(listing)).json["name"] == listing["name"]


def test_every_write_answers_with_the_etag_a_read_gives(client, user, listing):
    url = property_url(listing)
    created = client.post(
        "/api/v1/properties", json={"name": "N", "type": "flat", "city": "Lyon"}, headers=user.headers
    )
    assert created.headers["ETag"] == client.get(created.headers["Location"]).headers["ETag"]
    patched = client.patch(url, json={"name": "Renamed"}, headers=user.headers)
    assert patched.headers["ETag"] == current_etag(client, listing)
    added = client.post(f"{url}/rooms", json=room_form(), headers=user.headers)
    assert added.headers["ETag"] == current_etag(client, listing)
    changed = client.patch(f"{url}/rooms/{added.json['id']}", json={"name": "Study"}, headers=user.headers)
    assert changed.headers["ETag"] == current_etag(client, listing)


def test_if_none_match_with_the_weak_form_of_the_current_etag_is_304(client, listing):
    response = client.get(property_url(listing), headers={"If-None-Match": weak(current_etag(client, listing))})
    assert response.status_code == 304
    assert response.get_data() == b""


def test_a_304_carries_the_etag(client, listing):
    etag = current_etag(client, listing)
    response = client.get(property_url(listing), headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.headers["ETag"] == etag


def test_if_none_match_among_several_etags_is_304(client, listing):
    etags = f'"stale", {current_etag(client, listing)}'
    assert client.get(property_url(listing), headers={"If-None-Match": etags}).status_code == 304


def test_if_none_match_star_is_304_on_an_existing_property(client, listing):
    assert client.get(property_url(listing), headers={"If-None-Match": "*"}).status_code == 304


def test_if_match_with_the_weak_form_of_the_current_etag_is_412(client, user, listing):
    headers = {**user.headers, "If-Match": weak(current_etag(client, listing))}
    assert_error(client.patch(property_url(listing), json={"name": "Renamed"}, headers=headers), 412)
    assert client.get(property_url(listing)).json["name"] == listing["name"]


def test_if_match_star_writes(client, user, listing):
    headers = {**user.headers, "If-Match": "*"}
    assert client.patch(property_url(listing), json={"name": "Renamed"}, headers=headers).status_code == 200


def test_deleting_a_room_answers_with_the_propertys_new_etag(client, user, listing):
    before = current_etag(client, listing)
    response = client.delete(f"{property_url(listing)}/rooms/{listing['rooms'][0]['id']}", headers=user.headers)
    assert response.status_code == 204
    assert response.headers["ETag"] == current_etag(client, listing)
    assert response.headers["ETag"] != before


def test_deleting_a_room_with_a_stale_etag_is_412(client, user, listing):
    stale = current_etag(client, listing)
    client.patch(property_url(listing), json={"name": "Renamed"}, headers=user.headers)
    url = f"{property_url(listing)}/rooms/{listing['rooms'][0]['id']}"
    assert_error(client.delete(url, headers={**user.headers, "If-Match": stale}), 412)
    assert client.get(property_url(listing)).json["room_count"] == 2


def test_the_document_gives_room_deletion_an_etag_and_property_deletion_none(client):
    paths = client.get("/docs/openapi.json").json["paths"]
    room_deleted = paths["/api/v1/properties/{property_id}/rooms/{room_id}"]["delete"]["responses"]["204"]
    assert "ETag" in room_deleted["headers"]
    assert "headers" not in paths["/api/v1/properties/{property_id}"]["delete"]["responses"]["204"]
