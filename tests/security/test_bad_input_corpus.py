"""A corpus of hostile inputs sent to every write operation of the OpenAPI document.

Each request is otherwise valid and sent by an identity the operation lets through, so that the
hostile part is the only reason to refuse it. Every one must be refused with a 4xx in the one error
shape, never a 5xx, and must leave the database exactly as it was.
"""

import json
import urllib.parse

import pytest

from tests import openapi_document
from tests.factories import assert_error, database_snapshot, valid_bodies
from tests.security.conftest import World

NESTING = 10_000
# Values put in place of each field of an otherwise valid body.
HOSTILE_VALUES = {
    "number": 12345,
    "boolean": True,
    "list": ["x"],
    "object": {"a": 1},
    "null": None,
    "huge float": 1e308,
    "huge integer": 10**40,
    "huge negative integer": -(10**40),
    "very long string": "x" * 100_000,
    "NUL": "a\x00b",
    "right-to-left override": "abc\u202edef",
    "right-to-left mark": "\u200fabc",
    "$gt operator": {"$gt": ""},
    "$ne operator": {"$ne": None},
    "$where operator": {"$where": "sleep(1000)"},
    "$regex operator": {"$regex": ".*"},
}
# JSON tokens put in place of each field, as raw text: what json.dumps cannot write.
HOSTILE_TOKENS = {
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
    "lone surrogate": '"\\ud800"',
    "lone low surrogate": '"a\\udc00b"',
    "deep nesting": "[" * NESTING + "]" * NESTING,
    "deep object nesting": '{"a":' * NESTING + "1" + "}" * NESTING,
}
# Whole bodies.
HOSTILE_BODIES = {
    "malformed JSON": b"{not json",
    "truncated JSON": b'{"name": "x"',
    "empty body": b"",
    "top-level array": b'[{"name": "x"}]',
    "top-level string": b'"x"',
    "top-level null": b"null",
    "deep nesting": b"[" * NESTING + b"]" * NESTING,
    "invalid UTF-8": b'{"name": "\xff\xfe"}',
    "UTF-16": '{"name": "x"}'.encode("utf-16"),
    "bare NaN": b"NaN",
}
# Values put in place of each path parameter.
HOSTILE_IDS = [
    "..",
    "%2e%2e",
    "..%2F..%2Fusers",
    "..%2f..%2f..%2fetc%2fpasswd",
    "6750c3e2a1b2c3d4e5f6071g",
    "6750C3E2A1B2C3D4E5F60718",
    "%7B%22%24gt%22%3A%22%22%7D",
    "%00",
    "x" * 300,
]
# Query strings of the listings: MongoDB operators in every syntax a framework might turn into one.
HOSTILE_QUERIES = [
    "city[$ne]=x",
    "city[%24ne]=x",
    'city={"$gt":""}',
    "city[]=x&city[]=y",
    "owner[$ne]=x",
    'owner={"$ne":null}',
    "owner=6750c3e2a1b2c3d4e5f60718&owner[$exists]=true",
    "type[$regex]=.*",
    'type={"$ne":"flat"}',
    "min_rooms[$gt]=0",
    "min_rooms=1e308",
    "min_rooms=NaN",
    "page[$gt]=1",
    "page_size=NaN",
    "city=%00",
    "city=%E2%80%AEx",
    "$where=sleep(1000)",
]


def write_labels(spec):
    return [f"{method.upper()} {path}" for path, method, _ in openapi_document.write_operations(spec)]


def body_fields(body: dict) -> list[tuple]:
    """Paths to every field of a body, the first room's fields and the first item of each list included."""
    paths = []
    for name, value in body.items():
        paths.append((name,))
        if isinstance(value, list) and value and not isinstance(value[0], dict):
            paths.append((name, 0))
    for room in body.get("rooms", [])[:1]:
        paths += [("rooms", 0, *path) for path in body_fields(room)]
    return paths


def replaced(body: dict, path: tuple, value) -> dict:
    copy = json.loads(json.dumps(body))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


def raw_replaced(body: dict, path: tuple, token: str) -> bytes:
    marker = "__HOSTILE_TOKEN__"
    return json.dumps(replaced(body, path, marker)).replace(f'"{marker}"', token).encode()


def field_schema(spec, operation, path: tuple) -> dict:
    schema = openapi_document.request_schema(spec, operation)
    for key in path:
        schema = openapi_document.resolve(spec, schema["items"] if isinstance(key, int) else schema["properties"][key])
    return schema


