"""A database that hangs or is down, under the production profile, default worker class and count.

The database is a local TCP listener that accepts connections and never answers (hung), or a
port nobody listens on (down). /health must answer within 1 s on every probe, so that the load
balancer keeps the instance; API calls must answer the JSON 503 quickly under 30 clients; /ready
must say 503.
"""

import concurrent.futures
import contextlib
import json
import os
import runpy
import socket
import threading
import time

import pytest

from tests.production.conftest import CONFIG, free_port, get

pytestmark = pytest.mark.production

STRONG_SECRET = "k3Yq9vX2pL7mN4bR8tW1zC6fH0jD5sGa"
TIMEOUT_MS = 2000  # MONGODB_TIMEOUT_MS's default
CLIENTS = 30
LOAD_SECONDS = 6.0


class HungDatabase(threading.Thread):
    """Accepts every connection and never says a word."""

    def __init__(self):
        super().__init__(daemon=True)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = []
        self.stopped = False

    def run(self):
        while not self.stopped:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def stop(self):
        self.stopped = True
        self.listener.close()
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.close()


@pytest.fixture
def hung_database():
    database = HungDatabase()
    database.start()
    yield f"mongodb://127.0.0.1:{database.port}/arcane"
    database.stop()


@pytest.fixture
def down_database():
    return f"mongodb://127.0.0.1:{free_port()}/arcane"


def default_worker_count(database_uri: str) -> int:
    """The workers config/gunicorn.conf.py starts for a real database, with nothing set."""
    # The config also sets PROMETHEUS_MULTIPROC_DIR: restored too, or this process's metrics would read it.
    names = ("GUNICORN_WORKERS", "WEB_CONCURRENCY", "MONGODB_URI", "PROMETHEUS_MULTIPROC_DIR")
    saved = {name: os.environ.pop(name, None) for name in names}
    os.environ["MONGODB_URI"] = database_uri
    try:
        return runpy.run_path(str(CONFIG))["workers"]
    finally:
        for name in names:
            os.environ.pop(name, None)
        os.environ.update({name: value for name, value in saved.items() if value is not None})


def start_production(start_gunicorn, database_uri):
    return start_gunicorn(
        workers=default_worker_count(database_uri),
        GUNICORN_WORKERS="",  # the default count, as the container runs it
        ARCANE_ENV="production",
        JWT_SECRET_KEY=STRONG_SECRET,
        MONGODB_URI=database_uri,
        # Never reached: the city listing counts against no limit.
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
    )


def timed_get(url: str, timeout: float) -> tuple[int, bytes, float]:
    started = time.monotonic()
    status, body = get(url, timeout=timeout)
    return status, body, time.monotonic() - started


def run_outage(server) -> dict:
    """30 clients on the city listing while /health is probed twice a second."""
    deadline = time.monotonic() + LOAD_SECONDS
    api_results, probes = [], []

    def client():
        while time.monotonic() < deadline:
            api_results.append(timed_get(server.url + "/api/v1/cities", timeout=15))

    def prober():
        while time.monotonic() < deadline:
            probes.append(timed_get(server.url + "/health", timeout=5))
            time.sleep(0.5)

    with concurrent.futures.ThreadPoolExecutor(CLIENTS + 1) as pool:
        futures = [pool.submit(client) for _ in range(CLIENTS)] + [pool.submit(prober)]
        for future in futures:
            future.result()
    return {"api": api_results, "probes": probes, "ready": timed_get(server.url + "/ready", timeout=5)}


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


@pytest.mark.parametrize("outage", ["hung_database", "down_database"])
def test_an_outage_never_takes_the_instance_out(start_gunicorn, request, outage):
    server = start_production(start_gunicorn, request.getfixturevalue(outage))
    results = run_outage(server)
    probe_times = [elapsed for status, _, elapsed in results["probes"]]
    assert [status for status, _, _ in results["probes"]] == [200] * len(results["probes"])
    assert max(probe_times) < 1.0, probe_times
    statuses = {status for status, _, _ in results["api"]}
    assert statuses == {503}, statuses
    assert all(json.loads(body)["code"] == 503 for _, body, _ in results["api"])
    api_p95 = p95([elapsed for _, _, elapsed in results["api"]])
    print(f"{outage}: {len(results['api'])} API calls, p95 {api_p95:.3f} s; /health max {max(probe_times):.3f} s")
    assert api_p95 < TIMEOUT_MS / 1000 + 1, api_p95
    status, body, _ = results["ready"]
    assert status == 503
    assert json.loads(body)["code"] == 503
