import pytest

from tests.conftest import running_app
from tests.factories import assert_error


def test_unknown_route_is_a_json_404(client):
    assert_error(client.get("/api/v1/nowhere"), 404)


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.delete("/api/v1/users")
    assert_error(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"POST"}


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/users", data="{not json", content_type="application/json")
    assert_error(response, 400)


def test_missing_body_is_400(client, user):
    response = client.patch("/api/v1/users/me", headers=user.headers)
    assert assert_error(response, 400)["errors"] == {"json": ["A JSON body is required."]}


def test_body_that_is_not_json_is_415(client, user):
    response = client.patch("/api/v1/users/me", data="first_name=Eve", headers=user.headers, content_type="text/plain")
    assert_error(response, 415)
    assert client.get("/api/v1/users/me", headers=user.headers).json["first_name"] == "Camille"


@pytest.mark.parametrize(
    "body",
    [
        '{"first_name": NaN}',
        '{"first_name": Infinity}',
        '{"first_name": -Infinity}',
        '{"first_name": "\\ud800"}',
        "[" * 100_000 + "]" * 100_000,
        b'{"first_name": "\xff"}',
    ],
    ids=["nan", "infinity", "minus-infinity", "lone-surrogate", "deeply-nested", "not-utf-8"],
)
def test_json_outside_the_standard_is_400(client, user, body):
    response = client.patch("/api/v1/users/me", data=body, headers=user.headers, content_type="application/json")
    assert_error(response, 400)


def test_body_over_one_mebibyte_is_413(client):
    response = client.post("/api/v1/users", data="x" * (1024 * 1024 + 1), content_type="application/json")
    assert_error(response, 413)


@pytest.mark.parametrize(
    "user_id", ["123", "not-an-id", "6750c3e2a1b2c3d4e5f6071", "../../etc/passwd", "ZZZZZZZZZZZZZZZZZZZZZZZZ"]
)
def test_malformed_id_in_url_is_404(client, user_id):
    assert_error(client.get(f"/api/v1/users/{user_id}"), 404)


def test_unexpected_exception_is_a_json_500_without_trace(settings):
    def explode():
        raise RuntimeError("secret internals")

    # An app of its own: Flask refuses a new route on the suite's reused app once it has served.
    with running_app(settings) as app:
        app.add_url_rule("/explode", "explode", explode)
        response = app.test_client().get("/explode")
    body = assert_error(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in body["message"]