def harmless(value, schema: dict) -> bool:
    """Whether the value is one the field legitimately takes: null where nullable, a list where a list."""
    return (value is None and schema.get("nullable", False)) or (isinstance(value, list) and schema["type"] == "array")


def hostile_requests(world: World, path: str, method: str, operation: dict):
    """(description, url, body bytes or None) for every hostile variant of the operation."""
    url = world.url(path)
    for name in openapi_document.path_parameters(path):
        for hostile_id in HOSTILE_IDS:
            hostile_url = openapi_document.url(path, {**world.path_values, name: hostile_id})
            body = valid_bodies().get(openapi_document.schema_name(operation)) if "requestBody" in operation else None
            yield f"{name}={hostile_id[:30]}", hostile_url, None if body is None else json.dumps(body).encode()
    if "requestBody" not in operation:
        return
    body = valid_bodies()[openapi_document.schema_name(operation)]
    for field in body_fields(body):
        for name, value in HOSTILE_VALUES.items():
            if harmless(value, field_schema(world.spec, operation, field)):
                continue
            yield f"{field}: {name}", url, json.dumps(replaced(body, field, value)).encode()
        for name, token in HOSTILE_TOKENS.items():
            yield f"{field}: {name}", url, raw_replaced(body, field, token)
    for name, raw in HOSTILE_BODIES.items():
        yield name, url, raw


def refusal_problem(response) -> str | None:
    """Why the response is not a proper refusal, or None."""
    if not 400 <= response.status_code < 500:
        return f"answered {response.status_code}: {response.get_data(as_text=True)[:200]}"
    try:
        assert_error(response, response.status_code)
    except (AssertionError, TypeError, KeyError) as error:
        return f"not in the error shape: {error}"
    return None


@pytest.fixture
def spec_labels(world):
    return write_labels(world.spec)


def test_the_corpus_covers_every_write_operation(world):
    assert len(write_labels(world.spec)) == 16


@pytest.mark.parametrize(
    "label",
    [
        "POST /api/v1/auth/token",
        "POST /api/v1/auth/refresh",
        "POST /api/v1/auth/logout",
        "POST /api/v1/users",
        "PATCH /api/v1/users/me",
        "DELETE /api/v1/users/me",
        "PUT /api/v1/users/me/password",
        "POST /api/v1/property-types",
        "PATCH /api/v1/property-types/{slug}",
        "DELETE /api/v1/property-types/{slug}",
        "POST /api/v1/properties",
        "PATCH /api/v1/properties/{property_id}",
        "DELETE /api/v1/properties/{property_id}",
        "POST /api/v1/properties/{property_id}/rooms",
        "PATCH /api/v1/properties/{property_id}/rooms/{room_id}",
        "DELETE /api/v1/properties/{property_id}/rooms/{room_id}",
    ],
)
def test_hostile_input_is_refused_and_changes_nothing(client, world, corpus_report, spec_labels, label):
    assert label in spec_labels
    method, path = label.split(" ", 1)
    operation = world.spec["paths"][path][method.lower()]
    headers = world.actor_allowed(path, method.lower())
    failures = []
    for description, url, body in hostile_requests(world, path, method.lower(), operation):
        before = database_snapshot()
        response = client.open(url, method=method, data=body, content_type="application/json", headers=headers)
        problem = refusal_problem(response)
        if problem is None and database_snapshot() != before:
            problem = "changed the database"
        corpus_report.cases += 1
        if problem:
            failures.append(f"{description}: {problem}")
    corpus_report.endpoints.add(label)
    corpus_report.failures += len(failures)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", ["/api/v1/properties", "/api/v1/cities"])
def test_hostile_queries_are_refused_or_match_nothing(client, world, corpus_report, path):
    """A refusal, or for a city (which any text may be) an empty page: never an operator that matches all."""
    failures = []
    for query in HOSTILE_QUERIES:
        before = database_snapshot()
        response = client.get(f"{path}?{urllib.parse.quote(query, safe='=&%')}")
        problem = refusal_problem(response)
        if problem and response.status_code == 200 and query.startswith("city=") and path.endswith("properties"):
            problem = None if response.json == [] else f"listed {len(response.json)} properties"
        if problem is None and database_snapshot() != before:
            problem = "changed the database"
        corpus_report.cases += 1
        if problem:
            failures.append(f"{query}: {problem}")
    corpus_report.endpoints.add(f"GET {path}")
    corpus_report.failures += len(failures)
    assert not failures, "\n".join(failures)
