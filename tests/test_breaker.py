"""The database breaker: fail fast during an outage, one request to try after a while, closed by a success."""

import pytest

from arcane import create_app, database
from tests.conftest import REAL_MONGODB_URI, make_settings


@pytest.fixture
def breaker(monkeypatch):
    clock = {"now": 100.0}
    monkeypatch.setattr(database.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(database, "_server_available", lambda: True)
    breaker = database.Breaker(seconds=2.0)
    breaker.clock = clock
    return breaker


def test_a_closed_breaker_lets_requests_through(breaker):
    assert breaker.allow()
    assert breaker.allow()


def test_an_outage_opens_it_then_one_request_tries_after_the_interval(breaker):
    breaker.failed()
    assert not breaker.allow()
    breaker.clock["now"] += 2.1
    assert breaker.allow()  # the one that tries
    assert not breaker.allow()  # the others still fail fast meanwhile


def test_a_success_closes_it(breaker):
    breaker.failed()
    breaker.clock["now"] += 2.1
    assert breaker.allow()
    breaker.succeeded()
    assert breaker.allow()
    assert breaker.allow()


def test_a_failed_try_keeps_it_open(breaker):
    breaker.failed()
    breaker.clock["now"] += 2.1
    assert breaker.allow()
    breaker.failed()
    assert not breaker.allow()


def test_no_server_seen_by_the_driver_means_fail_fast(breaker, monkeypatch):
    monkeypatch.setattr(database, "_server_available", lambda: False)
    assert not breaker.allow()


@pytest.mark.skipif(not REAL_MONGODB_URI, reason="needs a real MongoDB: set ARCANE_TEST_MONGODB_URI")
def test_requests_succeed_again_once_the_database_answers():
    app = create_app(make_settings())
    try:
        client = app.test_client()
        app.extensions[database.BREAKER_EXTENSION].failed()
        assert client.get("/api/v1/cities").status_code == 503
        app.extensions[database.BREAKER_EXTENSION].open_until = 1.0  # the interval is over
        assert client.get("/api/v1/cities").status_code == 200
        assert client.get("/ready").status_code == 200
    finally:
        database.disconnect()
