"""The gunicorn settings the container runs with, read from the environment as gunicorn does."""

import gc
import runpy
from pathlib import Path

import pytest

from arcane.settings import SettingsError

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"
VARIABLES = (
    "HOST",
    "PORT",
    "MONGODB_URI",
    "GUNICORN_WORKERS",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "ARCANE_WORKER_CLASS",
    "LOG_LEVEL",
    "PROMETHEUS_MULTIPROC_DIR",
)
REAL_URI = "mongodb://mongo:27017/arcane"


def load_config(monkeypatch, **environ) -> dict:
    """Execute the config file under the given environment (and nothing else of ours)."""
    for name in VARIABLES:
        # Set, then deleted: both recorded, so whatever the file sets in os.environ is undone after the test.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_defaults_serve_the_container_port_with_meinheld(monkeypatch):
    config = load_config(monkeypatch, MONGODB_URI=REAL_URI)
    assert config["bind"] == ["0.0.0.0:5222"]
    assert config["wsgi_app"] == "arcane:create_app()"
    assert config["worker_class"] == "arcane.workers.MeinheldWorker"
    assert config["preload_app"] is False
    assert config["accesslog"] is None  # the app writes its own JSON access log
    assert config["errorlog"] == "-"


def test_host_and_port_come_from_the_environment(monkeypatch):
    config = load_config(monkeypatch, HOST="127.0.0.1", PORT="8080", MONGODB_URI=REAL_URI)
    assert config["bind"] == ["127.0.0.1:8080"]


def test_workers_follow_the_cpus_with_a_real_database(monkeypatch):
    config = load_config(monkeypatch, MONGODB_URI=REAL_URI)
    assert config["workers"] == 2 * config["_cpu_count"]() + 1


@pytest.mark.parametrize("variable", ["WEB_CONCURRENCY", "GUNICORN_WORKERS"])
def test_worker_count_can_be_set(monkeypatch, variable):
    config = load_config(monkeypatch, MONGODB_URI=REAL_URI, **{variable: "3"})
    assert config["workers"] == 3
    assert config["workers_reason"] == variable


@pytest.mark.parametrize("uri", [None, "", "mongomock://localhost/arcane"])
def test_the_embedded_database_forces_one_worker(monkeypatch, uri):
    environ = {"WEB_CONCURRENCY": "4"} if uri is None else {"WEB_CONCURRENCY": "4", "MONGODB_URI": uri}
    config = load_config(monkeypatch, **environ)
    assert config["workers"] == 1
    assert "embedded database" in config["workers_reason"]


def test_gunicorn_workers_overrides_the_embedded_limit_for_server_tests(monkeypatch):
    config = load_config(monkeypatch, GUNICORN_WORKERS="2")
    assert config["workers"] == 2
    assert "tests of the server only" in config["workers_reason"]


def test_gthread_can_be_chosen(monkeypatch):
    config = load_config(monkeypatch, ARCANE_WORKER_CLASS="gthread", GUNICORN_THREADS="8")
    assert config["worker_class"] == "gthread"
    assert config["threads"] == 8


@pytest.mark.parametrize(
    ("variable", "value"),
    [("ARCANE_WORKER_CLASS", "eventlet"), ("GUNICORN_WORKERS", "0"), ("WEB_CONCURRENCY", "many")],
)
def test_bad_values_fail_fast(monkeypatch, variable, value):
    with pytest.raises(SettingsError, match=variable):
        load_config(monkeypatch, MONGODB_URI=REAL_URI, **{variable: value})


def test_a_worker_freezes_what_its_start_up_built(monkeypatch):
    config = load_config(monkeypatch)
    built = object.__new__(type("Built", (), {}))  # tracked by the collector
    try:
        config["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
        assert not any(found is built for found in gc.get_objects())  # frozen: out of every generation
    finally:
        gc.unfreeze()
