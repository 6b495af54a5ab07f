import time

from tests.conftest import make_settings, running_app
from tests.factories import assert_error, sign_up_form


def test_health_answers_without_the_database(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_ready_pings_the_database(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_a_database_that_does_not_answer_gives_503_within_the_timeout():
    # Port 9 on the loopback: nothing listens there, so every connection is refused.
    with running_app(make_settings(mongodb_uri="mongodb://127.0.0.1:9/arcane", mongodb_timeout_ms=300)) as app:
        client = app.test_client()
        assert client.get("/health").status_code == 200
        for request in (lambda: client.get("/ready"), lambda: client.post("/api/v1/users", json=sign_up_form())):
            started = time.monotonic()
            body = assert_error(request(), 503)
            # The configured 300 ms, plus generous room for a busy machine; never a hang.
            assert time.monotonic() - started < 3
            assert "database" in body["message"].lower()
