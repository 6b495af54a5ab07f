"""OWASP API8:2023 Security Misconfiguration.

Production refuses unsafe settings and runs without debug; no error shows a stack trace; every route
answers a wrong method with 405 and the methods it allows. (CORS and security headers are tested
with their implementation.)
"""

import re
from collections import defaultdict

import pytest

from arcane import create_app
from arcane.settings import SETTINGS_EXTENSION, Settings, SettingsError
from tests.conftest import STRONG_SECRET, running_app
from tests.factories import assert_error

# A database that refuses connections at once: the production app starts and reports it unready.
UNREACHABLE_DATABASE = "mongodb://127.0.0.1:1/arcane"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def production_environment(**changes):
    environ = {
        "ARCANE_ENV": "production",
        "JWT_SECRET_KEY": STRONG_SECRET,
        "MONGODB_URI": UNREACHABLE_DATABASE,
        "MONGODB_TIMEOUT_MS": "100",
        # Never reached by these tests: no request here counts against a limit.
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
    }
    environ.update(changes)
    return {key: value for key, value in environ.items() if value is not None}


@pytest.fixture
def production_app():
    with running_app(Settings.from_env(production_environment())) as app:
        yield app


def test_production_app_runs_without_debug_or_testing(production_app):
    assert not production_app.debug
    assert not production_app.testing
    assert production_app.config["PROPAGATE_EXCEPTIONS"] is False
    assert not production_app.extensions[SETTINGS_EXTENSION].embedded


@pytest.mark.parametrize(
    "changes",
    [
        {"ARCANE_DEBUG": "true"},
        {"JWT_SECRET_KEY": None},
        {"JWT_SECRET_KEY": "secret"},
        {"JWT_SECRET_KEY": "ab" * 20},
        {"MONGODB_URI": None},
        {"MONGODB_URI": "mongomock://localhost/arcane"},
        {"RATELIMIT_STORAGE_URI": None},
        {"RATELIMIT_STORAGE_URI": "memory://"},
    ],
    ids=[
        "debug",
        "no secret",
        "weak secret",
        "repetitive secret",
        "default database",
        "embedded database",
        "default limits store",
        "in-process limits store",
    ],
)
def test_production_refuses_to_start_unsafe(changes):
    with pytest.raises(SettingsError):
        create_app(Settings.from_env(production_environment(**changes)))


def test_production_errors_show_no_stack_trace(production_app):
    def explode():
        raise RuntimeError("secret internals at /srv/arcane/app.py line 42")

    production_app.add_url_rule("/explode", "explode", explode)
    client = production_app.test_client()
    for url, status in [("/explode", 500), ("/ready", 503), ("/api/v1/nowhere", 404)]:
        response = client.get(url)
        body = assert_error(response, status)
        text = response.get_data(as_text=True)
        assert "Traceback" not in text
        assert "secret internals" not in text
        assert "pymongo" not in text.lower()
        assert body["message"]
        assert response.mimetype == "application/json"


def test_every_route_answers_a_wrong_method_with_405_and_allow(app, client, world):
    allowed = defaultdict(set)
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            allowed[rule.rule] |= rule.methods
    checked = 0
    for rule, methods in allowed.items():
        url = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda match: str(world.path_values.get(match.group(1), "x")), rule)
        for method in set(METHODS) - methods:
            response = client.open(url, method=method)
            assert_error(response, 405)
            assert set(response.headers["Allow"].replace(" ", "").split(",")) == methods, (method, rule)
            checked += 1
    assert checked > 50
