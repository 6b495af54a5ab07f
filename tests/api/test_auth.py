import datetime as dt

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token

from tests.factories import assert_error, bearer

TOKEN_FIELDS = {"access_token", "refresh_token", "token_type", "expires_in"}


def test_sign_in_returns_a_token_pair(client, user):
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": user.password})
    assert response.status_code == 200
    assert set(response.json) == TOKEN_FIELDS
    assert response.json["token_type"] == "Bearer"
    assert response.json["expires_in"] == 15 * 60


def test_sign_in_email_is_case_insensitive(client, user):
    response = client.post("/api/v1/auth/token", json={"email": user.email.upper(), "password": user.password})
    assert response.status_code == 200


def test_wrong_password_and_unknown_email_look_the_same(client, user):
    wrong_password = client.post("/api/v1/auth/token", json={"email": user.email, "password": "not the password"})
    unknown_email = client.post("/api/v1/auth/token", json={"email": "nobody@example.com", "password": "whatever1"})
    assert assert_error(wrong_password, 401) == assert_error(unknown_email, 401)


@pytest.mark.parametrize("credentials", [{}, {"email": "a@example.com"}, {"email": 1, "password": 2}])
def test_sign_in_validates_its_body(client, credentials):
    assert_error(client.post("/api/v1/auth/token", json=credentials), 422)


def test_refresh_gives_a_new_access_token(client, user):
    response = client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token))
    assert response.status_code == 200
    assert set(response.json) == {"access_token", "token_type", "expires_in"}
    assert client.get("/api/v1/users/me", headers=bearer(response.json["access_token"])).status_code == 200


def test_refresh_refuses_an_access_token(client, user):
    assert_error(client.post("/api/v1/auth/refresh", headers=user.headers), 401)


def test_refresh_token_is_refused_as_an_access_token(client, user):
    assert_error(client.get("/api/v1/users/me", headers=bearer(user.refresh_token)), 401)


def test_logout_revokes_the_access_token(client, user):
    assert client.post("/api/v1/auth/logout", headers=user.headers).status_code == 204
    body = assert_error(client.get("/api/v1/users/me", headers=user.headers), 401)
    assert "revoked" in body["message"]


def test_logout_revokes_the_refresh_token(client, user):
    assert client.post("/api/v1/auth/logout", headers=bearer(user.refresh_token)).status_code == 204
    assert_error(client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)), 401)
    assert client.get("/api/v1/users/me", headers=user.headers).status_code == 200


def test_logout_needs_a_token(client):
    assert_error(client.post("/api/v1/auth/logout"), 401)


def test_revoked_tokens_expire_from_the_database(app):
    from arcane.models import RevokedToken

    with app.app_context():
        indexes = RevokedToken._get_collection().index_information()
    ttl = [
        (list(index["key"]), index["expireAfterSeconds"]) for index in indexes.values() if "expireAfterSeconds" in index
    ]
    assert ttl == [([("expires_at", 1)], 0)]


def forge(app, user, **payload_changes):
    """A token for the user, altered the way an attacker would."""
    with app.app_context():
        token = create_access_token(identity=user.id, additional_claims={"ver": 0})
    payload = pyjwt.decode(token, options={"verify_signature": False})
    payload.update(payload_changes)
    return payload


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer garbage", "Basic dXNlcjpwYXNz", "Bearer a.b.c", "bearer"],
)
def test_garbage_authorization_is_401(client, header):
    assert_error(client.get("/api/v1/users/me", headers={"Authorization": header}), 401)


def test_expired_token_is_401(app, client, user):
    with app.app_context():
        token = create_access_token(
            identity=user.id, additional_claims={"ver": 0}, expires_delta=dt.timedelta(seconds=-1)
        )
    body = assert_error(client.get("/api/v1/users/me", headers=bearer(token)), 401)
    assert "expired" in body["message"]


def test_unsigned_token_is_401(app, client, user):
    token = pyjwt.encode(forge(app, user), key=None, algorithm="none")
    assert_error(client.get("/api/v1/users/me", headers=bearer(token)), 401)


def test_token_signed_with_another_key_is_401(app, client, user):
    token = pyjwt.encode(forge(app, user), key="another key that is long enough!!", algorithm="HS256")
    assert_error(client.get("/api/v1/users/me", headers=bearer(token)), 401)


def test_token_for_an_unknown_user_is_401(app, client, user):
    with app.app_context():
        token = create_access_token(identity="6750c3e2a1b2c3d4e5f60718", additional_claims={"ver": 0})
    assert_error(client.get("/api/v1/users/me", headers=bearer(token)), 401)
