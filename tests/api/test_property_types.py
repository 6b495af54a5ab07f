import pytest

from tests.factories import assert_error, create_property

DEFAULT_SLUGS = {"flat", "house", "studio", "loft", "villa", "land", "commercial", "parking"}
NEW_TYPE = {"slug": "houseboat", "label": "Houseboat", "description": "A home that floats."}


def test_a_fresh_database_has_the_default_types(client):
    response = client.get("/api/v1/property-types")
    assert response.status_code == 200
    assert {item["slug"] for item in response.json} == DEFAULT_SLUGS
    assert set(response.json[0]) == {"slug", "label", "description"}


def test_read_one_type(client):
    response = client.get("/api/v1/property-types/flat")
    assert response.status_code == 200
    assert response.json["label"] == "Flat"


def test_unknown_type_is_404(client):
    assert_error(client.get("/api/v1/property-types/castle"), 404)


def test_admin_adds_a_type(client, admin):
    response = client.post("/api/v1/property-types", json=NEW_TYPE, headers=admin.headers)
    assert response.status_code == 201
    assert response.json == NEW_TYPE
    assert response.headers["Location"] == "/api/v1/property-types/houseboat"
    assert client.get("/api/v1/property-types/houseboat").status_code == 200


def test_user_cannot_add_a_type(client, user):
    assert_error(client.post("/api/v1/property-types", json=NEW_TYPE, headers=user.headers), 403)
    assert_error(client.get("/api/v1/property-types/houseboat"), 404)


def test_anonymous_cannot_add_a_type(client):
    assert_error(client.post("/api/v1/property-types", json=NEW_TYPE), 401)


def test_duplicate_slug_is_409(client, admin):
    assert_error(client.post("/api/v1/property-types", json={**NEW_TYPE, "slug": "flat"}, headers=admin.headers), 409)


@pytest.mark.parametrize("slug", ["Flat", "two words", "-flat", "flat-", "x" * 41, "", "fl@t"])
def test_malformed_slug_is_422(client, admin, slug):
    body = assert_error(
        client.post("/api/v1/property-types", json={**NEW_TYPE, "slug": slug}, headers=admin.headers), 422
    )
    assert "slug" in body["errors"]


def test_admin_changes_a_label(client, admin):
    response = client.patch("/api/v1/property-types/flat", json={"label": "Apartment"}, headers=admin.headers)
    assert response.status_code == 200
    assert response.json["label"] == "Apartment"
    assert response.json["slug"] == "flat"


def test_slug_cannot_be_changed(client, admin):
    body = assert_error(
        client.patch("/api/v1/property-types/flat", json={"slug": "apartment"}, headers=admin.headers), 422
    )
    assert "slug" in body["errors"]


def test_user_cannot_change_a_type(client, user):
    assert_error(client.patch("/api/v1/property-types/flat", json={"label": "Mine"}, headers=user.headers), 403)
    assert client.get("/api/v1/property-types/flat").json["label"] == "Flat"


def test_changing_an_unknown_type_is_404(client, admin):
    assert_error(client.patch("/api/v1/property-types/castle", json={"label": "Castle"}, headers=admin.headers), 404)


def test_admin_deletes_an_unused_type(client, admin):
    assert client.delete("/api/v1/property-types/parking", headers=admin.headers).status_code == 204
    assert_error(client.get("/api/v1/property-types/parking"), 404)


def test_a_type_in_use_cannot_be_deleted(client, admin, user):
    create_property(client, user, type="loft")
    assert_error(client.delete("/api/v1/property-types/loft", headers=admin.headers), 409)
    assert client.get("/api/v1/property-types/loft").status_code == 200


def test_user_cannot_delete_a_type(client, user):
    assert_error(client.delete("/api/v1/property-types/parking", headers=user.headers), 403)


def test_anonymous_cannot_delete_a_type(client):
    assert_error(client.delete("/api/v1/property-types/parking"), 401)
