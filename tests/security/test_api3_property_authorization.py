"""OWASP API3:2023 Broken Object Property Level Authorization.

No request body can set a property the server owns (mass assignment), and no public response shows
a property that is private. Both walk the OpenAPI document, so a new operation is covered unasked.
"""

import re

import pytest

from tests import openapi_document
from tests.factories import DEFAULT_PASSWORD, assert_error, database_snapshot, valid_bodies

SERVER_OWNED = ("id", "owner", "role", "city_key", "created_at", "updated_at", "revision", "token_version")
SECRETS = ("password_hash",)
PRIVATE_KEYS = ("email", "birth_date", "password", "password_hash", "token_version", "role")
ARGON2_HASH = re.compile(r"\$argon2")


def body_operations(world):
    return [
        (path, method, operation)
        for path, method, operation in openapi_document.write_operations(world.spec)
        if "requestBody" in operation
    ]


def test_every_request_schema_has_a_valid_body_to_start_from(world):
    names = {openapi_document.schema_name(operation) for _, _, operation in body_operations(world)}
    assert names == set(valid_bodies())


def test_no_request_schema_documents_a_server_owned_field(world):
    for path, method, operation in body_operations(world):
        schema = openapi_document.request_schema(world.spec, operation)
        nested = [
            openapi_document.resolve(world.spec, field.get("items", {})) for field in schema["properties"].values()
        ]
        for fields in [schema["properties"], *(item.get("properties", {}) for item in nested)]:
            assert not set(fields) & {*SERVER_OWNED, *SECRETS}, (method, path)


@pytest.mark.parametrize("field", [*SERVER_OWNED, *SECRETS])
def test_every_writable_schema_refuses_server_owned_fields(client, world, field):
    refused = 0
    for path, method, operation in body_operations(world):
        body = valid_bodies()[openapi_document.schema_name(operation)]
        attempts = [{**body, field: "6750c3e2a1b2c3d4e5f60718"}]
        if "rooms" in body:
            attempts.append({**body, "rooms": [{**body["rooms"][0], field: "6750c3e2a1b2c3d4e5f60718"}]})
        for attempt in attempts:
            before = database_snapshot()
            response = getattr(client, method)(world.url(path), json=attempt, headers=world.actor_allowed(path, method))
            errors = assert_error(response, 422)["errors"]
            assert field in errors or "rooms" in errors, (method, path, errors)
            assert database_snapshot() == before, (method, path)
            refused += 1
    assert refused >= 10


def public_reads(world):
    return [
        path
        for path, method, operation in openapi_document.operations(world.spec)
        if method == "get" and openapi_document.is_public(operation)
    ]


def test_public_responses_show_no_private_property(client, world):
    secrets = [world.owner.email, world.other.email, world.admin.email, "1990-05-17", "1970-01-01", DEFAULT_PASSWORD]
    read = 0
    for path in public_reads(world):
        response = client.get(world.url(path))
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        for secret in secrets:
            assert secret not in text, (path, secret)
        assert not ARGON2_HASH.search(text), path
        assert not private_keys_in(response.json), path
        read += 1
    assert read >= 10


def private_keys_in(document) -> set[str]:
    if isinstance(document, list):
        return set().union(*(private_keys_in(item) for item in document)) if document else set()
    if isinstance(document, dict):
        found = set(document) & set(PRIVATE_KEYS)
        return found.union(*(private_keys_in(value) for value in document.values()))
    return set()


def test_public_user_profile_is_only_a_name(client, world):
    assert set(client.get(f"/api/v1/users/{world.owner.id}").json) == {"id", "first_name", "last_name"}
