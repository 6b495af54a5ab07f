import pytest

from tests.conftest import make_settings, running_app
from tests.factories import assert_error, bearer, sign_up_form


@pytest.mark.parametrize(
    "url", ["/health", "/api/v1/properties", "/api/v1/nowhere", "/docs/openapi.json", "/docs/swagger"]
)
def test_every_response_carries_the_security_headers(client, url):
    headers = client.get(url).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_api_responses_allow_nothing_to_run(client):
    assert client.get("/api/v1/properties").headers["Content-Security-Policy"].startswith("default-src 'none'")


@pytest.mark.parametrize("page", ["/docs/swagger", "/docs/redoc"])
def test_docs_pages_allow_only_their_own_scripts(client, page):
    policy = dict(
        directive.strip().split(" ", 1) for directive in client.get(page).headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'none'"
    assert policy["worker-src"] == "'none'"


def test_authenticated_responses_are_not_stored(client, user):
    assert client.get("/api/v1/users/me", headers=user.headers).headers["Cache-Control"] == "no-store"
    refused = client.get("/api/v1/users/me", headers={"Authorization": "Bearer bad"})
    assert_error(refused, 401)
    assert refused.headers["Cache-Control"] == "no-store"


def test_token_responses_are_not_stored_whatever_the_request_sends(client, user):
    responses = [
        client.post("/api/v1/auth/token", json={"email": user.email, "password": user.password}),
        client.post("/api/v1/auth/token", json={"email": user.email, "password": "wrong password"}),
        client.post("/api/v1/users", json=sign_up_form(email="new@example.com")),
        client.post("/api/v1/auth/refresh", headers=bearer(user.refresh_token)),
        client.get("/api/v1/users/me", headers=user.headers),
        client.get(f"/api/v1/users/{user.id}"),
    ]
    assert [response.status_code for response in responses] == [200, 401, 201, 200, 200, 200]
    for response in responses:
        assert response.headers["Cache-Control"] == "no-store"


def test_anonymous_public_responses_may_be_cached(client):
    assert "no-store" not in client.get("/api/v1/properties").headers.get("Cache-Control", "")


def test_no_cors_headers_without_configured_origins(client):
    response = client.get("/api/v1/properties", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.fixture
def cors_client():
    with running_app(make_settings(cors_origins=("https://app.example",))) as app:
        yield app.test_client()


def test_cors_allows_the_configured_origins(cors_client):
    response = cors_client.get("/api/v1/properties", headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "X-Pagination" in response.headers["Access-Control-Expose-Headers"]


def test_cors_preflight_allows_the_api_headers(cors_client):
    response = cors_client.options(
        "/api/v1/properties",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Idempotency-Key",
        },
    )
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed
    assert "idempotency-key" in allowed


def test_cors_refuses_other_origins(cors_client):
    response = cors_client.get("/api/v1/properties", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_production_uses_strict_transport_security():
    from flask import Flask

    from arcane.http_headers import init_app as init_headers

    app = Flask(__name__)
    settings = make_settings()
    init_headers(app, type(settings)(**{**settings.__dict__, "env": "production"}))
    app.add_url_rule("/", "index", lambda: "ok")
    assert app.test_client().get("/").headers["Strict-Transport-Security"].startswith("max-age=")
