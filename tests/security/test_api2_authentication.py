"""OWASP API2:2023 Broken Authentication.

Every way a bearer token can be wrong is refused with a 401 in the one error shape, on a protected
route of each blueprint that has one. Sign-in does not tell which accounts exist, neither by its
answer nor by its timing.

Sign-up does answer 409 to an email that already has an account. That is a deliberate exception to
"no user enumeration through sign-up": without e-mail verification (the service sends no mail) the
only other answer would be a silent 201 that leaves the person unable to sign in, and the same fact
is learnt by trying to sign up anyway. What the service does guarantee is that the 409 costs the same
time as a sign-up (the password is hashed before the insert finds the duplicate: measured below), so
the answer, not the timing, is the only signal, and it is the lead's rate limiting that bounds how
many emails can be tried.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import statistics
import time

import jwt as pyjwt
import pytest
from flask_jwt_extended import create_access_token, create_refresh_token

from tests import factories
from tests.conftest import make_settings, running_app
from tests.factories import assert_error, bearer

OWASP_ARGON2 = {"password_hash_memory_kib": 19456, "password_hash_time_cost": 2}
MANY = "100000 per minute"
# A protected route of each blueprint that has one, with the kind of token it takes.
PROTECTED = {
    "auth logout": ("post", "/api/v1/auth/logout", "access"),
    "auth refresh": ("post", "/api/v1/auth/refresh", "refresh"),
    "users": ("get", "/api/v1/users/me", "access"),
    "property-types": ("post", "/api/v1/property-types", "access"),
    "properties": ("post", "/api/v1/properties", "access"),
    "rooms": ("post", "/api/v1/properties/{property}/rooms", "access"),
}


def issue(app, user, kind, **options):
    create = create_refresh_token if kind == "refresh" else create_access_token
    with app.app_context():
        return create(identity=user.id, additional_claims={"ver": 0}, **options)


def claims(app, user, kind, **changes):
    payload = pyjwt.decode(issue(app, user, kind), options={"verify_signature": False})
    payload.update(changes)
    return {key: value for key, value in payload.items() if value is not None}


def secret(app):
    return app.config["JWT_SECRET_KEY"]


def hs256_with_header(app, payload, header):
    """A token signed with the right key and HS256, whatever its header says (algorithm confusion)."""

    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    signing_input = f"{part(header)}.{part(payload)}"
    signature = hmac.new(secret(app).encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def revoked(client, app, user, kind):
    token = issue(app, user, kind)
    assert client.post("/api/v1/auth/logout", headers=bearer(token)).status_code == 204
    return token


def after_password_change(client, app, user, kind):
    token = issue(app, user, kind)
    change = {"current_password": user.password, "new_password": "a brand new password"}
    assert client.put("/api/v1/users/me/password", json=change, headers=user.headers).status_code == 204
    return token


def of_a_deleted_account(client, app, user, kind):
    token = issue(app, user, kind)
    assert client.delete("/api/v1/users/me", headers=user.headers).status_code == 204
    return token


def other_kind(kind):
    return "access" if kind == "refresh" else "refresh"


BAD_TOKENS = {
    "expired": lambda c, a, u, k: issue(a, u, k, expires_delta=dt.timedelta(seconds=-1)),
    "revoked": revoked,
    "issued before a password change": after_password_change,
    "of a deleted account": of_a_deleted_account,
    "of the other kind": lambda c, a, u, k: issue(a, u, other_kind(k)),
    "alg none": lambda c, a, u, k: pyjwt.encode(claims(a, u, k), key=None, algorithm="none"),
    "HS384 with the right key": lambda c, a, u, k: pyjwt.encode(claims(a, u, k), secret(a), algorithm="HS384"),
    "HS512 with the right key": lambda c, a, u, k: pyjwt.encode(claims(a, u, k), secret(a), algorithm="HS512"),
    "RS256 header, HMAC signature": lambda c, a, u, k: hs256_with_header(
        a, claims(a, u, k), {"alg": "RS256", "typ": "JWT"}
    ),
    "signed with another key": lambda c, a, u, k: pyjwt.encode(claims(a, u, k), "another key " * 4, algorithm="HS256"),
    "payload changed after signing": lambda c, a, u, k: tamper(issue(a, u, k), sub="6750c3e2a1b2c3d4e5f60718"),
    "unknown subject": lambda c, a, u, k: pyjwt.encode(
        claims(a, u, k, sub="6750c3e2a1b2c3d4e5f60718"), secret(a), algorithm="HS256"
    ),
    "subject that is not an id": lambda c, a, u, k: pyjwt.encode(
        claims(a, u, k, sub="../../admin"), secret(a), algorithm="HS256"
    ),
    "without the version claim": lambda c, a, u, k: pyjwt.encode(claims(a, u, k, ver=None), secret(a), "HS256"),
    "without an expiry, signed with the right key": lambda c, a, u, k: pyjwt.encode(
        claims(a, u, k, exp=None), secret(a), algorithm="HS256"
    ),
}
BAD_AUTHORIZATION = [
    "",
    "Bearer",
    "Bearer ",
    "Bearer garbage",
    "Bearer a.b.c",
    "bearer",
    "Basic dXNlcjpwYXNz",
    "Token x",
]


def tamper(token, **changes):
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    decoded.update(changes)
    payload = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"


@pytest.fixture
def listing(client, user):
    return factories.create_property(client, user)


def call(client, route, listing, headers):
    method, path, _ = PROTECTED[route]
    return getattr(client, method)(path.format(property=listing["id"]), json={}, headers=headers)


@pytest.mark.parametrize("route", PROTECTED)
@pytest.mark.parametrize("authorization", BAD_AUTHORIZATION)
def test_missing_or_malformed_authorization_is_401(client, listing, route, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    assert_error(call(client, route, listing, headers), 401)


# Sign-out takes either kind of token, so that a client can revoke both.
CASES = [
    (route, token)
    for route in PROTECTED
    for token in BAD_TOKENS
    if (route, token) != ("auth logout", "of the other kind")
]


@pytest.mark.parametrize(("route", "token"), CASES)
def test_bad_token_is_401(app, client, user, listing, route, token):
    forged = BAD_TOKENS[token](client, app, user, PROTECTED[route][2])
    assert_error(call(client, route, listing, bearer(forged)), 401)


# What each route answers a good token and an empty body: its own answer, not authentication's.
PAST_AUTHENTICATION = {
    "auth logout": 204,
    "auth refresh": 200,
    "users": 200,
    "property-types": 422,
    "properties": 422,
    "rooms": 422,
}


@pytest.mark.parametrize("route", PROTECTED)
def test_a_good_token_gets_past_authentication(app, client, user, listing, route):
    response = call(client, route, listing, bearer(issue(app, user, PROTECTED[route][2])))
    expected = PAST_AUTHENTICATION[route]
    if expected == 422:
        assert "Missing data for required field." in str(assert_error(response, 422)["errors"])
    else:
        assert response.status_code == expected, response.get_data(as_text=True)


def test_wrong_password_and_unknown_email_look_the_same(client, user):
    wrong_password = client.post("/api/v1/auth/token", json={"email": user.email, "password": "not the password"})
    unknown_email = client.post("/api/v1/auth/token", json={"email": "nobody@example.com", "password": "whatever1"})
    assert assert_error(wrong_password, 401) == assert_error(unknown_email, 401)


def assert_same_time(first, second, samples=30):
    """Medians of interleaved calls within a factor of 2: a skipped argon2 hash makes it 5 to 10.

    Interleaving spreads the machine's noise over both; medians ignore its bursts.
    """
    durations = {first: [], second: []}
    for _ in range(samples):
        for send in (first, second):
            started = time.perf_counter()
            send()
            durations[send].append(time.perf_counter() - started)
    medians = sorted(statistics.median(values) for values in durations.values())
    assert medians[1] / medians[0] < 2, medians


@pytest.fixture
def costly_app():
    """An app that hashes passwords at production cost, so that skipping a hash would show."""
    # Timing needs many failed sign-ins: the limits stay on, out of the measurement's way.
    many = {"login_account_address_limit": MANY, "login_address_limit": MANY, "sign_up_limit": MANY}
    with running_app(make_settings(**OWASP_ARGON2, **many)) as app:
        yield app


def test_sign_in_takes_as_long_for_an_unknown_email_as_for_a_wrong_password(costly_app):
    client = costly_app.test_client()
    account = factories.sign_up(client)

    def wrong_password():
        assert (
            client.post("/api/v1/auth/token", json={"email": account["email"], "password": "wrong!"}).status_code == 401
        )

    def unknown_email():
        assert (
            client.post("/api/v1/auth/token", json={"email": "no@example.com", "password": "wrong!"}).status_code == 401
        )

    assert_same_time(wrong_password, unknown_email)


def test_sign_up_takes_as_long_for_a_taken_email_as_for_a_new_one(costly_app):
    client = costly_app.test_client()
    factories.sign_up(client, email="taken@example.com")
    counter = iter(range(1000))

    def new_email():
        response = client.post("/api/v1/users", json=factories.sign_up_form(email=f"new{next(counter)}@example.com"))
        assert response.status_code == 201

    def taken_email():
        assert client.post("/api/v1/users", json=factories.sign_up_form(email="taken@example.com")).status_code == 409

    assert_same_time(new_email, taken_email)
