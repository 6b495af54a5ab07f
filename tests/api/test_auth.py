import pytest

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
    assert client.get("/api/v1/users/me", headers=user.headers).status_code == 200
