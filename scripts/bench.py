"""Benchmark Arcane against a bare Flask + pymongo baseline, operation by operation, with wrk.

    .venv/bin/python -m scripts.bench            # a few minutes; `make bench` installs what it needs first
    .venv/bin/python -m scripts.bench --quick    # about a minute
    .venv/bin/python -m scripts.bench --help

For each worker class it starts Arcane (``scripts/bench_arcane_app.py``) and the baseline
(``scripts/bench_baseline.py``) with gunicorn on free 127.0.0.1 ports, both seeded with the same
documents, then for each operation runs wrk against one and the other in turn (A B A B ...), and
reports medians of throughput and latency, the Arcane/baseline ratio, and each worker's memory.
docs/benchmark.md says what the numbers mean and what they do not.
"""

import argparse
import contextlib
import dataclasses
import datetime as dt
import http.client
import importlib
import json
import os
import platform
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from scripts.bench_data import (
    CITIES,
    DEFAULT_PROPERTIES,
    DEFAULT_SEED,
    DEFAULT_USERS,
    PASSWORD,
    PROPERTY_TYPES,
    ROOM_FEATURES,
    ROOM_KINDS,
    build_dataset,
    insert_dataset,
    write_dataset,
)

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "config" / "gunicorn.conf.py"
WORKER_CLASSES = {"gthread": "gthread", "meinheld": "arcane.workers.MeinheldWorker"}
SERVER_APPS = {"arcane": "scripts.bench_arcane_app:serve()", "baseline": "scripts.bench_baseline:serve()"}
EMBEDDED_URI = "mongomock://localhost/arcane_bench"
ERROR_THRESHOLD = 0.01  # more than 1% of failed requests makes a result an error
PAGE_SIZE = 20
UNREACHED_LIMIT = "1000000 per hour"
ROTATION = 50  # distinct requests each wrk connection cycles through
WRK_INSTALL_HINT = (
    "wrk is not installed. Install it with `sudo apt-get install wrk` (Debian, Ubuntu) "
    "or `brew install wrk` (macOS), then run the benchmark again."
)
LUA_DONE = """
function done(summary, latency, _)
  local errors = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\\"requests\\":%d,\\"duration_us\\":%d,\\"bytes\\":%d,\\"non_2xx\\":%d,"
    .. "\\"connect_errors\\":%d,\\"read_errors\\":%d,\\"write_errors\\":%d,\\"timeouts\\":%d,"
    .. "\\"p50_us\\":%d,\\"p90_us\\":%d,\\"p99_us\\":%d,\\"mean_us\\":%.1f,\\"max_us\\":%d}\\n",
    summary.requests, summary.duration, summary.bytes, errors.status,
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
"""


@dataclasses.dataclass(frozen=True)
class Request:
    """One HTTP request as wrk sends it."""

    method: str
    path: str
    body: str | None = None
    token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers


@dataclasses.dataclass(frozen=True)
class Operation:
    """A benchmarked operation: the route it needs and the requests that exercise it."""

    name: str
    title: str
    route: str  # OpenAPI path, "{}" for any parameter: the operation runs only when Arcane has it
    expected_status: int
    build: Callable[[dict, dict], list[Request]]  # (dataset, access token by user id) -> requests to rotate
    write: bool = False


