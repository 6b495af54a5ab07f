"""Gunicorn settings for the container image: every knob comes from the environment.

Run with ``gunicorn -c config/gunicorn.conf.py "arcane:create_app()"``.

Requests are bounded by the database timeouts (MONGODB_TIMEOUT_MS), not by ``timeout`` below:
the meinheld worker does not enforce gunicorn's request timeout on a blocking handler (its
watchdog only notices a worker that stopped answering altogether), so a slow query must fail on
its own, and it does, after MONGODB_TIMEOUT_MS.
"""

import gc
import os
import shutil
import tempfile

# prometheus_client's multiprocess mode: every worker writes its metrics to files in this directory,
# and /metrics, whichever worker answers, adds up all of them (arcane/metrics.py). prometheus_client
# reads the variable once, when it is first imported, and the master may import it before any hook
# runs (importing arcane.settings below imports the app's package), so it is set first.
# The operator's directory is used if given; else one named after this master, made at start-up and
# removed at exit.
METRICS_DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
TMPFS = "/dev/shm"  # noqa: S108 (tmpfs, not a shared temp file)
OWN_METRICS_DIRECTORY = os.path.join(
    TMPFS if os.path.isdir(TMPFS) else tempfile.gettempdir(), f"arcane-metrics-{os.getpid()}"
)
if not os.environ.get(METRICS_DIRECTORY_VARIABLE, "").strip():
    os.environ[METRICS_DIRECTORY_VARIABLE] = OWN_METRICS_DIRECTORY

from arcane.settings import EMBEDDED_SCHEME, EMBEDDED_URI, SettingsError, read_integer  # noqa: E402 (after the above)

DEFAULT_HOST = "0.0.0.0"  # noqa: S104 (the container's port is published; the host decides exposure)
DEFAULT_PORT = "5222"
# meinheld is the project's worker (arcane.workers.MeinheldWorker, meinheld with a master that
# survives a worker's death); gthread is gunicorn's threaded worker. meinheld is the default: in
# the benchmark (README, Performance) it served more requests per second on every operation but
# sign-in (argon2-bound, a tie) and used less memory. Set ARCANE_WORKER_CLASS to switch.
WORKER_CLASSES = {"meinheld": "arcane.workers.MeinheldWorker", "gthread": "gthread"}
DEFAULT_WORKER_CLASS = "meinheld"


def _positive_integer(name: str, default: int) -> int:
    return read_integer(os.environ, name, default, minimum=1)


