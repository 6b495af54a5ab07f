"""Benchmark Arcane against a bare Flask + pymongo baseline with wrk (``python -m scripts.bench --help``).

For each worker class, Arcane and the baseline (scripts/bench_baseline.py) run under gunicorn on
127.0.0.1 on one dataset (scripts/bench_data.py), and wrk measures each operation on one, then the
other, round after round (A B A B...). docs/benchmark.md says what the numbers mean and do not.
"""

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import NamedTuple

import mongoengine
import psutil

from arcane import database
from arcane.models import DOCUMENTS, Property
from arcane.models.properties import city_key
from arcane.paging import encode_cursor
from arcane.settings import EMBEDDED_SCHEME, Settings
from scripts import bench_data
from scripts.bench_data import CITIES, PASSWORD, PROPERTY_TYPES
from scripts.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
WORKER_CLASSES = {"meinheld": "arcane.workers.MeinheldWorker", "gthread": "gthread"}
APPS = {"arcane": "scripts.bench_data:arcane()", "baseline": "scripts.bench_baseline:serve()"}
DATASET = {"properties": 300, "users": 5, "seed": 6}
PAGE = {"page": 1, "page_size": 20}
FEED_PAGE = {"page_size": 20}
ROTATION = 50  # distinct requests each wrk connection cycles through
STARTED, STARTED_AT = time.monotonic(), dt.datetime.now(dt.UTC)
OPERATIONS = {}


class BenchError(RuntimeError):
    """The benchmark cannot go on."""


