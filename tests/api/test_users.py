import datetime as dt

import pytest

from tests.factories import assert_error, bearer, sign_in, sign_up, sign_up_form

PRIVATE_FIELDS = {"id", "email", "first_name", "last_name", "birth_date", "role", "created_at", "updated_at"}


# Sign-up


def test_sign_up_returns_the_private_view_and_its_location(client):
    response = client.post("/api/v1/users", json=sign_up_form())
    assert response.status_code == 201
    body = response.json
    assert set(body) == PRIVATE_FIELDS
    assert body["email"] == "camille@example.com"
    assert body["role"] == "user"
    assert response.headers["Location"] == f"/api/v1/users/{body['id']}"
    assert client.get(response.headers["Location"]).status_code == 200


def test_sign_up_never_returns_the_password(client):
    text = client.post("/api/v1/users", json=sign_up_form()).get_data(as_text=True)
    assert "password" not in text
    assert "correct horse battery" not in text
    assert "argon2" not in text


def test_sign_up_normalises_email_and_trims_names(client):
    body = sign_up(client, email="  Camille@Example.COM ", first_name="  Camille ")
    assert body["email"] == "camille@example.com"
    assert body["first_name"] == "Camille"


def test_email_is_unique_case_insensitively(client):
    sign_up(client, email="alice@example.com")
    assert_error(client.post("/api/v1/users", json=sign_up_form(email="Alice@Example.com")), 409)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", ""),
        ("password", "short"),
        ("password", "x" * 129),
        ("first_name", "   "),
        ("first_name", "x" * 101),
        ("last_name", ""),
        ("last_name", "Nul\x00Byte"),
        ("last_name", "\x1fMartin"),
        ("last_name", "Martin\u202egnp.exe"),
        ("last_name", "\u2066Martin\u2069"),
        ("first_name", "x" * 100 + "  "),
        ("first_name", "\u3000"),
        ("birth_date", "1899-12-31"),
        ("birth_date", (dt.date.today() + dt.timedelta(days=1)).isoformat()),
        ("birth_date", "17/05/1990"),
        ("birth_date", "1990-02-30"),
        ("birth_date", None),
        ("email", 42),
    ],
)
def test_sign_up_rejects_invalid_fields_by_name(client, field, value):
    body = assert_error(client.post("/api/v1/users", json=sign_up_form(**{field: value})), 422)
    assert field in body["errors"]


@pytest.mark.parametrize("field", ["id", "role", "token_version", "password_hash", "created_at"])
def test_sign_up_rejects_fields_it_does_not_own(client, field):
    body = assert_error(client.post("/api/v1/users", json=sign_up_form(**{field: "admin"})), 422)
    assert field in body["errors"]


def test_sign_up_requires_every_field(client):
    body = assert_error(client.post("/api/v1/users", json={}), 422)
    assert set(body["errors"]) == {"email", "password", "first_name", "last_name", "birth_date"}


def test_sign_up_rejects_a_body_that_is_not_an_object(client):
    assert_error(client.post("/api/v1/users", json=["camille@example.com"]), 422)


# Public profile


def test_public_profile_shows_names_only(client, user):
    response = client.get(f"/api/v1/users/{user.id}")
    assert response.status_code == 200
    assert response.json == {"id": user.id, "first_name": "Camille", "last_name": "Martin"}


def test_public_profile_of_unknown_user_is_404(client):
    assert_error(client.get("/api/v1/users/6750c3e2a1b2c3d4e5f60718"), 404)


# Own account


def test_me_returns_the_private_view(client, user):
    response = client.get("/api/v1/users/me", headers=user.headers)
    assert response.status_code == 200
    assert set(response.json) == PRIVATE_FIELDS
    assert response.json["birth_date"] == "1990-05-17"


def test_me_needs_a_token(client):
    assert_error(client.get("/api/v1/users/me"), 401)


def test_patch_me_changes_personal_details(client, user):
    changes = {"first_name": "Camilla", "last_name": "Durand", "birth_date": "1991-01-02"}
    response = client.patch("/api/v1/users/me", json=changes, headers=user.headers)
    assert response.status_code == 200
    assert {key: response.json[key] for key in changes} == changes
    assert response.json["updated_at"] >= response.json["created_at"]
    assert client.get("/api/v1/users/me", headers=user.headers).json["last_name"] == "Durand"


