import jwt
import pytest

from tests.factories import assert_error, bearer, sign_in

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


@pytest.mark.parametrize("credentials", [{}, {"email": "a@example.com"}, {"email": 1, "password": 2}])
def test_sign_in_validates_its_body(client, credentials):
    assert_error(client.post("/api/v1/auth/token", json=credentials), 422)


def test_refresh_gives_a_new_access_token(client, user):
    response = client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token))
    assert response.status_code == 200
    assert set(response.json) == {"access_token", "token_type", "expires_in"}
    assert client.get("/api/v1/users/me", headers=bearer(response.json["access_token"])).status_code == 200


def test_logout_revokes_the_access_token(client, user):
    assert client.post("/api/v1/auth/logout", headers=user.headers).status_code == 204
    body = assert_error(client.get("/api/v1/users/me", headers=user.headers), 401)
    assert "revoked" in body["message"]


def test_logout_revokes_the_refresh_token(client, user):
    assert client.post("/api/v1/auth/logout", headers=bearer(user.refresh_token)).status_code == 204
    assert_error(client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)), 401)


def session_of(token: str) -> str:
    return jwt.decode(token, options={"verify_signature": False})["sid"]


def test_the_tokens_of_one_sign_in_share_a_session(client, user):
    assert session_of(user.access_token) == session_of(user.refresh_token)
    other_sign_in = sign_in(client, user.email)
    assert session_of(other_sign_in["access_token"]) != session_of(user.access_token)


def test_refresh_keeps_the_session(client, user):
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)).json["access_token"]
    assert session_of(refreshed) == session_of(user.refresh_token)


def test_logout_with_the_access_token_ends_the_session(client, user):
    refreshed = client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)).json["access_token"]
    assert client.post("/api/v1/auth/logout", headers=user.headers).status_code == 204
    assert_error(client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)), 401)
    assert_error(client.get("/api/v1/users/me", headers=bearer(refreshed)), 401)


def test_logout_with_the_refresh_token_ends_the_session(client, user):
    assert client.post("/api/v1/auth/logout", headers=bearer(user.refresh_token)).status_code == 204
    assert_error(client.get("/api/v1/users/me", headers=user.headers), 401)


def test_logout_leaves_other_sessions_alone(client, user):
    other_sign_in = sign_in(client, user.email)
    assert client.post("/api/v1/auth/logout", headers=user.headers).status_code == 204
    assert client.get("/api/v1/users/me", headers=bearer(other_sign_in["access_token"])).status_code == 200
    assert client.post("/api/v1/auth/refresh", headers=bearer(other_sign_in["refresh_token"])).status_code == 200