def _json_body(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def _city_listing(dataset, tokens):
    # As people type them: with or without accents and hyphens, any case.
    spellings = [name for name, _ in CITIES] + [name.lower().replace(" ", "-") for name, _ in CITIES]
    return [
        Request(
            "GET", f"/api/v1/properties?{urllib.parse.urlencode({'city': city, 'page': 1, 'page_size': PAGE_SIZE})}"
        )
        for city in spellings
    ]


def _property_by_id(dataset, tokens):
    return [Request("GET", f"/api/v1/properties/{document['_id']}") for document in dataset["properties"][:ROTATION]]


def _cities(dataset, tokens):
    return [Request("GET", f"/api/v1/cities?page=1&page_size={PAGE_SIZE}")]


def _create_property(dataset, tokens):
    requests = []
    users = dataset["users"]
    for index in range(ROTATION):
        city = CITIES[index % len(CITIES)][0]
        kind = PROPERTY_TYPES[index % len(PROPERTY_TYPES)][0]
        form = {"name": f"New {kind} in {city}", "description": "Listed by the benchmark.", "type": kind, "city": city}
        if index % 2:
            form["rooms"] = [_room_form(index), _room_form(index + 1)]
        token = tokens[users[index % len(users)]["_id"]]
        requests.append(Request("POST", "/api/v1/properties", _json_body(form), token))
    return requests


def _add_room(dataset, tokens):
    # Every property, each with its owner's token: a property takes at most 100 rooms, so the
    # additions of one run must be spread wide.
    return [
        Request(
            "POST",
            f"/api/v1/properties/{document['_id']}/rooms",
            _json_body(_room_form(index)),
            tokens[document["owner"]],
        )
        for index, document in enumerate(dataset["properties"])
    ]


def _room_form(index: int) -> dict:
    kind = ROOM_KINDS[index % len(ROOM_KINDS)]
    form = {"name": kind.capitalize(), "kind": kind, "area_m2": 8.5 + index % 20}
    if index % 3:
        form["floor"] = index % 4
        form["features"] = [ROOM_FEATURES[index % len(ROOM_FEATURES)]]
    return form


def _login(dataset, tokens):
    return [
        Request("POST", "/api/v1/auth/token", _json_body({"email": user["email"], "password": PASSWORD}))
        for user in dataset["users"]
    ]


OPERATIONS = (
    Operation("city_listing", "City listing (page of 20)", "/api/v1/properties", 200, _city_listing),
    Operation("property", "One property by id", "/api/v1/properties/{}", 200, _property_by_id),
    Operation("cities", "Cities aggregation", "/api/v1/cities", 200, _cities),
    Operation("create_property", "Create a property", "/api/v1/properties", 201, _create_property, write=True),
    Operation("add_room", "Add a room", "/api/v1/properties/{}/rooms", 201, _add_room, write=True),
    Operation("login", "Log in (argon2 + JWT)", "/api/v1/auth/token", 200, _login),
)


class BenchError(RuntimeError):
    """The benchmark cannot go on."""


class Server:
    """One gunicorn server, Arcane or the baseline, on a free loopback port."""

    def __init__(self, name: str, command: list[str], environment: dict[str, str], log_path: Path):
        self.name = name
        self.command = command
        self.environment = environment
        self.log_path = log_path
        self.port = command_port(command)
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        with self.log_path.open("ab") as log:
            # Its own session, so that stopping it reaches every worker.
            self.process = subprocess.Popen(  # noqa: S603 (our own command line)
                self.command,
                cwd=ROOT,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                if self.call(Request("GET", "/health"), timeout=2)[0] == 200:
                    return
            time.sleep(0.2)
        raise BenchError(f"{self.name} did not answer /health within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, request: Request, timeout: float = 30) -> tuple[int, dict[str, str], object]:
        """Send one request; the status, headers and decoded JSON body (None when not JSON)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            body = request.body.encode() if request.body is not None else None
            connection.request(request.method, request.path, body=body, headers=request.headers)
            response = connection.getresponse()
            raw = response.read()
            headers = dict(response.getheaders())
        finally:
            connection.close()
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        return response.status, headers, payload

    def reset(self) -> None:
        """Put the dataset back (see ResetMiddleware)."""
        status, _, payload = self.call(Request("POST", "/__bench__/reset"), timeout=60)
        if status != 200:
            raise BenchError(f"resetting {self.name}'s dataset failed with {status}: {payload}")

    def worker_rss_kib(self) -> dict[int, int]:
        """Resident memory of each gunicorn worker (the master's children), in KiB."""
        return {pid: rss for pid in children(self.process.pid) if (rss := vm_rss_kib(pid)) is not None}

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def children(pid: int) -> list[int]:
    """The processes whose parent is pid."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            # Field 4 of stat is the parent; the command name before it may hold spaces.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def vm_rss_kib(pid: int) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def command_port(command: list[str]) -> int:
    return int(command[command.index("--bind") + 1].rsplit(":", 1)[1])


def worker_class_problem(kind: str) -> str | None:
    """Why a worker class cannot be used here, or None when it can."""
    spec = WORKER_CLASSES.get(kind, kind)
    if "." not in spec:
        return None
    module_name, _, class_name = spec.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        return f"{spec} is not importable ({error})"
    if not hasattr(module, class_name):
        return f"{module_name} has no {class_name}"
    return None


def gunicorn_command(app: str, kind: str, options) -> list[str]:
    command = [sys.executable, "-m", "gunicorn"]
    if options.gunicorn_config:
        command += ["--config", str(options.gunicorn_config)]
    command += ["--bind", f"127.0.0.1:{free_port()}", "--workers", str(options.workers)]
    command += ["--worker-class", WORKER_CLASSES.get(kind, kind), "--chdir", str(ROOT)]
    return command + shlex.split(options.gunicorn_args) + [app]


def lua_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def wrk_script(requests: list[Request]) -> str:
    """A wrk script that cycles through the requests, and prints its summary as one JSON line."""
    specs = []
    for request in requests:
        headers = ", ".join(f"[{lua_string(key)}] = {lua_string(value)}" for key, value in request.headers.items())
        body = lua_string(request.body) if request.body is not None else "nil"
        specs.append(f"  {{{lua_string(request.method)}, {lua_string(request.path)}, {{{headers}}}, {body}}},")
    return "\n".join(
        [
            "local specs = {",
            *specs,
            "}",
            "local formatted = {}",
            "local counter = 0",
            "function init(args)",
            "  for index, spec in ipairs(specs) do",
            "    formatted[index] = wrk.format(spec[1], spec[2], spec[3], spec[4])",
            "  end",
            "end",
            "function request()",
            "  counter = counter % #formatted + 1",
            "  return formatted[counter]",
            "end",
            LUA_DONE,
        ]
    )


def run_wrk(wrk: str, url: str, script: Path, options, duration: int) -> dict:
    """One wrk run; its summary with throughput and latencies in friendly units."""
    command = [wrk, "--threads", str(options.wrk_threads), "--connections", str(options.connections)]
    command += ["--duration", f"{duration}s", "--timeout", "30s", "--script", str(script), url]
    completed = subprocess.run(  # noqa: S603 (our own command line)
        command, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    line = next((line for line in completed.stdout.splitlines() if line.startswith("BENCH_RESULT ")), None)
    if completed.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")
    result = json.loads(line.removeprefix("BENCH_RESULT "))
    requests = result["requests"]
    seconds = result["duration_us"] / 1e6
    failed = result["non_2xx"] + sum(result[key] for key in ("connect_errors", "read_errors", "write_errors"))
    result.update(
        {
            "requests_per_second": requests / seconds if seconds else 0.0,
            "p50_ms": result["p50_us"] / 1000,
            "p99_ms": result["p99_us"] / 1000,
            "failed": failed + result["timeouts"],
            "failed_ratio": (failed + result["timeouts"]) / requests if requests else 1.0,
        }
    )
    return result


def fields_of(payload) -> list[str] | None:
    """The field names of a JSON body: of the object, or of a list's first item."""
    if isinstance(payload, list):
        payload = payload[0] if payload else None
    return sorted(payload) if isinstance(payload, dict) else None


class Progress:
    """Timestamped progress lines on stderr."""

    def __init__(self):
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {message}", file=sys.stderr, flush=True)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawTextHelpFormatter,
    )
    parser.add_argument(
        "--quick", action="store_true", help="2 rounds of 1 s per operation and server (about a minute)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="measured runs per operation and server (default 3)")
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run (default 3)")
    parser.add_argument(
        "--warmup", type=int, default=30, help="requests sent before measuring an operation (default 30)"
    )
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (default 1: the server needs the cores)"
    )
    parser.add_argument("--properties", type=int, default=DEFAULT_PROPERTIES, help="properties in the dataset")
    parser.add_argument("--users", type=int, default=DEFAULT_USERS, help="users in the dataset")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the dataset generator")
    parser.add_argument(
        "--worker-classes",
        default="meinheld,gthread",
        help="comma-separated: meinheld, gthread, or a dotted gunicorn worker class (default meinheld,gthread)",
    )
    parser.add_argument(
        "--operations",
        default="",
        help="comma-separated, from: " + ", ".join(op.name for op in OPERATIONS) + " (default: all Arcane has)",
    )
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers; must be 1 on the embedded database")
    parser.add_argument(
        "--gunicorn-config",
        type=Path,
        default=GUNICORN_CONFIG if GUNICORN_CONFIG.exists() else None,
        help="gunicorn config file (default config/gunicorn.conf.py when it exists)",
    )
    parser.add_argument("--no-gunicorn-config", action="store_true", help="ignore config/gunicorn.conf.py")
    parser.add_argument(
        "--gunicorn-args", default="", help='extra gunicorn arguments for both servers, e.g. "--threads 4"'
    )
    parser.add_argument(
        "--mongodb-uri",
        default=os.environ.get("MONGODB_URI", ""),
        help="a real MongoDB shared by both servers (default $MONGODB_URI; none: each server embeds mongomock)",
    )
    parser.add_argument(
        "--allow-wipe",
        action="store_true",
        help="allow a database whose name lacks 'bench' (its listings are replaced)",
    )
    parser.add_argument(
        "--arcane-app",
        default=SERVER_APPS["arcane"],
        help="WSGI app measured against the baseline; the baseline itself gives an A/A run that shows the noise",
    )
    parser.add_argument("--output-dir", type=Path, default=ROOT / "docs", help="where bench.json and bench.png go")
    parser.add_argument("--no-chart", action="store_true", help="skip the PNG chart (no matplotlib needed)")
    options = parser.parse_args(argv)
    if options.quick:
        options.rounds, options.duration, options.warmup = 2, 1, 10
    if options.no_gunicorn_config:
        options.gunicorn_config = None
    options.embedded = not options.mongodb_uri or options.mongodb_uri.startswith("mongomock://")
    if options.embedded and options.workers != 1:
        parser.error("--workers must be 1 on the embedded database: each worker would hold its own data")
    if min(options.rounds, options.duration, options.connections) < 1:
        parser.error("--rounds, --duration and --connections must be at least 1")
    return options


def available_routes(server: Server) -> set[str]:
    """The routes the server documents; with no OpenAPI document (an --arcane-app stand-in), all of them."""
    status, _, spec = server.call(Request("GET", "/docs/openapi.json"))
    if status != 200 or not isinstance(spec, dict):
        return {operation.route for operation in OPERATIONS}
    return {_route_shape(path) for path in spec.get("paths", {})}


def _route_shape(path: str) -> str:
    shape, depth = [], 0
    for character in path:
        depth += character == "{"
        if depth == 0:
            shape.append(character)
        elif character == "}":
            depth -= 1
            if depth == 0:
                shape.append("{}")
    return "".join(shape)


def choose_operations(options, routes: set[str], say) -> list[Operation]:
    by_name = {operation.name: operation for operation in OPERATIONS}
    if options.operations:
        unknown = [name for name in options.operations.split(",") if name not in by_name]
        if unknown:
            raise BenchError(f"unknown operations: {', '.join(unknown)}")
        wanted = [by_name[name] for name in options.operations.split(",")]
    else:
        wanted = list(OPERATIONS)
    chosen = []
    for operation in wanted:
        if operation.route in routes:
            chosen.append(operation)
        else:
            say(f"skipping {operation.name}: Arcane has no {operation.route} yet")
    if not chosen:
        raise BenchError("no operation to benchmark")
    return chosen


def login(server: Server, dataset: dict) -> dict:
    """An access token for each user of the dataset, by user id."""
    tokens = {}
    for user, request in zip(dataset["users"], _login(dataset, {}), strict=True):
        status, _, payload = server.call(request)
        if status != 200:
            raise BenchError(f"logging in to {server.name} failed with {status}: {payload}")
        tokens[user["_id"]] = payload["access_token"]
    return tokens


def check_operation(operation: Operation, requests: dict[str, list[Request]], servers: list[Server], say) -> dict:
    """Send each server the operation's first request: the expected status, and the same fields on both."""
    fields = {}
    for server in servers:
        status, headers, payload = server.call(requests[server.name][0])
        if status != operation.expected_status:
            raise BenchError(
                f"{operation.name} on {server.name} answered {status}, not {operation.expected_status}: {payload}"
            )
        fields[server.name] = fields_of(payload)
        if "X-Pagination" in headers:
            fields[server.name + " X-Pagination"] = sorted(json.loads(headers["X-Pagination"]))
    if fields.get("arcane") != fields.get("baseline"):
        say(f"warning: {operation.name} answers with different fields: {fields}")
    return fields


def explain_city_listing(uri: str, city_key: str) -> dict:
    """The winning plan of the listing query, which must scan the (city_key, _id) index."""
    import pymongo

    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000) as client:
        cursor = client.get_default_database().properties.find({"city_key": city_key}).sort("_id", -1).limit(PAGE_SIZE)
        explanation = cursor.explain()
    planner = explanation["queryPlanner"]
    plan = planner["winningPlan"].get("queryPlan", planner["winningPlan"])
    stages = list(_plan_stages(plan))
    index_scans = [stage for stage in stages if stage.get("stage") == "IXSCAN"]
    if not any("city_key" in stage.get("keyPattern", {}) for stage in index_scans):
        raise BenchError(f"the city listing does not use the city_key index: {json.dumps(plan, default=str)}")
    return plan


def _plan_stages(plan: dict):
    yield plan
    for key in ("inputStage", "outerStage", "innerStage"):
        if key in plan:
            yield from _plan_stages(plan[key])
    for child in plan.get("inputStages", []):
        yield from _plan_stages(child)


def warm_up(server: Server, requests: list[Request], count: int, operation: Operation) -> None:
    deadline = time.monotonic() + 10
    for index in range(count):
        if time.monotonic() > deadline:
            break
        server.call(requests[index % len(requests)])
    if operation.write:
        server.reset()


def benchmark_worker_class(kind, options, dataset, dataset_path, wrk, workdir, say) -> dict:
    """Start both servers with this worker class, run every operation on them, and stop them."""
    environment = {
        **os.environ,
        "ARCANE_ENV": "local",
        "SEED_DEMO_DATA": "false",
        # Arcane's access log (INFO) is off unless asked for: LOG_LEVEL=INFO adds its cost.
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "ARCANE_WORKER_CLASS": kind,
        "BENCH_DATASET": str(dataset_path),
        "BENCH_SEED": "1" if options.embedded else "0",
        "MONGODB_URI": EMBEDDED_URI if options.embedded else options.mongodb_uri,
        # The limiter still runs (its cost is Arcane's), but never stops a run of creations.
        "PROPERTY_CREATION_LIMIT": os.environ.get("PROPERTY_CREATION_LIMIT", UNREACHED_LIMIT),
    }
    apps = {**SERVER_APPS, "arcane": options.arcane_app}
    servers = [
        Server(name, gunicorn_command(app, kind, options), environment, workdir / f"{kind}-{name}.log")
        for name, app in apps.items()
    ]
    outcome = {"worker_class": kind, "command": {server.name: server.command for server in servers}, "runs": []}
    try:
        for server in servers:
            say(f"[{kind}] starting {server.name} on {server.url}")
            server.start()
        outcome["rss_kib_after_start"] = {server.name: server.worker_rss_kib() for server in servers}
        arcane = servers[0]
        operations = choose_operations(options, available_routes(arcane), say)
        outcome["operations"] = [operation.name for operation in operations]
        if not options.embedded and any(operation.name == "city_listing" for operation in operations):
            key = dataset["properties"][0]["city_key"]
            outcome["explain_city_listing"] = plan = explain_city_listing(options.mongodb_uri, key)
            say(f"[{kind}] city listing plan: {json.dumps(plan, default=str)}")
        needs_token = any(operation.write for operation in operations)
        tokens = {server.name: login(server, dataset) if needs_token else {} for server in servers}
        dirty = set()
        for operation in operations:
            requests = {server.name: operation.build(dataset, tokens[server.name]) for server in servers}
            outcome.setdefault("fields", {})[operation.name] = check_operation(operation, requests, servers, say)
            scripts = {}
            for server in servers:
                scripts[server.name] = workdir / f"{kind}-{operation.name}-{server.name}.lua"
                scripts[server.name].write_text(wrk_script(requests[server.name]), encoding="utf-8")
                warm_up(server, requests[server.name], options.warmup, operation)
            for round_number in range(1, options.rounds + 1):
                for server in servers:
                    if server.name in dirty:
                        server.reset()
                        dirty.discard(server.name)
                    say(f"[{kind}] {operation.name:<16} {server.name:<8} round {round_number}/{options.rounds}")
                    result = run_wrk(wrk, server.url, scripts[server.name], options, options.duration)
                    if operation.write:
                        # On a shared database one server's writes are the other's too.
                        dirty |= {server.name} if options.embedded else {other.name for other in servers}
                    outcome["runs"].append(
                        {"operation": operation.name, "server": server.name, "round": round_number, **result}
                    )
                    say(
                        f"[{kind}] {operation.name:<16} {server.name:<8} round {round_number}/{options.rounds}: "
                        f"{result['requests_per_second']:8.1f} req/s  p50 {result['p50_ms']:.1f} ms  "
                        f"p99 {result['p99_ms']:.1f} ms  failed {result['failed']}"
                    )
        for server in servers:
            if server.name in dirty:
                server.reset()
        outcome["rss_kib_after_load"] = {server.name: server.worker_rss_kib() for server in servers}
    finally:
        for server in servers:
            server.stop()
    return outcome


def summarise(outcome: dict) -> list[dict]:
    """Medians per operation and server, and the Arcane/baseline ratio."""
    rows = []
    for operation in outcome["operations"]:
        row = {"worker_class": outcome["worker_class"], "operation": operation}
        for server in SERVER_APPS:
            runs = [run for run in outcome["runs"] if run["operation"] == operation and run["server"] == server]
            row[server] = {
                "requests_per_second": statistics.median(run["requests_per_second"] for run in runs),
                "p50_ms": statistics.median(run["p50_ms"] for run in runs),
                "p99_ms": statistics.median(run["p99_ms"] for run in runs),
                "requests": sum(run["requests"] for run in runs),
                "failed": sum(run["failed"] for run in runs),
            }
            row[server]["failed_ratio"] = row[server]["failed"] / max(row[server]["requests"], 1)
        baseline = row["baseline"]["requests_per_second"]
        row["ratio"] = row["arcane"]["requests_per_second"] / baseline if baseline else None
        # Each round's two runs are seconds apart: their ratio shrugs off slow drifts of the machine's load.
        pairs = _round_pairs(outcome["runs"], operation)
        row["paired_ratio_median"] = statistics.median(a / b for a, b in pairs if b) if pairs else None
        row["errors"] = [
            f"{server}: {row[server]['failed_ratio']:.1%} failed"
            for server in SERVER_APPS
            if row[server]["failed_ratio"] > ERROR_THRESHOLD or row[server]["requests"] == 0
        ]
        rows.append(row)
    return rows


def _round_pairs(runs: list[dict], operation: str) -> list[tuple[float, float]]:
    by_round = {}
    for run in runs:
        if run["operation"] == operation:
            by_round.setdefault(run["round"], {})[run["server"]] = run["requests_per_second"]
    return [(servers["arcane"], servers["baseline"]) for servers in by_round.values() if len(servers) == 2]


def memory_rows(outcome: dict) -> list[dict]:
    rows = []
    for server in SERVER_APPS:
        start = outcome.get("rss_kib_after_start", {}).get(server, {})
        load = outcome.get("rss_kib_after_load", {}).get(server, {})
        rows.append(
            {
                "worker_class": outcome["worker_class"],
                "server": server,
                "workers": len(load or start),
                "rss_mib_after_start": _mean_mib(start),
                "rss_mib_after_load": _mean_mib(load),
            }
        )
    return rows


def _mean_mib(rss_by_pid: dict) -> float | None:
    return statistics.mean(rss_by_pid.values()) / 1024 if rss_by_pid else None


def markdown_tables(rows: list[dict], memory: list[dict]) -> str:
    titles = {operation.name: operation.title for operation in OPERATIONS}
    lines = [
        "| Worker | Operation | Arcane req/s | Baseline req/s | Arcane/baseline | Arcane p50 / p99 ms "
        "| Baseline p50 / p99 ms | Check |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        arcane, baseline = row["arcane"], row["baseline"]
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "n/a"
        check = "ERROR " + "; ".join(row["errors"]) if row["errors"] else "ok"
        lines.append(
            f"| {row['worker_class']} | {titles[row['operation']]} | {arcane['requests_per_second']:.0f} "
            f"| {baseline['requests_per_second']:.0f} | {ratio} | {arcane['p50_ms']:.1f} / {arcane['p99_ms']:.1f} "
            f"| {baseline['p50_ms']:.1f} / {baseline['p99_ms']:.1f} | {check} |"
        )
    lines += ["", "| Worker | Server | Workers | RSS per worker after start (MiB) | after load (MiB) |"]
    lines.append("| --- | --- | ---: | ---: | ---: |")
    for row in memory:
        start, load = row["rss_mib_after_start"], row["rss_mib_after_load"]
        lines.append(
            f"| {row['worker_class']} | {row['server']} | {row['workers']} "
            f"| {'n/a' if start is None else f'{start:.1f}'} | {'n/a' if load is None else f'{load:.1f}'} |"
        )
    return "\n".join(lines)


def draw_chart(rows: list[dict], path: Path) -> None:
    """Throughput per operation, Arcane beside the baseline, one panel per worker class."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    titles = {operation.name: operation.title for operation in OPERATIONS}
    kinds = list(dict.fromkeys(row["worker_class"] for row in rows))
    figure, axes = plt.subplots(1, len(kinds), figsize=(6.5 * len(kinds), 5), sharey=True, squeeze=False)
    width = 0.38
    for axis, kind in zip(axes[0], kinds, strict=True):
        kind_rows = [row for row in rows if row["worker_class"] == kind]
        positions = range(len(kind_rows))
        arcane = [row["arcane"]["requests_per_second"] for row in kind_rows]
        baseline = [row["baseline"]["requests_per_second"] for row in kind_rows]
        axis.bar([x - width / 2 for x in positions], arcane, width, label="Arcane", color="#4C72B0")
        axis.bar(
            [x + width / 2 for x in positions], baseline, width, label="Baseline (Flask + pymongo)", color="#B0B0B0"
        )
        for x, row in zip(positions, kind_rows, strict=True):
            label = "n/a" if row["ratio"] is None else f"\u00d7{row['ratio']:.2f}"
            top = max(row["arcane"]["requests_per_second"], row["baseline"]["requests_per_second"])
            axis.annotate(label, (x, top), textcoords="offset points", xytext=(0, 4), ha="center", fontsize=8)
        axis.set_xticks(list(positions), [titles[row["operation"]] for row in kind_rows], rotation=30, ha="right")
        axis.set_yscale("log")
        axis.set_ylim(top=max(arcane + baseline) * 3)
        axis.set_title(f"worker class: {kind}")
        axis.grid(axis="y", which="both", alpha=0.3)
    axes[0][0].set_ylabel("requests per second (median, log scale)")
    axes[0][0].legend(loc="upper left", fontsize=8)
    figure.suptitle("Arcane vs. a bare Flask + pymongo baseline (labels: Arcane/baseline)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def version_of(command: list[str]) -> str:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        completed = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)  # noqa: S603
        return (completed.stdout or completed.stderr).strip().splitlines()[0]
    return "unknown"


def check_database(options) -> None:
    if options.embedded:
        return
    name = urllib.parse.urlsplit(options.mongodb_uri).path.strip("/")
    if not name:
        raise BenchError("MONGODB_URI must name a database, e.g. mongodb://localhost:27017/arcane_bench")
    if "bench" not in name and not options.allow_wipe:
        raise BenchError(
            f"the benchmark replaces the users and listings of database {name!r}: "
            "use a database whose name contains 'bench', or pass --allow-wipe"
        )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    options = parse_arguments(argv)
    # Stopped or interrupted, it still stops its servers (they run in sessions of their own).
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    say = Progress()
    wrk = shutil.which("wrk")
    if wrk is None:
        print(WRK_INSTALL_HINT, file=sys.stderr)
        return 2
    if not options.no_chart:
        try:
            importlib.import_module("matplotlib")
        except ImportError:
            print("matplotlib is missing: pip install -r requirements-bench.txt, or pass --no-chart", file=sys.stderr)
            return 2
    kinds = []
    for kind in filter(None, (name.strip() for name in options.worker_classes.split(","))):
        problem = worker_class_problem(kind)
        if problem:
            say(f"skipping worker class {kind}: {problem}")
        else:
            kinds.append(kind)
    if not kinds:
        print("no usable worker class", file=sys.stderr)
        return 2
    started_at = dt.datetime.now(dt.UTC)
    try:
        check_database(options)
        say(f"building the dataset: {options.properties} properties, {options.users} users (argon2 hashing)")
        dataset = build_dataset(properties=options.properties, users=options.users, seed=options.seed)
        outcomes = []
        with tempfile.TemporaryDirectory(prefix="arcane-bench-") as directory:
            workdir = Path(directory)
            dataset_path = workdir / "dataset.json"
            write_dataset(dataset, dataset_path)
            if not options.embedded:
                import pymongo

                with pymongo.MongoClient(options.mongodb_uri, tz_aware=True) as client:
                    insert_dataset(client.get_default_database(), dataset)
            for kind in kinds:
                outcomes.append(benchmark_worker_class(kind, options, dataset, dataset_path, wrk, workdir, say))
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("benchmark interrupted; servers stopped", file=sys.stderr)
        return 130
    rows = [row for outcome in outcomes for row in summarise(outcome)]
    memory = [row for outcome in outcomes for row in memory_rows(outcome)]
    tables = markdown_tables(rows, memory)
    report = {
        "meta": {
            "started_at": started_at.isoformat(timespec="seconds"),
            "seconds": round(say.elapsed, 1),
            "commit": version_of(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_end": os.getloadavg(),
            "wrk": version_of([wrk, "--version"]),
            "database": "embedded (mongomock, one per server)" if options.embedded else "real MongoDB (shared)",
            "dataset": {"properties": options.properties, "users": options.users, "seed": options.seed},
            "settings": {
                key: str(value) if isinstance(value, Path) else value
                for key, value in vars(options).items()
                if key not in {"mongodb_uri"}
            },
        },
        "summary": rows,
        "memory": memory,
        "worker_classes": outcomes,
    }
    options.output_dir.mkdir(parents=True, exist_ok=True)
    (options.output_dir / "bench.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    if not options.no_chart:
        draw_chart(rows, options.output_dir / "bench.png")
    print(tables)
    say(f"done in {say.elapsed:.0f} s; raw results in {options.output_dir / 'bench.json'}")
    return 1 if any(row["errors"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
