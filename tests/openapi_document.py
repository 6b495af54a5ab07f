"""Walk the service's own OpenAPI document: operations, their bodies, and URLs with real ids."""

import re

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
WRITE_METHODS = ("post", "put", "patch", "delete")


def load(client) -> dict:
    response = client.get("/docs/openapi.json")
    assert response.status_code == 200
    return response.json


def operations(spec):
    """(path, method, operation) for every operation of the document."""
    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def write_operations(spec):
    return [(path, method, operation) for path, method, operation in operations(spec) if method in WRITE_METHODS]


def is_public(operation) -> bool:
    return operation["security"] == []


def request_schema(spec, operation) -> dict | None:
    """The schema of the operation's JSON body, references resolved, or None when it takes none."""
    body = operation.get("requestBody")
    if body is None:
        return None
    return resolve(spec, body["content"]["application/json"]["schema"])


def resolve(spec, schema: dict) -> dict:
    if "$ref" in schema:
        return resolve(spec, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    if len(schema.get("allOf", ())) == 1:
        # A reference with siblings (readOnly, example...), which OpenAPI 3.0 puts beside an allOf.
        siblings = {key: value for key, value in schema.items() if key != "allOf"}
        return {**resolve(spec, schema["allOf"][0]), **siblings}
    return schema


def schema_name(operation) -> str:
    return operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]


def url(path: str, values: dict) -> str:
    """The path with its {parameters} replaced by the given values."""
    return re.sub(r"\{(\w+)\}", lambda match: str(values[match.group(1)]), path)


def path_parameters(path: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", path)
