"""Every 401 carries a Bearer challenge (RFC 9110 §11.6.1, RFC 6750 §3), invalid_token when a token was at fault."""

import pytest

from tests import factories
from tests.factories import assert_error, bearer
from tests.security.test_api2_authentication import BAD_AUTHORIZATION, BAD_TOKENS, PROTECTED, call

NO_TOKEN = "Bearer"


@pytest.fixture
def listing(client, user):
    return factories.create_property(client, user)


def challenge(response) -> str:
    assert_error(response, 401)
    return response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("route", PROTECTED)
def test_a_request_without_a_token_gets_the_bare_challenge(client, listing, route):
    # RFC 6750 §3.1: no error code when the request carried no authentication.
    assert challenge(call(client, route, listing, {})) == NO_TOKEN


@pytest.mark.parametrize("authorization", [value for value in BAD_AUTHORIZATION if value])
def test_a_malformed_authorization_header_gets_a_bearer_challenge(client, listing, authorization):
    header = challenge(call(client, "users", listing, {"Authorization": authorization}))
    assert header == NO_TOKEN or header.startswith('Bearer error="invalid_token"')


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_a_bad_token_gets_invalid_token(app, client, user, listing, token):
    route = "users"
    forged = BAD_TOKENS[token](client, app, user, PROTECTED[route][2])
    header = challenge(call(client, route, listing, bearer(forged)))
    assert header.startswith('Bearer error="invalid_token", error_description="'), header
    assert header.endswith('"')


def test_an_access_token_on_refresh_gets_invalid_token(client, user):
    header = challenge(client.post("/api/v1/auth/refresh", headers=user.headers))
    assert header.startswith('Bearer error="invalid_token"')


def test_a_failed_sign_in_gets_the_bare_challenge(client, user):
    # Sign-in takes credentials in the body, not a token: no error code, only the scheme the API uses.
    response = client.post("/api/v1/auth/token", json={"email": user.email, "password": "not the password"})
    assert challenge(response) == NO_TOKEN


def test_the_document_gives_every_401_its_challenge_header(client):
    spec = client.get("/docs/openapi.json").json
    unauthorized = [
        (path, method, operation["responses"]["401"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "401" in operation.get("responses", {})
    ]
    assert unauthorized
    for path, method, response in unauthorized:
        if "$ref" in response:
            response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
        assert "WWW-Authenticate" in response.get("headers", {}), (path, method)
