"""The OpenAPI document describes every operation the way clients and linters expect."""

import json
import re

import pytest

from arcane import demo
from arcane.models.properties import ROOM_KINDS
from tests.factories import property_form
from tests.openapi_document import load, operations


@pytest.fixture
def spec(client):
    return load(client)


def test_document_declares_servers_license_and_bearer_scheme(spec):
    assert spec["openapi"].startswith("3.")
    # A host in the document would send Swagger UI's "Try it out" there from every deployment.
    assert [server["url"] for server in spec["servers"]] == ["/"]
    assert spec["info"]["license"]["name"]
    assert spec["info"]["license"]["url"].startswith("https://")
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Access token from POST /auth/token.",
    }


def test_every_operation_has_an_id_a_summary_and_its_4xx_responses(spec):
    ids = []
    for path, method, operation in operations(spec):
        assert operation.get("operationId"), (path, method)
        assert operation.get("summary"), (path, method)
        # An operation with no input and no token (the probes) has no 4xx to give.
        if operation["security"] or operation.get("parameters") or operation.get("requestBody") or "{" in path:
            assert any(code.startswith("4") for code in operation["responses"]), (path, method)
        ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))


def test_every_operation_declares_its_security(spec):
    for path, method, operation in operations(spec):
        assert "security" in operation, (path, method)
        if operation["security"]:
            assert operation["security"] == [{"bearerAuth": []}]
            assert "401" in operation["responses"], (path, method)


OWNER_WRITES = [
    ("/api/v1/properties/{property_id}", "patch"),
    ("/api/v1/properties/{property_id}", "delete"),
    ("/api/v1/properties/{property_id}/rooms", "post"),
    ("/api/v1/properties/{property_id}/rooms/{room_id}", "patch"),
    ("/api/v1/properties/{property_id}/rooms/{room_id}", "delete"),
]


@pytest.mark.parametrize(("path", "method"), OWNER_WRITES)
def test_owner_only_writes_document_their_token_and_refusals(spec, path, method):
    operation = spec["paths"][path][method]
    assert operation["security"] == [{"bearerAuth": []}]
    # Another's listing, a missing one, a conflicting write, a stale If-Match.
    assert {"401", "403", "404", "409", "412"} <= set(operation["responses"])


@pytest.mark.parametrize(
    ("path", "method"),
    [("/api/v1/users/me", "get"), ("/api/v1/users/me/password", "put"), ("/api/v1/auth/refresh", "post")],
)
def test_protected_operations_require_a_bearer_token(spec, path, method):
    assert spec["paths"][path][method]["security"] == [{"bearerAuth": []}]


@pytest.mark.parametrize(
    ("path", "method"),
    [("/api/v1/users", "post"), ("/api/v1/auth/token", "post"), ("/api/v1/users/{user_id}", "get")],
)
def test_public_operations_declare_no_security(spec, path, method):
    assert spec["paths"][path][method]["security"] == []


@pytest.mark.parametrize(
    "name",
    [
        "Camille",
        "  Camille  ",
        "Ca mille",
        "Ca\u3000",
        "\ufeff",
        " ",
        "\u3000",
        "",
        "\x1fCamille",
        "Ca\x85",
        "A\nB",
        "A\u200fB",
        "A\u202eB",
        "A\u200dB",
    ],
)
def test_documented_text_pattern_says_what_the_service_accepts(client, user, spec, name):
    pattern = spec["components"]["schemas"]["UserUpdate"]["properties"]["first_name"]["pattern"]
    response = client.patch("/api/v1/users/me", json={"first_name": name}, headers=user.headers)
    assert (response.status_code == 200) == bool(re.search(pattern, name)), response.json


def test_documented_numbers_and_ids_say_what_the_service_accepts(spec):
    schemas = spec["components"]["schemas"]
    for schema in ("RoomCreate", "RoomUpdate"):
        assert schemas[schema]["properties"]["area_m2"]["exclusiveMinimum"] is True
    owner = next(p for p in spec["paths"]["/api/v1/properties"]["get"]["parameters"] if p["name"] == "owner")
    assert owner["schema"]["pattern"] == "^[0-9a-f]{24}$"


