"""What the servers write to their logs: one JSON line per request, never a query string."""

import importlib.util
import json

import pytest

pytestmark = pytest.mark.production

SECRET_QUERY = "?access_token=eyJsecret&email=camille.secret%40example.com"
SECRETS = ("eyJsecret", "camille.secret", "access_token")


def test_make_run_logs_one_json_line_per_request_and_no_query_string(start_flask_run):
    server = start_flask_run()
    # /health takes no parameter: these are refused (422), and must not reach the log either way.
    assert server.get("/health" + SECRET_QUERY)[0] == 422
    assert server.get("/api/v1/nowhere" + SECRET_QUERY)[0] == 404
    server.stop()
    log = server.log()
    for secret in SECRETS:
        assert secret not in log
    assert "\x1b[" not in log
    requests = [line for line in log.splitlines() if '"GET' in line or "GET /" in line]
    assert all(line.startswith("{") for line in requests), requests
    access = [json.loads(line) for line in log.splitlines() if '"logger": "arcane.access"' in line]
    # (The fixture polled /health until the server answered: those requests come first.)
    assert [(entry["path"], entry["status"]) for entry in access[-2:]] == [("/health", 422), ("<unmatched>", 404)]
    assert len(requests) == len(access)


@pytest.mark.parametrize(
    "worker_class",
    [
        "gthread",
        pytest.param(
            "meinheld",
            marks=pytest.mark.skipif(importlib.util.find_spec("meinheld") is None, reason="meinheld is not installed"),
        ),
    ],
)
def test_gunicorn_access_log_has_no_query_string(start_gunicorn, worker_class):
    server = start_gunicorn("--access-logfile", "-", ARCANE_WORKER_CLASS=worker_class)
    assert server.get("/health" + SECRET_QUERY)[0] == 422
    server.stop()
    log = server.log()
    assert '"GET /health"' in log  # the access line is there...
    for secret in SECRETS:
        assert secret not in log  # ...without the query string
