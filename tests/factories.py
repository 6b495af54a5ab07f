"""Plain functions that build test data through the public API."""


def assert_error(response, status_code: int) -> dict:
    """The response is an error in the one error shape, with this status."""
    assert response.status_code == status_code, response.get_data(as_text=True)
    body = response.json
    assert body["code"] == status_code
    assert isinstance(body["status"], str)
    assert body["status"]
    assert isinstance(body["message"], str)
    assert body["message"]
    assert set(body) <= {"code", "status", "message", "errors"}
    return body
