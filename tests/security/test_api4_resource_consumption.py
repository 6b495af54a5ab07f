"""OWASP API4:2023 Unrestricted Resource Consumption: what one request may ask for is bounded.

Bodies are at most 1 MiB, pages at most 100 items, texts and lists have documented maximums and a
property at most 100 rooms. (Request rates and creation quotas are the rate limiter's.)
"""

import pytest

from tests import openapi_document
from tests.factories import assert_error, create_property, database_snapshot, property_form, room_form

ONE_MEBIBYTE = 1024 * 1024


def test_every_body_over_one_mebibyte_is_413(client, world):
    oversized = b'{"name": "' + b"x" * ONE_MEBIBYTE + b'"}'
    before = database_snapshot()
    for path, method, operation in openapi_document.write_operations(world.spec):
        if "requestBody" in operation:
            response = getattr(client, method)(
                world.url(path),
                data=oversized,
                content_type="application/json",
                headers=world.actor_allowed(path, method),
            )
            assert_error(response, 413)
    assert database_snapshot() == before


def test_every_paginated_list_refuses_pages_over_100(client, world):
    paginated = [
        path
        for path, method, operation in openapi_document.operations(world.spec)
        if method == "get"
        and any(parameter.get("name") == "page_size" for parameter in operation.get("parameters", []))
    ]
    assert paginated == [
        "/api/v1/property-types",
        "/api/v1/properties",
        "/api/v1/properties/changes",
        "/api/v1/properties/{property_id}/rooms",
        "/api/v1/cities",
    ]
    for path in paginated:
        assert client.get(f"{world.url(path)}?page_size=100").status_code == 200
        for page_size in ("101", "1000000", "0", "-1"):
            assert_error(client.get(f"{world.url(path)}?page_size={page_size}"), 422)


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/properties", property_form(name="x" * 121)),
        ("/api/v1/properties", property_form(description="x" * 5001)),
        ("/api/v1/properties", property_form(city="x" * 121)),
        ("/api/v1/properties", property_form(rooms=[room_form()] * 101)),
        ("/api/v1/properties", property_form(rooms=[room_form(features=["x"] * 21)])),
        ("/api/v1/properties", property_form(rooms=[room_form(features=["x" * 41])])),
        ("/api/v1/properties", property_form(rooms=[room_form(name="x" * 81)])),
        ("/api/v1/users/me", {"first_name": "x" * 101}),
        ("/api/v1/users/me/password", {"current_password": "x" * 129, "new_password": "y" * 129}),
        ("/api/v1/auth/token", {"email": "x" * 255, "password": "y"}),
    ],
    ids=["name", "description", "city", "rooms", "features", "feature", "room name", "first name", "password", "email"],
)
def test_long_strings_and_lists_are_422(client, world, url, body):
    method = {"/api/v1/users/me": "patch", "/api/v1/users/me/password": "put"}.get(url, "post")
    before = database_snapshot()
    assert_error(getattr(client, method)(url, json=body, headers=world.owner.headers), 422)
    assert database_snapshot() == before


@pytest.mark.parametrize("parameter", ["city=" + "x" * 121, "type=" + "x" * 41, "min_rooms=101", "page=0"])
def test_long_or_large_query_parameters_are_422(client, parameter):
    assert_error(client.get(f"/api/v1/properties?{parameter}"), 422)


def test_a_property_holds_at_most_100_rooms(client, user):
    listing = create_property(client, user, rooms=[room_form()] * 100)
    rooms = f"/api/v1/properties/{listing['id']}/rooms"
    before = database_snapshot()
    body = assert_error(client.post(rooms, json=room_form(), headers=user.headers), 422)
    assert "rooms" in body["errors"]
    assert database_snapshot() == before
    assert len(client.get(rooms).json) == 100
