"""The real gunicorn, as the container runs it: a worker's death must not take the service down."""

import importlib.util
import os
import signal
import threading
import time

import pytest

from scripts.c_compiler import c_compiler_problem
from tests.production.conftest import health_is_ok


def meinheld_missing_reason() -> str:
    """Why meinheld is not installed, naming the missing C compiler when that is the cause."""
    if problem := c_compiler_problem():
        return (
            f"meinheld is not installed: it builds from source and {problem}; "
            "install a C compiler, then make install-meinheld"
        )
    return "meinheld is not installed: make install-meinheld"


HAS_MEINHELD = importlib.util.find_spec("meinheld") is not None
needs_meinheld = pytest.mark.skipif(not HAS_MEINHELD, reason=meinheld_missing_reason())
pytestmark = pytest.mark.production

TRAFFIC_BEFORE_KILL_SECONDS = 1.0
TRAFFIC_AFTER_KILL_SECONDS = 2.0
MIN_REQUESTS = 200
REQUESTS_AFTER_RECOVERY = 50


class Traffic(threading.Thread):
    """One client sending GET /health back to back, each on a new connection, for a bounded time."""

    def __init__(self, server, seconds: float):
        super().__init__(daemon=True)
        self.server = server
        self.deadline = time.monotonic() + seconds
        self.results: list[bool] = []

    def run(self):
        while time.monotonic() < self.deadline:
            self.results.append(health_is_ok(self.server.get("/health", timeout=2.0)))


def kill_a_worker_under_traffic(server):
    """SIGKILL one of two workers while requests flow; the traffic's results and the victim."""
    traffic = Traffic(server, TRAFFIC_BEFORE_KILL_SECONDS + TRAFFIC_AFTER_KILL_SECONDS)
    traffic.start()
    time.sleep(TRAFFIC_BEFORE_KILL_SECONDS)
    victim = min(server.workers())
    os.kill(victim, signal.SIGKILL)
    traffic.join(TRAFFIC_AFTER_KILL_SECONDS + 5)
    return traffic.results, victim


@needs_meinheld
def test_the_master_replaces_a_killed_meinheld_worker_and_keeps_serving(start_gunicorn):
    server = start_gunicorn(workers=2, ARCANE_WORKER_CLASS="meinheld")
    assert "arcane.workers.MeinheldWorker" in server.log()

    results, victim = kill_a_worker_under_traffic(server)
    print(f"{results.count(True)} of {len(results)} requests answered while worker {victim} was killed")

    assert len(results) >= MIN_REQUESTS, "too little traffic to measure a 99% success rate"
    assert sum(results) / len(results) >= 0.99, f"{results.count(False)} of {len(results)} requests failed"
    assert server.process.poll() is None, server.log()
    replacements = server.wait_for_workers(2, excluding={victim})
    assert victim not in replacements
    assert all(health_is_ok(server.get("/health")) for _ in range(REQUESTS_AFTER_RECOVERY))
    assert f"Worker (pid:{victim}) was sent SIGKILL" in server.log()
    assert "Traceback" not in server.log()


@needs_meinheld
def test_the_stock_meinheld_worker_lets_the_master_crash(start_gunicorn, tmp_path):
    """Regression check: why arcane.workers exists. If this starts failing, meinheld fixed it."""
    # The crashed master cannot remove a metrics directory of its own: this one goes with tmp_path.
    metrics_directory = str(tmp_path / "metrics")
    server = start_gunicorn(
        "--worker-class", "meinheld.gmeinheld.MeinheldWorker", workers=2, PROMETHEUS_MULTIPROC_DIR=metrics_directory
    )

    kill_a_worker_under_traffic(server)

    assert server.process.wait(10) != 0
    assert "_error() got an unexpected keyword argument 'exc_info'" in server.log()


@needs_meinheld
def test_meinheld_serves_the_api_and_logs_requests_once(start_gunicorn):
    server = start_gunicorn(ARCANE_WORKER_CLASS="meinheld")

    assert health_is_ok(server.get("/health"))
    assert server.get("/no-such-page")[0] == 404
    app_line = '"path": "<unmatched>", "status": 404'
    deadline = time.monotonic() + 2
    while app_line not in server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    # The app's JSON line, and no second line from the server's own access log.
    assert app_line in server.log()
    assert '"GET /no-such-page HTTP/1.1" 404' not in server.log()
    assert '"- - HTTP/1.0"' not in server.log()


def test_gthread_serves_health_and_readiness(start_gunicorn):
    server = start_gunicorn(ARCANE_WORKER_CLASS="gthread")

    assert health_is_ok(server.get("/health"))
    assert health_is_ok(server.get("/ready"))
    assert "Using worker: gthread" in server.log()
