from tests.factories import assert_error


def test_unknown_route_is_a_json_404(client):
    assert_error(client.get("/api/v1/nowhere"), 404)


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.post("/health")
    assert_error(response, 405)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}


def test_unexpected_exception_is_a_json_500_without_trace(app, client):
    def explode():
        raise RuntimeError("secret internals")

    app.add_url_rule("/explode", "explode", explode)
    response = client.get("/explode")
    body = assert_error(response, 500)
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in body["message"]
