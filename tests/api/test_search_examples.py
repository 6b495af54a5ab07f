"""The OpenAPI examples of the search parameters find results on the demo data."""

import pytest

from arcane import demo
from tests.openapi_document import load

SEARCHED = {
    "/api/v1/properties": ["min_area", "max_area", "room_kind", "feature", "q", "sort"],
    "/api/v1/cities": ["prefix", "sort"],
}


@pytest.fixture
def documented_examples(app, client):
    with app.app_context():
        demo.seed()
    spec = load(client)
    examples = {}
    for path, names in SEARCHED.items():
        parameters = {parameter["name"]: parameter for parameter in spec["paths"][path]["get"]["parameters"]}
        for name in names:
            parameter = parameters[name]
            examples[(path, name)] = parameter.get("example", parameter["schema"].get("example"))
    return examples


def test_every_search_parameter_has_an_example_that_finds_results_on_the_demo_data(client, documented_examples):
    for (path, name), example in documented_examples.items():
        assert example is not None, f"{name} of {path} has no example"
        response = client.get(path, query_string={name: example})
        assert response.status_code == 200, (name, response.json)
        assert response.json, f"{name}={example!r} finds nothing on the demo data"
