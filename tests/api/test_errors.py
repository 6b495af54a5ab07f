import pytest

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


def test_body_over_one_mebibyte_is_413(client):
    response = client.post("/api/v1/users", data="x" * (1024 * 1024 + 1), content_type="application/json")
    assert_error(response, 413)


@pytest.mark.parametrize(
    "user_id", ["123", "not-an-id", "6750c3e2a1b2c3d4e5f6071", "../../etc/passwd", "ZZZZZZZZZZZZZZZZZZZZZZZZ"]
)
def test_malformed_id_in_url_is_404(client, user_id):
    assert_error(client.get(f"/api/v1/users/{user_id}"), 404)


def test_unexpected_exception_is_a_json_500_without_trace(app, client):
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    response = client.get("/explode")
    body = assert_error(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in body["message"]