def response_schemas(spec):
    """The component schemas that some response uses, with those they nest."""
    text = json.dumps([operation["responses"] for _, _, operation in operations(spec)])
    text += json.dumps(spec["components"]["responses"])
    names = set(re.findall(r"#/components/schemas/(\w+)", text))
    for name in list(names):
        names |= set(re.findall(r"#/components/schemas/(\w+)", json.dumps(spec["components"]["schemas"][name])))
    return names


def test_response_schemas_are_exact(spec):
    names = response_schemas(spec)
    assert {"Property", "Room", "UserPublic", "UserPrivate", "PropertyType", "City", "Error"} <= names
    for name in names:
        schema = spec["components"]["schemas"][name]
        if "enum" in schema:
            continue  # RoomKind, TokenType: strings
        assert schema["additionalProperties"] is False, name
        if name not in {"Error", "PaginationMetadata"}:
            assert set(schema["required"]) == set(schema["properties"]), name


def enum_locations(node, where=""):
    """(location, values) of every enum in the document."""
    if isinstance(node, dict):
        if "enum" in node:
            yield where, tuple(node["enum"])
        for key, value in node.items():
            yield from enum_locations(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from enum_locations(value, f"{where}/{index}")


def test_every_enum_is_defined_once_so_clients_get_one_type(spec):
    locations = {}
    for where, values in enum_locations(spec):
        locations.setdefault(values, []).append(where)
    assert {values: places for values, places in locations.items() if len(places) > 1} == {}
    assert locations[ROOM_KINDS] == ["/components/schemas/RoomKind"]
    assert locations[("Bearer",)] == ["/components/schemas/TokenType"]


@pytest.mark.parametrize(
    ("schema", "field", "component"),
    [
        ("Room", "kind", "RoomKind"),
        ("RoomCreate", "kind", "RoomKind"),
        ("RoomUpdate", "kind", "RoomKind"),
        ("AccessToken", "token_type", "TokenType"),
        ("TokenPair", "token_type", "TokenType"),
    ],
)
def test_room_kinds_and_token_types_reference_their_component(spec, schema, field, component):
    documented = spec["components"]["schemas"][schema]["properties"][field]
    reference = {"$ref": f"#/components/schemas/{component}"}
    assert documented == reference or documented["allOf"] == [reference]
    assert "type" not in documented  # a reference has no siblings in OpenAPI 3.0: they go beside allOf


def test_every_creation_documents_its_location_header_once(spec):
    creations = [operation for _, _, operation in operations(spec) if "201" in operation["responses"]]
    assert len(creations) == 4
    for operation in creations:
        assert operation["responses"]["201"]["headers"]["Location"] == {"$ref": "#/components/headers/LOCATION"}
    assert spec["components"]["headers"]["LOCATION"]["schema"]["format"] == "uri-reference"


def test_etag_header_is_documented_with_the_shape_the_service_sends(client, user, spec):
    example = spec["components"]["headers"]["ETAG"]["schema"]["example"]
    sent = client.post("/api/v1/properties", json=property_form(), headers=user.headers).headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', example)
    assert re.fullmatch(r'"[0-9a-f]{40}"', sent)


def query_examples(operation) -> dict:
    """The example of every query parameter that documents one."""
    examples = {}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        example = parameter.get("example", parameter["schema"].get("example"))
        if example is not None:
            examples[parameter["name"]] = example
    return examples


def test_every_query_parameter_has_a_description_and_an_example_but_the_pager_s(spec):
    """page and page_size are flask-smorest's; a cursor has no example (see arcane.smorest.PagedQuerySchema)."""
    for path, _, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query" or parameter["name"] in ("page", "page_size"):
                continue
            schema = parameter["schema"]
            assert parameter.get("description") or schema.get("description"), (path, parameter["name"])
            if parameter["name"] != "cursor":
                assert parameter.get("example", schema.get("example")) is not None, (path, parameter["name"])


@pytest.fixture
def demo_client(app, client):
    """The client of an app loaded with the demo data, as `make run` serves it."""
    with app.app_context():
        demo.seed()
    return client


def test_the_demo_owner_example_is_a_demo_user(demo_client, spec):
    listing = next(operation for path, method, operation in operations(spec) if path == "/api/v1/properties")
    owner = query_examples(listing)["owner"]
    assert demo_client.get(f"/api/v1/users/{owner}").json["first_name"] == "Lucas"


def test_every_query_parameter_example_finds_demo_listings_alone_and_together(demo_client, spec):
    checked = 0
    for path, method, operation in operations(spec):
        examples = query_examples(operation)
        if method != "get" or not examples:
            continue
        for name, example in examples.items():
            response = demo_client.get(path, query_string={name: example})
            assert response.status_code == 200, (path, name, response.json)
            assert response.json, (path, name, example)
            checked += 1
        # Swagger UI's "Try it out" sends every example at once.
        together = demo_client.get(path, query_string=examples)
        assert together.status_code == 200, (path, together.json)
        assert together.json, (path, examples)
    assert checked >= 4


def test_pagination_header_is_documented_as_json(client, spec):
    header = spec["components"]["headers"]["PAGINATION"]
    assert "schema" not in header
    assert header["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PaginationMetadata"}
    response = client.get("/api/v1/properties")
    assert set(json.loads(response.headers["X-Pagination"])) <= set(
        spec["components"]["schemas"]["PaginationMetadata"]["properties"]
    )


@pytest.mark.parametrize("address", ["/", "/docs", "/docs/"])
def test_the_root_and_docs_addresses_redirect_to_the_swagger_ui(client, address):
    response = client.get(address)
    assert response.status_code == 302
    assert response.headers["Location"] == "/docs/swagger"
    assert "swagger-ui" in client.get(address, follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize("page", ["/docs/swagger", "/docs/redoc"])
def test_docs_pages_load_their_assets_from_the_service(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    for source in sources:
        assert source.startswith("/docs/"), source
        assert client.get(source).status_code == 200, source


@pytest.mark.parametrize("page", ["/docs/swagger", "/docs/redoc"])
def test_docs_pages_have_no_inline_script(client, page):
    # The pages' Content-Security-Policy allows scripts from the service's own files only.
    html = client.get(page).get_data(as_text=True)
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.DOTALL)
    assert scripts
    for attributes, body in scripts:
        assert 'src="' in attributes, attributes
        assert not body.strip(), body
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    assert "javascript:" not in html


@pytest.mark.parametrize("page", ["/docs/swagger", "/docs/redoc"])
def test_docs_scripts_are_served_as_javascript(client, page):
    # Browsers refuse a module script, and with nosniff any script, served with another type.
    html = client.get(page).get_data(as_text=True)
    scripts = re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', html)
    assert scripts
    for script in scripts:
        response = client.get(script)
        assert response.mimetype == "text/javascript", script
        assert response.headers["X-Content-Type-Options"] == "nosniff", script


def test_redoc_bundle_shows_its_own_logo_instead_of_fetching_one(client):
    response = client.get("/docs/assets/redoc/js/redoc.standalone.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    bundle = response.get_data(as_text=True)
    assert "cdn.redoc.ly" not in bundle
    assert "/docs/assets/redoc/images/redoc.svg" in bundle
    assert client.get("/docs/assets/redoc/images/redoc.svg").status_code == 200


def test_redoc_bundle_is_cached_like_the_other_assets(client):
    response = client.get("/docs/assets/redoc/js/redoc.standalone.js")
    assert response.cache_control.max_age == 86400
    again = client.get("/docs/assets/redoc/js/redoc.standalone.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_each_paged_collection_documents_a_link_example_on_its_own_url(spec):
    for path, methods in spec["paths"].items():
        link = methods.get("get", {}).get("responses", {}).get("200", {}).get("headers", {}).get("Link")
        if link is None:
            continue
        pattern = re.escape(path).replace(r"\{property_id\}", "[0-9a-f]{24}")
        for url in re.findall(r"<([^>]+)>", link["example"]):
            assert re.fullmatch(pattern + r"(\?.*)?", url), (path, url)