def _cpu_count() -> int:
    """CPUs this process may use: the affinity mask, capped by a cgroup v2 CPU quota if any."""
    count = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as cpu_max:
            quota, period = cpu_max.read().split()
    except (OSError, ValueError):
        return count
    if quota == "max":
        return count
    return max(1, min(count, -(-int(quota) // int(period))))


def _embedded_database() -> bool:
    return (os.environ.get("MONGODB_URI", "").strip() or EMBEDDED_URI).startswith(EMBEDDED_SCHEME)


def _workers() -> tuple[int, str]:
    """The number of worker processes, and why."""
    explicit = os.environ.get("GUNICORN_WORKERS", "").strip()
    if explicit:
        # Honoured even with the embedded database: each worker then has a database of its own,
        # which only tests of the server itself (tests/production) may want.
        reason = "GUNICORN_WORKERS"
        if _embedded_database():
            reason += ", with one embedded database per worker: for tests of the server only"
        return _positive_integer("GUNICORN_WORKERS", 1), reason
    if _embedded_database():
        return 1, (
            "the embedded database (MONGODB_URI unset or mongomock://) lives inside one process: "
            "more workers would each see a different database"
        )
    if os.environ.get("WEB_CONCURRENCY", "").strip():
        return _positive_integer("WEB_CONCURRENCY", 1), "WEB_CONCURRENCY"
    # A request mostly waits on the database without yielding (pymongo is not patched for
    # meinheld), so the classic 2 x CPUs + 1 processes keep the CPUs busy.
    return 2 * _cpu_count() + 1, "2 x CPUs + 1"


def _worker_class() -> str:
    name = os.environ.get("ARCANE_WORKER_CLASS", "").strip().lower() or DEFAULT_WORKER_CLASS
    if name not in WORKER_CLASSES:
        raise SettingsError(f"ARCANE_WORKER_CLASS must be one of {', '.join(WORKER_CLASSES)}, not {name!r}")
    return WORKER_CLASSES[name]


bind = [f"{os.environ.get('HOST', '').strip() or DEFAULT_HOST}:{os.environ.get('PORT', '').strip() or DEFAULT_PORT}"]
workers, workers_reason = _workers()
worker_class = _worker_class()
threads = _positive_integer("GUNICORN_THREADS", 4)  # gthread only; meinheld serves connections asynchronously
worker_connections = 1000  # meinheld: open connections per worker

# No preload: each worker imports and builds the app itself, so no pymongo client crosses a fork.
preload_app = False
wsgi_app = "arcane:create_app()"

timeout = _positive_integer("GUNICORN_TIMEOUT", 30)  # a silent worker is killed and replaced after this
graceful_timeout = _positive_integer("GUNICORN_GRACEFUL_TIMEOUT", 20)
# Longer than the load balancer's idle timeout (60 s on an ALB), so the balancer, not gunicorn,
# closes idle connections and never reuses one gunicorn has just closed (a 502).
keepalive = _positive_integer("GUNICORN_KEEPALIVE", 75)

# Request head limits: a JWT in one Authorization header fits comfortably.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# The heartbeat file on tmpfs: a disk-backed /tmp can stall workers (gunicorn's FAQ).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (tmpfs, not a shared temp file)


# The app logs one JSON line per request itself (route, status, duration, user and request ids),
# so gunicorn's own access log, a second and unstructured line per request, is off. Errors go to
# stderr, which the log driver ships.
accesslog = None
# Should an operator turn the access log on (--access-logfile -), its lines hold the path without
# the query string (%(U)s, not %(r)s) and no referer, which may carry another page's query string:
# tokens or emails put in a URL stay out of the logs. arcane.workers formats meinheld's the same way.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(D)s "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").strip().lower() or "info"

# The runtime control socket (gunicornc) is not used, and its default path in $HOME would be
# shared by every instance on the machine.
control_socket_disable = True
proc_name = "arcane"


def on_starting(server):
    """Say how many workers of which class will run, and why that many; prepare the metrics directory."""
    log = server.log.warning if _embedded_database() else server.log.info
    log("%s worker(s) of class %s (%s)", workers, worker_class, workers_reason)
    _prepare_metrics_directory(server)


def _prepare_metrics_directory(server):
    """Give the workers an empty metrics directory: numbers left by an earlier run would add up with ours."""
    directory = os.environ[METRICS_DIRECTORY_VARIABLE]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))
    server.log.info("metrics of all workers in %s", directory)


def post_worker_init(worker):
    """Keep what the app's start-up built out of the garbage collector's full collections."""
    # The app, its OpenAPI document, schemas and routes live as long as the worker. Frozen (moved
    # to the permanent generation, as Python's gc documentation advises for pre-fork servers), a
    # full collection no longer walks them: in-process, 1,500 reads of one property spent 22 us
    # a request in the collector before, 3.5 us after.
    gc.freeze()


def child_exit(server, worker):
    """Tell prometheus_client that a worker has gone: its live gauges stop counting (counters stay)."""
    from prometheus_client import multiprocess  # imported once the directory is set, not before

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    """Remove the metrics directory this master made, if it made one."""
    if os.environ.get(METRICS_DIRECTORY_VARIABLE) == OWN_METRICS_DIRECTORY:
        shutil.rmtree(OWN_METRICS_DIRECTORY, ignore_errors=True)
