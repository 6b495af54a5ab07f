"""Rate limits in a real Redis: one count for every worker; and the in-process store's costs."""

import concurrent.futures
import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from arcane import create_app, database, rate_limits
from tests.conftest import make_settings
from tests.factories import assert_error, sign_up

pytestmark = pytest.mark.production


def post_json(url: str, body: dict) -> int:
    request = urllib.request.Request(  # noqa: S310 (a 127.0.0.1 URL)
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_limit_holds_across_three_gunicorn_workers(start_gunicorn, redis_server):
    server = start_gunicorn(workers=3, RATELIMIT_STORAGE_URI=redis_server.uri)
    credentials = {"email": "camille.martin@arcane.example", "password": "wrong password"}
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        statuses = list(pool.map(lambda _: post_json(server.url + "/api/v1/auth/token", credentials), range(12)))
    assert set(statuses) == {401, 429}, statuses
    # 5 failures per (account, address): with three requests in flight, at most two more slip through.
    assert statuses.count(401) <= 7, statuses
    assert statuses.count(429) >= 5, statuses


@pytest.fixture
def redis_app(redis_server):
    app = create_app(make_settings(ratelimit_storage_uri=redis_server.uri, login_account_address_limit="3 per hour"))
    yield app
    database.disconnect()


def test_limits_count_in_redis(redis_app, redis_server):
    client = redis_app.test_client()
    account = sign_up(client)
    for _ in range(3):
        assert_error(client.post("/api/v1/auth/token", json={"email": account["email"], "password": "nope"}), 401)
    response = client.post("/api/v1/auth/token", json={"email": account["email"], "password": "nope"})
    assert_error(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    # A second app (another worker) on the same Redis sees the same count.
    other_worker = create_app(
        make_settings(ratelimit_storage_uri=redis_server.uri, login_account_address_limit="3 per hour")
    )
    response = other_worker.test_client().post(
        "/api/v1/auth/token", json={"email": account["email"], "password": "nope"}
    )
    assert_error(response, 429)


def test_an_unreachable_limits_store_is_a_quick_503():
    app = create_app(make_settings(ratelimit_storage_uri="redis://127.0.0.1:1/0"))
    try:
        started = time.monotonic()
        response = app.test_client().post("/api/v1/auth/token", json={"email": "a@example.com", "password": "x"})
        assert_error(response, 503)
        assert time.monotonic() - started < 2
        assert response.headers["Retry-After"]
    finally:
        database.disconnect()


def test_the_in_process_store_starts_no_thread(client, monkeypatch):
    started = []
    original_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda thread: started.append(thread) or original_start(thread))
    for _ in range(20):
        client.post("/api/v1/auth/token", json={"email": "nobody@example.com", "password": "wrong password"})
    assert started == []


def test_routes_without_a_limit_never_reach_the_store(app, client, user, monkeypatch):
    calls = []
    limits = app.extensions[rate_limits.EXTENSION]
    for method in ("incr", "get", "get_sliding_window", "acquire_sliding_window_entry"):
        original = getattr(limits.storage, method)
        monkeypatch.setattr(
            limits.storage, method, lambda *args, _original=original, **kw: calls.append(1) or _original(*args, **kw)
        )
    assert client.get("/api/v1/properties").status_code == 200
    assert client.get("/api/v1/users/me", headers=user.headers).status_code == 200
    assert client.get("/health").status_code == 200
    assert calls == []
    assert not any("limit" in getattr(hook, "__qualname__", "") for hook in app.before_request_funcs.get(None, []))
