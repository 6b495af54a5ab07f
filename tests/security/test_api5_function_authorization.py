"""OWASP API5:2023 Broken Function Level Authorization.

The OpenAPI document and the app agree on every route and on who may call it: an operation that
requires a token declares the bearer scheme (and one that declares it requires it), no route
escapes the document, and the administrators' operations refuse a plain user (403) and an
anonymous one (401).
"""

import re

import pytest

from tests import openapi_document
from tests.factories import assert_error, database_snapshot, valid_bodies

# Routes that are not part of the API: the docs pages, their assets and the redirects to them, the metrics.
UNDOCUMENTED_PREFIXES = ("/docs/",)
UNDOCUMENTED_ROUTES = {"/", "/docs", "/metrics"}
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}


def app_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule in UNDOCUMENTED_ROUTES or rule.rule.startswith(UNDOCUMENTED_PREFIXES):
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - AUTOMATIC_METHODS:
            routes.add((path, method.lower()))
    return routes


def test_the_document_describes_exactly_the_app_routes(app, world):
    documented = {(path, method) for path, method, _ in openapi_document.operations(world.spec)}
    assert app_routes(app) == documented


def test_every_operation_that_needs_a_token_declares_it_and_the_reverse(client, world):
    checked = 0
    for path, method, operation in openapi_document.operations(world.spec):
        body = valid_bodies().get(openapi_document.schema_name(operation)) if "requestBody" in operation else None
        before = database_snapshot()
        response = getattr(client, method)(world.url(path), json=body)
        if openapi_document.is_public(operation):
            # Whatever a public operation answers without a token is documented, and is not a 401.
            assert response.status_code != 401, (method, path)
            assert str(response.status_code) in operation["responses"], (method, path, response.status_code)
        else:
            assert operation["security"] == [{"bearerAuth": []}], (method, path)
            assert "401" in operation["responses"], (method, path)
            assert_error(response, 401)
            assert database_snapshot() == before, (method, path)
        checked += 1
    assert checked == len(list(openapi_document.operations(world.spec)))


def admin_operations(spec):
    """The writes of the property types: the operations only administrators may call."""
    return [
        (path, method, operation)
        for path, method, operation in openapi_document.write_operations(spec)
        if "property-types" in operation["tags"]
    ]


def test_admin_operations_are_the_property_type_writes(world):
    assert sorted((method, path) for path, method, _ in admin_operations(world.spec)) == [
        ("delete", "/api/v1/property-types/{slug}"),
        ("patch", "/api/v1/property-types/{slug}"),
        ("post", "/api/v1/property-types"),
    ]


@pytest.mark.parametrize(("actor", "expected"), [("user", 403), ("anonymous", 401)])
def test_admin_operations_refuse_everyone_else(client, world, actor, expected):
    headers = {"user": world.owner.headers, "anonymous": {}}[actor]
    for path, method, operation in admin_operations(world.spec):
        assert str(expected) in operation["responses"], (method, path)
        body = valid_bodies().get(openapi_document.schema_name(operation)) if "requestBody" in operation else None
        before = database_snapshot()
        assert_error(
            getattr(client, method)(world.url(path).replace("flat", "studio"), json=body, headers=headers), expected
        )
        assert database_snapshot() == before, (method, path)


def test_admin_operations_serve_an_administrator(client, world):
    for path, method, operation in sorted(admin_operations(world.spec), key=lambda op: op[1] != "post"):
        body = valid_bodies().get(openapi_document.schema_name(operation)) if "requestBody" in operation else None
        response = getattr(client, method)(
            world.url(path).replace("flat", "studio"), json=body, headers=world.admin.headers
        )
        assert response.status_code in (200, 201, 204), (method, path, response.json)
