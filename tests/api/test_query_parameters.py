"""Unknown query parameters are 422 on every operation (after authentication), and change nothing."""

import pytest

from tests.factories import assert_error, create_property, database_snapshot, valid_bodies

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def world(app, client, user, admin):
    """A listing with a room, its owner and an administrator: every operation has something to act on."""
    listing = create_property(client, user)
    values = {
        "property_id": listing["id"],
        "room_id": listing["rooms"][0]["id"],
        "user_id": user.id,
        "slug": "flat",
    }
    return {"values": values, "user": user, "admin": admin}


def every_operation(client):
    for path, item in client.get("/docs/openapi.json").json["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield method, path, item[method]


def send(client, world, method, path, operation, query):
    url = path.format(**world["values"]) + query
    account = world["admin"] if "property-types" in path and method != "get" else world["user"]
    headers = account.headers if operation["security"] else {}
    if path.endswith("/auth/refresh"):
        headers = {"Authorization": f"Bearer {account.refresh_token}"}
    body = None
    if "requestBody" in operation:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        body = valid_bodies(world["user"].id)[schema]
    return getattr(client, method)(url, json=body, headers=headers)


def test_every_operation_refuses_an_unknown_query_parameter_and_changes_nothing(app, client, world):
    with app.app_context():
        before = database_snapshot()
    operations = list(every_operation(client))
    assert len(operations) > 20
    for method, path, operation in operations:
        response = send(client, world, method, path, operation, "?unexpected=1")
        body = assert_error(response, 422)
        assert body["errors"] == {"unexpected": ["Unknown query parameter."]}, (method, path)
    with app.app_context():
        assert database_snapshot() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/properties/{property_id}",
        "/api/v1/properties/{property_id}/rooms/{room_id}",
        "/api/v1/users/{user_id}",
        "/api/v1/property-types/flat",
        "/health",
    ],
)
@pytest.mark.parametrize("query", ["?page=2", "?page_size=5", "?city=Lyon", "?a=1&b=2"])
def test_reads_that_take_no_parameter_refuse_any(client, world, url, query):
    body = assert_error(client.get(url.format(**world["values"]) + query), 422)
    assert set(body["errors"]) == {name.split("=")[0] for name in query[1:].split("&")}


def test_your_account_refuses_query_parameters(client, user):
    assert_error(client.get("/api/v1/users/me?fields=email", headers=user.headers), 422)


def test_the_check_comes_after_authentication(client):
    assert_error(client.get("/api/v1/users/me?fields=email"), 401)


def test_operations_that_take_parameters_still_accept_theirs(client, world):
    assert client.get("/api/v1/properties?city=saint-etienne&page=1&page_size=5").status_code == 200
    assert client.get("/api/v1/cities?page=1").status_code == 200
    assert "unexpected" in assert_error(client.get("/api/v1/properties?city=lyon&unexpected=1"), 422)["errors"]


def test_a_head_request_is_checked_like_its_get(client, world):
    url = "/api/v1/properties/{property_id}".format(**world["values"])
    assert client.head(url).status_code == 200
    assert client.head(url + "?unexpected=1").status_code == 422
