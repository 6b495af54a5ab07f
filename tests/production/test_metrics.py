"""/metrics under the real gunicorn with several workers: every scrape counts every worker's requests."""

import os
import signal
import threading

import pytest

from tests.production.test_worker_crash import needs_meinheld
from tests.test_metrics import requests

pytestmark = pytest.mark.production

WORKERS = 2
CLIENTS = 8
REQUESTS_PER_CLIENT = 15
SCRAPES = 8


def scrape(server) -> dict:
    from prometheus_client.parser import text_string_to_metric_families

    status, body = server.get("/metrics")
    assert status == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def send_concurrently(server, path: str) -> None:
    """CLIENTS threads sending REQUESTS_PER_CLIENT requests each, on new connections: both workers serve.

    Not /health, which the fixture itself calls to see that the workers are up.
    """
    failures = []

    def client():
        for _ in range(REQUESTS_PER_CLIENT):
            if server.get(path, timeout=5.0)[0] != 200:
                failures.append(path)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures


@pytest.mark.parametrize("worker_class", ["gthread", pytest.param("meinheld", marks=needs_meinheld)])
def test_every_scrape_adds_up_all_workers_even_after_one_dies(start_gunicorn, worker_class):
    server = start_gunicorn(workers=WORKERS, ARCANE_WORKER_CLASS=worker_class)
    send_concurrently(server, "/ready")
    total = CLIENTS * REQUESTS_PER_CLIENT
    for _ in range(SCRAPES):  # scrapes land on either worker
        assert requests(scrape(server), "GET", "/ready", 200) == total

    workers = server.workers()
    os.kill(min(workers), signal.SIGKILL)
    server.wait_for_workers(WORKERS, excluding={min(workers)})
    for _ in range(SCRAPES):  # the dead worker's counts are kept
        assert requests(scrape(server), "GET", "/ready", 200) == total


def test_an_operator_metrics_directory_is_emptied_at_start(start_gunicorn, tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"left by an earlier run")
    server = start_gunicorn(ARCANE_WORKER_CLASS="gthread", PROMETHEUS_MULTIPROC_DIR=str(directory))
    server.get("/ready")
    assert requests(scrape(server), "GET", "/ready", 200) == 1
    assert "counter_1.db" not in os.listdir(directory)
