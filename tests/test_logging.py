import json
import logging

import pytest

from arcane.observability import JsonFormatter
from tests.factories import sign_up_form

PERSONAL = ("camille@example.com", "Camille@Example.com", "correct horse battery", "1990-05-17", "eyJ")


@pytest.fixture
def log_lines(caplog):
    caplog.set_level(logging.DEBUG)

    def lines():
        return [JsonFormatter().format(record) for record in caplog.records]

    return lines


def test_one_json_line_per_request_with_route_status_duration_and_request_id(client, log_lines, user):
    client.get(f"/api/v1/users/{user.id}", headers={"X-Request-ID": "trace-123"})
    entries = [json.loads(line) for line in log_lines()]
    access = [entry for entry in entries if entry["logger"] == "arcane.access"]
    assert access[-1]["path"] == "/api/v1/users/<objectid:user_id>"
    assert access[-1]["status"] == 200
    assert access[-1]["request_id"] == "trace-123"
    assert access[-1]["method"] == "GET"
    assert access[-1]["duration_ms"] >= 0


def test_the_user_id_is_logged_for_authenticated_requests(client, log_lines, user):
    client.get("/api/v1/users/me", headers=user.headers)
    access = [json.loads(line) for line in log_lines() if '"arcane.access"' in line]
    assert access[-1]["user_id"] == user.id


def test_sign_up_and_sign_in_log_no_personal_data(client, log_lines):
    client.post("/api/v1/users", json=sign_up_form(email="Camille@Example.com"))
    client.post("/api/v1/auth/token", json={"email": "camille@example.com", "password": "correct horse battery"})
    client.post("/api/v1/auth/token", json={"email": "camille@example.com", "password": "wrong password!"})
    text = "\n".join(log_lines())
    assert "arcane.access" in text
    for secret in PERSONAL:
        assert secret not in text


def test_request_id_is_echoed_or_made(client):
    assert client.get("/health", headers={"X-Request-ID": "abc.DEF_1-2"}).headers["X-Request-ID"] == "abc.DEF_1-2"
    made = client.get("/health").headers["X-Request-ID"]
    assert len(made) == 32


@pytest.mark.parametrize("hostile", ["x" * 129, "has space", "<script>", "", "é"])
def test_unacceptable_request_ids_are_replaced(client, hostile):
    assert client.get("/health", headers={"X-Request-ID": hostile}).headers["X-Request-ID"] != hostile


def test_request_ids_are_echoed_even_when_the_access_log_is_off(client, caplog):
    caplog.set_level(logging.WARNING)
    response = client.get("/health", headers={"X-Request-ID": "quiet-1"})
    assert response.headers["X-Request-ID"] == "quiet-1"
    assert not [record for record in caplog.records if record.name == "arcane.access"]