class Request(NamedTuple):
    method: str
    path: str
    body: dict | None = None
    token: str | None = None

    def encode(self) -> tuple[str | None, dict]:
        """The body as sent, and the headers."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if self.body is None:
            return None, headers
        return json.dumps(self.body, ensure_ascii=False), headers | {"Content-Type": "application/json"}


class Operation(NamedTuple):
    name: str
    title: str
    status: int
    requests: callable  # (dataset, access token by user id) -> the requests a run cycles through
    write: bool  # its runs change the data: the dataset is restored after each


def operation(name: str, title: str, status: int = 200, *, write: bool = False):
    """Register the decorated function as the requests of an operation."""
    return lambda requests: OPERATIONS.setdefault(name, Operation(name, title, status, requests, write)).requests


@operation("city_listing", "City listing (page of 20)")
def city_listing(dataset, tokens):
    spellings = [*CITIES, *(city.lower().replace(" ", "-") for city in CITIES)]  # as people type them
    return [
        Request("GET", "/api/v1/properties?" + urllib.parse.urlencode({"city": city, **PAGE})) for city in spellings
    ]


@operation("property", "One property by id")
def one_property(dataset, tokens):
    return [Request("GET", f"/api/v1/properties/{listing['id']}") for listing in dataset["properties"][:ROTATION]]


@operation("cities", "Cities aggregation")
def cities(dataset, tokens):
    return [Request("GET", "/api/v1/cities?" + urllib.parse.urlencode(PAGE))]


@operation("change_feed", "Change feed (page of 20)")
def change_feed(dataset, tokens):  # resumed at cursors spread over the feed, as mirrors catching up do
    positions = range(0, max(len(dataset["properties"]) - PAGE["page_size"], 1), 5)
    return [
        Request(
            "GET", "/api/v1/properties/changes?" + urllib.parse.urlencode({"cursor": encode_cursor([n]), **FEED_PAGE})
        )
        for n in list(positions)[:ROTATION]
    ]


@operation("create_property", "Create a property", 201, write=True)
def create_property(dataset, tokens):
    def request(index):
        city, kind = list(CITIES)[index % len(CITIES)], PROPERTY_TYPES[index % len(PROPERTY_TYPES)]
        form = {"name": f"New {kind} in {city}", "description": "By the benchmark.", "type": kind, "city": city}
        rooms = {"rooms": [bench_data.room(index), bench_data.room(index + 1)]} if index % 2 else {}
        return Request("POST", "/api/v1/properties", form | rooms, tokens[users[index % len(users)]["id"]])

    users = dataset["users"]
    return [request(index) for index in range(ROTATION)]


@operation("add_room", "Add a room", 201, write=True)
def add_room(dataset, tokens):  # every property, with its owner's token: a property takes at most 100 rooms
    return [
        Request("POST", f"/api/v1/properties/{listing['id']}/rooms", bench_data.room(index), tokens[listing["owner"]])
        for index, listing in enumerate(dataset["properties"])
    ]


@operation("login", "Log in (argon2 + JWT)")
def login(dataset, tokens):
    return [
        Request("POST", "/api/v1/auth/token", {"email": u["email"], "password": PASSWORD}) for u in dataset["users"]
    ]


class Server(NamedTuple):
    name: str
    port: int
    command: list[str]
    process: psutil.Popen

    def call(self, request: Request, timeout: float = 60) -> tuple[int, object]:
        """The status and JSON body (None when not JSON) of the answer to a request."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        body, headers = request.encode()
        try:
            connection.request(request.method, request.path, body and body.encode(), headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        with contextlib.suppress(ValueError):
            return response.status, json.loads(raw)
        return response.status, None

    def reset(self) -> None:
        if (status := self.call(Request("POST", bench_data.RESET_PATH))[0]) != 204:
            raise BenchError(f"resetting {self.name}'s dataset answered {status}")

    def rss_kib(self) -> dict[str, int]:
        """The resident memory of each worker (the master's children), by pid."""
        return {str(worker.pid): worker.memory_info().rss // 1024 for worker in self.process.children()}


@contextlib.contextmanager
def gunicorn(name: str, app: str, kind: str, options, environment: dict, workdir: Path):
    """A gunicorn server answering /health; stopped with its workers on leaving."""
    port, log = free_port(), workdir / f"{kind}-{name}.log"
    command = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "config" / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(options.workers), "--chdir", str(ROOT)]
    command += ["--worker-class", WORKER_CLASSES.get(kind, kind), app]
    with log.open("wb") as output:
        process = psutil.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield wait_for_health(Server(name, port, command, process), log)
    finally:
        with contextlib.suppress(psutil.NoSuchProcess):
            workers = process.children(recursive=True)
            process.terminate()
            for survivor in psutil.wait_procs([process, *workers], timeout=15)[1]:
                survivor.kill()


def wait_for_health(server: Server, log: Path, seconds: float = 60) -> Server:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.process.poll() is None:
        with contextlib.suppress(OSError):
            if server.call(Request("GET", "/health"), timeout=2)[0] == 200:
                return server
        time.sleep(0.2)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    raise BenchError(f"{server.name} did not answer /health (exit status {server.process.poll()}):\n{tail}")


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def wrk_script(requests: list[Request], path: Path) -> Path:
    """bench.lua after the table of requests it cycles through."""

    def lua(text: str) -> str:  # a JSON string is a Lua string when, as here, it holds no control character
        return json.dumps(text, ensure_ascii=False)

    def entry(request: Request) -> str:
        body, headers = request.encode()
        headers = ", ".join(f"[{lua(key)}] = {lua(value)}" for key, value in headers.items())
        return f"{{{lua(request.method)}, {lua(request.path)}, {{{headers}}}, {'nil' if body is None else lua(body)}}}"

    table = ",\n  ".join(map(entry, requests))
    path.write_text(f"local requests = {{\n  {table}\n}}\n" + Path(__file__).with_name("bench.lua").read_text())
    return path


def run_wrk(server: Server, script: Path, seconds: int) -> dict:
    """One wrk run: its summary, with throughput, latencies in ms and failed requests."""
    command = ["wrk", "--threads", "1", "--connections", "16", "--duration", f"{seconds}s"]
    command += ["--timeout", "30s", "--script", str(script), f"http://127.0.0.1:{server.port}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)  # noqa: S603
    line = next((line for line in done.stdout.splitlines() if line.startswith("BENCH_RESULT ")), None)
    if done.returncode or line is None:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    result = json.loads(line.removeprefix("BENCH_RESULT "))
    failed = sum(result[key] for key in ("non_2xx", "connect_errors", "read_errors", "write_errors", "timeouts"))
    rate = result["requests"] / (result["duration_us"] / 1e6)
    latencies = {"p50_ms": result["p50_us"] / 1000, "p99_ms": result["p99_us"] / 1000}
    return result | latencies | {"requests_per_second": rate, "failed": failed}


def sign_in(server: Server, dataset: dict) -> dict[str, str]:
    """An access token for each user of the dataset, by user id."""
    answers = [server.call(request) for request in login(dataset, {})]
    if failed := [status for status, _ in answers if status != 200]:
        raise BenchError(f"signing in to {server.name} answered {failed}")
    return {user["id"]: answer[1]["access_token"] for user, answer in zip(dataset["users"], answers, strict=True)}


def measure(kind: str, operation: Operation, servers: list[Server], requests: dict, options, workdir: Path):
    """Warm up, then A B A B: the runs."""
    scripts = {s.name: wrk_script(requests[s.name], workdir / f"{kind}-{operation.name}-{s.name}.lua") for s in servers}
    runs = []
    for number in range(options.rounds + 1):  # round 0 warms up
        for server in servers:
            result = run_wrk(server, scripts[server.name], options.duration if number else 1)
            server.call(Request("GET", "/health"), timeout=600)  # embedded: after what wrk left queued
            if operation.write:
                server.reset()  # on a shared database, for both
            if number:
                runs.append({"operation": operation.name, "server": server.name, "round": number, **result})
                say(f"[{kind}] {operation.name} {server.name} {number}: {result['requests_per_second']:.1f} req/s")
    return runs


def benchmark(kind: str, options, dataset: dict, workdir: Path) -> dict:
    """Start both servers with this worker class, measure every operation on them, and stop them."""
    environment = os.environ | {
        "ARCANE_ENV": "local",
        "SEED_DEMO_DATA": "false",
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "ARCANE_WORKER_CLASS": kind,
        "MONGODB_URI": options.mongodb_uri,
        "BENCH_DATASET": str(workdir / "dataset"),
        # Arcane's access log (INFO) is off unless asked for: LOG_LEVEL=INFO adds its cost.
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        # The limiter still counts (its cost is Arcane's), but never stops a run of creations.
        "PROPERTY_CREATION_LIMIT": os.environ.get("PROPERTY_CREATION_LIMIT", "1000000 per hour"),
    }
    outcome = {"worker_class": kind, "operations": options.operations, "runs": []}
    with contextlib.ExitStack() as stack:
        apps = {**APPS, "arcane": options.arcane_app}
        servers = [stack.enter_context(gunicorn(*app, kind, options, environment, workdir)) for app in apps.items()]
        say(f"[{kind}] started " + ", ".join(f"{server.name} on port {server.port}" for server in servers))
        outcome["command"] = {server.name: server.command for server in servers}
        outcome["rss_kib_after_start"] = {server.name: server.rss_kib() for server in servers}
        tokens = {server.name: sign_in(server, dataset) for server in servers}
        for name in options.operations:
            requests = {server.name: OPERATIONS[name].requests(dataset, tokens[server.name]) for server in servers}
            outcome["runs"] += measure(kind, OPERATIONS[name], servers, requests, options, workdir)
        outcome["rss_kib_after_load"] = {server.name: server.rss_kib() for server in servers}
    return outcome


def prepare_dataset(options, directory: Path) -> tuple[dict, dict | None]:
    """Build the dataset through the services and dump it; on a real MongoDB, the listing's plan too."""
    say(f"building the dataset: {options.properties} properties, {DATASET['users']} users (argon2 hashing)")
    database.connect(Settings(mongodb_uri=options.mongodb_uri))
    try:
        database.ensure_indexes(DOCUMENTS)
        dataset = bench_data.build(property_count=options.properties, user_count=DATASET["users"], seed=DATASET["seed"])
        bench_data.dump(mongoengine.get_db(), directory)
        return dataset, None if options.embedded else city_listing_plan()
    finally:
        database.disconnect()


def city_listing_plan() -> dict:
    """The winning plan of the city listing's query, which must scan the city_key index."""
    query = Property.objects(city_key=city_key(next(iter(CITIES)))).order_by("-id").limit(PAGE["page_size"])
    planner = query.explain()["queryPlanner"]
    plan = planner["winningPlan"].get("queryPlan", planner["winningPlan"])
    say(f"city listing plan: {json.dumps(plan, default=str)}")
    stages = [plan]
    for stage in stages:  # grows as it goes: every stage of the plan tree
        stages += [stage[key] for key in ("inputStage", "outerStage", "innerStage") if key in stage]
        stages += stage.get("inputStages", [])
    if not any(stage.get("stage") == "IXSCAN" and "city_key" in stage.get("keyPattern", {}) for stage in stages):
        raise BenchError("the city listing does not use the city_key index")
    return plan


def summarise(outcome: dict) -> list[dict]:
    """Medians per operation and server, the Arcane/baseline ratio, and the errors."""
    rows = []
    for name in outcome["operations"]:
        runs = [run for run in outcome["runs"] if run["operation"] == name]
        row = {"worker_class": outcome["worker_class"], "operation": name}
        for server in APPS:
            mine = [run for run in runs if run["server"] == server]
            row[server] = {key: statistics.median(run[key] for run in mine) for key in ("p50_ms", "p99_ms")}
            row[server] |= {key: sum(run[key] for run in mine) for key in ("requests", "failed")}
            row[server]["requests_per_second"] = statistics.median(run["requests_per_second"] for run in mine)
            row[server]["failed_ratio"] = row[server]["failed"] / max(row[server]["requests"], 1)
        row["ratio"] = ratio(row["arcane"]["requests_per_second"], row["baseline"]["requests_per_second"])
        # Each round's two runs are seconds apart: their ratio shrugs off slow drifts of the machine's load.
        rates = {(run["round"], run["server"]): run["requests_per_second"] for run in runs}
        paired = [ratio(rates[n, "arcane"], rates[n, "baseline"]) for n, server in rates if server == "baseline"]
        row["paired_ratio_median"] = statistics.median(paired) if None not in paired else None
        counts = {server: (row[server]["failed"], row[server]["requests"]) for server in APPS}
        failing = {
            server: f"{failed} of {requests} failed" if requests else "no answer"
            for server, (failed, requests) in counts.items()
            if not requests or failed > requests / 100
        }
        row["errors"] = [f"{server}: {problem}" for server, problem in failing.items()]
        rows.append(row)
    return rows


def ratio(arcane: float, baseline: float) -> float | None:
    return arcane / baseline if baseline else None


def memory_rows(outcome: dict) -> list[dict]:
    """The mean resident memory of each server's workers, after start-up and after the load."""
    rss = {when: outcome[f"rss_kib_after_{when}"] for when in ("start", "load")}
    return [
        {"worker_class": outcome["worker_class"], "server": server, "workers": len(rss["load"][server])}
        | {f"rss_mib_after_{when}": statistics.mean(rss[when][server].values()) / 1024 for when in rss}
        for server in APPS
    ]


def tables(rows: list[dict], memory: list[dict]) -> str:
    """The results as two Markdown tables: throughput and latency, then memory."""
    lines = [
        "| Worker | Operation | Arcane req/s | Baseline req/s | Arcane/baseline | Arcane p50 / p99 ms "
        "| Baseline p50 / p99 ms | Check |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        a, b, check = row["arcane"], row["baseline"], "ERROR " + "; ".join(row["errors"]) if row["errors"] else "ok"
        shown = "n/a" if row["ratio"] is None else f"{row['ratio']:.2f}"
        lines.append(
            f"| {row['worker_class']} | {OPERATIONS[row['operation']].title} | {a['requests_per_second']:.0f} "
            f"| {b['requests_per_second']:.0f} | {shown} | {a['p50_ms']:.1f} / {a['p99_ms']:.1f} "
            f"| {b['p50_ms']:.1f} / {b['p99_ms']:.1f} | {check} |"
        )
    lines += ["", "| Worker | Server | Workers | RSS per worker after start (MiB) | after load (MiB) |"]
    lines.append("| --- | --- | ---: | ---: | ---: |")
    for m in memory:
        figures = f"{m['workers']} | {m['rss_mib_after_start']:.1f} | {m['rss_mib_after_load']:.1f}"
        lines.append(f"| {m['worker_class']} | {m['server']} | {figures} |")
    return "\n".join(lines)


def draw_chart(rows: list[dict], path: Path) -> None:
    """Throughput per operation, Arcane beside the baseline, one panel per worker class."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = list(dict.fromkeys(row["worker_class"] for row in rows))
    figure, axes = plt.subplots(1, len(kinds), figsize=(6.5 * len(kinds), 5), sharey=True, squeeze=False)
    bars = {"arcane": (-0.19, "Arcane", "#4C72B0"), "baseline": (0.19, "Baseline (Flask + pymongo)", "#B0B0B0")}
    for axis, kind in zip(axes[0], kinds, strict=True):
        mine = [row for row in rows if row["worker_class"] == kind]
        tops = [max(row[server]["requests_per_second"] for server in APPS) for row in mine]
        for server, (offset, label, color) in bars.items():
            rates = [row[server]["requests_per_second"] for row in mine]
            axis.bar([x + offset for x in range(len(mine))], rates, 0.38, label=label, color=color)
        for x, (row, top) in enumerate(zip(mine, tops, strict=True)):
            label = "n/a" if row["ratio"] is None else f"\u00d7{row['ratio']:.2f}"
            axis.annotate(label, (x, top), xytext=(0, 4), textcoords="offset points", ha="center", fontsize=8)
        axis.set_xticks(range(len(mine)), [OPERATIONS[row["operation"]].title for row in mine], rotation=30, ha="right")
        axis.set(yscale="log", title=f"worker class: {kind}")
        axis.set_ylim(top=max(tops) * 3)
        axis.grid(axis="y", which="both", alpha=0.3)
    axes[0][0].set_ylabel("requests per second (median, log scale)")
    axes[0][0].legend(loc="upper left", fontsize=8)
    figure.suptitle("Arcane vs. a bare Flask + pymongo baseline (labels: Arcane/baseline)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--quick", action="store_true", help="2 rounds of 1 s per operation and server")
    add("--rounds", type=int, default=3, help="measured runs per operation and server (default 3)")
    add("--duration", type=int, default=3, help="seconds per wrk run (default 3)")
    add("--properties", type=int, default=DATASET["properties"], help="properties in the dataset (default 300)")
    add("--worker-classes", default="meinheld,gthread", help="comma-separated: meinheld, gthread or a dotted class")
    add("--operations", default=",".join(OPERATIONS), help=f"comma-separated, from {','.join(OPERATIONS)} (all)")
    add("--workers", type=int, default=1, help="gunicorn workers; must be 1 on the embedded database")
    add("--mongodb-uri", default=os.environ.get("MONGODB_URI", ""), help="a real MongoDB, emptied, shared by both")
    add("--arcane-app", default=APPS["arcane"], help="WSGI app measured against the baseline (A/A: the baseline's)")
    add("--output-dir", type=Path, default=ROOT / "docs", help="where bench.json and bench.png go (default docs)")
    options = parser.parse_args(argv)
    options.rounds, options.duration = (2, 1) if options.quick else (options.rounds, options.duration)
    options.mongodb_uri = options.mongodb_uri.strip() or f"{EMBEDDED_SCHEME}localhost/arcane_bench"
    options.embedded = options.mongodb_uri.startswith(EMBEDDED_SCHEME)
    options.operations = [name for name in options.operations.split(",") if name]
    if unknown := set(options.operations) - set(OPERATIONS):
        parser.error(f"unknown operations: {', '.join(sorted(unknown))}")
    if options.embedded and options.workers != 1:
        parser.error("--workers must be 1 on the embedded database: each worker would have its own")
    if min(options.rounds, options.duration, len(options.operations)) < 1:
        parser.error("--rounds, --duration and --operations need at least 1")
    if "bench" not in urllib.parse.urlsplit(options.mongodb_uri).path:
        parser.error("the benchmark empties its database: name one with 'bench' in its name")
    return options


def report(options, outcomes: list[dict], plan: dict | None) -> list[dict]:
    """Write bench.json and the chart, print the tables; the summary rows."""

    def output(*command) -> str:
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603

    rows = [row for outcome in outcomes for row in summarise(outcome)]
    memory = [row for outcome in outcomes for row in memory_rows(outcome)]
    meta = {
        "started_at": STARTED_AT.isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - STARTED, 1),
        "commit": output("git", "-C", ROOT, "rev-parse", "--short", "HEAD"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "wrk": output("wrk", "--version").splitlines()[0],
        "database": "embedded (mongomock, one per server)" if options.embedded else "real MongoDB (shared)",
        "dataset": DATASET | {"properties": options.properties},
        "explain_city_listing": plan,
        "settings": {key: value for key, value in vars(options).items() if key != "mongodb_uri"},
    }
    options.output_dir.mkdir(parents=True, exist_ok=True)
    document = {"meta": meta, "summary": rows, "memory": memory, "worker_classes": outcomes}
    (options.output_dir / "bench.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    draw_chart(rows, options.output_dir / "bench.png")
    print(tables(rows, memory))
    return rows


def main(argv=None) -> int:
    options = parse_arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # SystemExit stops the servers on its way out
    try:
        with tempfile.TemporaryDirectory(prefix="arcane-bench-") as directory:
            dataset, plan = prepare_dataset(options, Path(directory) / "dataset")
            kinds = options.worker_classes.split(",")
            outcomes = [benchmark(kind, options, dataset, Path(directory)) for kind in kinds]
    except BenchError as error:
        print(f"benchmark failed: {error}", file=sys.stderr)
        return 1
    rows = report(options, outcomes, plan)
    say(f"done; raw results in {options.output_dir / 'bench.json'}")
    return 1 if any(row["errors"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