def test_patch_me_changes_only_what_is_sent(client, user):
    response = client.patch("/api/v1/users/me", json={"last_name": "Durand"}, headers=user.headers)
    assert response.json["first_name"] == "Camille"
    assert response.json["last_name"] == "Durand"


@pytest.mark.parametrize(
    "field_and_value",
    [
        {"email": "mallory@example.com"},
        {"role": "admin"},
        {"id": "6750c3e2a1b2c3d4e5f60718"},
        {"password": "new password!"},
        {"token_version": 7},
        {"created_at": "2020-01-01T00:00:00Z"},
    ],
)
def test_patch_me_refuses_mass_assignment(client, user, field_and_value):
    body = assert_error(client.patch("/api/v1/users/me", json=field_and_value, headers=user.headers), 422)
    assert set(field_and_value) <= set(body["errors"])
    me = client.get("/api/v1/users/me", headers=user.headers).json
    assert me["email"] == user.email
    assert me["role"] == "user"


@pytest.mark.parametrize("changes", [{"birth_date": "2999-01-01"}, {"first_name": ""}, {"last_name": None}])
def test_patch_me_validates_values(client, user, changes):
    assert_error(client.patch("/api/v1/users/me", json=changes, headers=user.headers), 422)


def test_patch_me_needs_a_token(client):
    assert_error(client.patch("/api/v1/users/me", json={"first_name": "Eve"}), 401)


# Password


def test_password_change_revokes_every_earlier_token(client, user):
    response = client.put(
        "/api/v1/users/me/password",
        json={"current_password": user.password, "new_password": "a brand new password"},
        headers=user.headers,
    )
    assert response.status_code == 204
    # Issued in the same second as the change: still refused (token version, not timestamps).
    assert_error(client.get("/api/v1/users/me", headers=user.headers), 401)
    assert_error(client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)), 401)
    fresh = sign_in(client, user.email, "a brand new password")
    assert client.get("/api/v1/users/me", headers=bearer(fresh["access_token"])).status_code == 200


def test_password_change_retires_the_old_password(client, user):
    client.put(
        "/api/v1/users/me/password",
        json={"current_password": user.password, "new_password": "a brand new password"},
        headers=user.headers,
    )
    assert_error(client.post("/api/v1/auth/token", json={"email": user.email, "password": user.password}), 401)


def test_password_change_with_wrong_current_password_is_422(client, user):
    response = client.put(
        "/api/v1/users/me/password",
        json={"current_password": "not my password", "new_password": "a brand new password"},
        headers=user.headers,
    )
    body = assert_error(response, 422)
    assert "current_password" in body["errors"]
    assert client.get("/api/v1/users/me", headers=user.headers).status_code == 200


def test_password_change_validates_the_new_password(client, user):
    response = client.put(
        "/api/v1/users/me/password",
        json={"current_password": user.password, "new_password": "short"},
        headers=user.headers,
    )
    assert "new_password" in assert_error(response, 422)["errors"]


def test_password_change_needs_a_token(client):
    response = client.put("/api/v1/users/me/password", json={"current_password": "x", "new_password": "y" * 8})
    assert_error(response, 401)


# Deletion


def test_delete_me_removes_the_account_and_its_tokens(client, user):
    assert client.delete("/api/v1/users/me", headers=user.headers).status_code == 204
    assert_error(client.get("/api/v1/users/me", headers=user.headers), 401)
    assert_error(client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)), 401)
    assert_error(client.get(f"/api/v1/users/{user.id}"), 404)
    assert_error(client.post("/api/v1/auth/token", json={"email": user.email, "password": user.password}), 401)


def test_delete_me_frees_the_email(client, user):
    client.delete("/api/v1/users/me", headers=user.headers)
    assert sign_up(client, email=user.email)["email"] == user.email


def test_delete_me_needs_a_token(client):
    assert_error(client.delete("/api/v1/users/me"), 401)
