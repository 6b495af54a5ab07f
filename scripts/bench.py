"""Benchmark Arcane against a bare Flask + pymongo baseline with wrk: docs/benchmark.md says how and what for."""

import argparse
import collections
import contextlib
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import mongoengine
import psutil

from arcane import create_app, demo
from arcane.models import ChangeLogEntry, Property, User
from arcane.paging import encode_cursor
from arcane.settings import EMBEDDED_SCHEME, Settings
from scripts.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
APPS = {"arcane": "scripts.bench:on_demo_data()", "baseline": "scripts.bench_baseline:serve()"}
RESET_PATH = "/__bench__/reset"
ROTATION = 50  # property ids and new listings a run cycles through
STARTED = time.monotonic()
OPERATIONS = {  # the title of each, and the status its every request must answer; plan() makes the requests
    "city_listing": ("City listing (page of 20)", 200),
    "search": ("Filtered and sorted listing (page of 20)", 200),
    "property": ("One property by id", 200),
    "cities": ("Cities aggregation", 200),
    "change_feed": ("Change feed (page of 20)", 200),
    "create_property": ("Create a property", 201),
    "add_room": ("Add a room", 201),
    "login": ("Log in (argon2 + JWT)", 200),
}
LISTINGS = "/api/v1/properties"
SEARCH = LISTINGS + "?city={}&room_kind={}&min_area={}&sort=-total_area_m2&page_size=20"
SEARCHES = (("office", 50), ("bedroom", 30), ("kitchen", 40))
ROOM = {"name": "Office", "kind": "office", "area_m2": 11.5, "floor": 1, "features": ["quiet"]}
NEW_LISTING = {"description": "By the benchmark.", "type": "flat"}
LOGIN = {"password": demo.DEMO_PASSWORD}

Request = collections.namedtuple("Request", ["method", "path", "body", "token"], defaults=[None, None])
LOGINS = [Request("POST", "/api/v1/auth/token", LOGIN | {"email": user[0]}) for user in demo.DEMO_USERS]


def plan(app) -> dict[str, list[Request]]:
    """The requests each operation cycles through, from the demo data in the app's database, read through the models.

    The servers hold the same data, ids included (the demo's are fixed), and share the app's JWT secret.
    """
    client, users = app.test_client(), dict(User.objects.scalar("email", "id"))
    tokens = {
        users[login.body["email"]]: client.post(login.path, json=login.body).json["access_token"] for login in LOGINS
    }
    newest_first = Property.objects.order_by("-created_at").only("owner").as_pymongo()  # as the listing shows them
    listings = [(listing["_id"], tokens[listing["owner"]]) for listing in newest_first]
    sequences = list(ChangeLogEntry.objects(superseded=False).order_by("id").scalar("id"))[4::5]  # as mirrors resume
    cities = [city for city, _ in collections.Counter(demo.CITIES).most_common()]  # most listed first
    spellings = [urllib.parse.quote(city) for city in cities + [city.upper().replace("-", " ") for city in cities]]
    searches = [SEARCH.format(urllib.parse.quote(city), kind, area) for city in cities for kind, area in SEARCHES]
    new = [NEW_LISTING | {"name": f"New flat in {city}", "city": city} for city in cities]
    creations = itertools.islice(zip(itertools.cycle(new), itertools.cycle(tokens.values())), ROTATION)
    return {
        "city_listing": [Request("GET", f"{LISTINGS}?city={city}&page_size=20") for city in spellings],
        "search": [Request("GET", path) for path in searches],
        "property": [Request("GET", f"{LISTINGS}/{listing}") for listing, _ in listings[:ROTATION]],
        "cities": [Request("GET", "/api/v1/cities?page_size=20")],
        "change_feed": [Request("GET", f"{LISTINGS}/changes?cursor={encode_cursor([s])}") for s in sequences],
        "create_property": [Request("POST", LISTINGS, body, token) for body, token in creations],
        # Spread over every listing: a listing takes at most 100 rooms.
        "add_room": [Request("POST", f"{LISTINGS}/{listing}/rooms", ROOM, token) for listing, token in listings],
        "login": LOGINS,
    }


def on_demo_data(app=None):
    """The WSGI app (Arcane's ``create_app()`` by default) on the demo data, which POST /__bench__/reset restores."""

    def reset():
        db = mongoengine.get_db()
        for name in db.list_collection_names():
            if not name.startswith("system."):
                db[name].delete_many({})
        demo.seed(properties=int(os.environ.get("BENCH_PROPERTIES", 300)), administrator=False)

    def resettable(environ, start_response):  # before the app: a measured request pays one comparison
        if environ.get("PATH_INFO") != RESET_PATH:
            return app(environ, start_response)
        reset()
        start_response("204 No Content", [])
        return [b""]

    app = app or create_app()
    reset()
    return resettable


def answered(url: str, timeout: float = 600, **post) -> None:
    """Wait for the server's answer to a GET (a POST with ``data=b""``): urllib raises on an error status."""
    urllib.request.urlopen(urllib.request.Request(url, **post), timeout=timeout).close()  # noqa: S310 (our own URL)


@contextlib.contextmanager
def gunicorn(app: str, env: dict, log: Path):
    """A gunicorn server with config/gunicorn.conf.py, once it answers; stopped with its workers on leaving."""
    port, command = free_port(), [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", app]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env | {"PORT": str(port)}, stdout=output, stderr=output)  # noqa: S603
    try:
        for _ in range(600):  # 2 minutes
            with contextlib.suppress(OSError):
                answered(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            if process.poll() is not None:
                sys.exit(f"benchmark failed: {app} stopped: {log.read_text()[-3000:]}")
            time.sleep(0.2)
        else:
            sys.exit(f"benchmark failed: {app} did not answer /health within 2 minutes")
        yield psutil.Process(process.pid), f"http://127.0.0.1:{port}"
    finally:
        process.terminate()  # gunicorn's master stops its workers, and kills those still busy after graceful_timeout
        process.wait(60)


def run_wrk(url: str, requests: list[Request], seconds: int, path: Path) -> dict:
    """One wrk run cycling through the requests: requests, failures, p50 and p99 in µs, and the rate."""
    lines = [f"{r.method}\t{r.path}\t{r.token or ''}\t{json.dumps(r.body) if r.body else ''}\n" for r in requests]
    path.write_text("".join(lines))
    command = ["wrk", "-t1", "-c16", f"-d{seconds}s", "--timeout", "30s", "-s", str(ROOT / "scripts" / "bench.lua")]
    done = subprocess.run([*command, url, "--", str(path)], capture_output=True, text=True, timeout=seconds + 60)  # noqa: S603
    if done.returncode or not (result := re.search(r"^BENCH_RESULT (.*)$", done.stdout, re.MULTILINE)):
        sys.exit(f"benchmark failed: wrk exited with {done.returncode}: {done.stderr or done.stdout}")
    return json.loads(result.group(1))


def benchmark(kind: str, requests: dict, secret: str, options, workdir: Path) -> dict:
    """Start both servers with this worker class, measure every operation on them, and stop them."""
    # Defaults the environment may change. Arcane's access log (INFO) off: LOG_LEVEL=INFO adds its cost. A creation
    # limit that still counts (its cost is Arcane's) but never stops a run of creations. gunicorn's configuration
    # runs one worker on the embedded database (one per process), more on a real MongoDB.
    env = {"LOG_LEVEL": "WARNING", "PROPERTY_CREATION_LIMIT": "1000000 per hour"} | os.environ
    env |= {"ARCANE_ENV": "local", "SEED_DEMO_DATA": "false", "HOST": "127.0.0.1", "ARCANE_WORKER_CLASS": kind}
    # The tokens plan() signed hold on both servers: same secret, same demo users.
    env |= {"JWT_SECRET_KEY": secret, "MONGODB_URI": options.mongodb_uri, "BENCH_PROPERTIES": str(options.properties)}
    with contextlib.ExitStack() as stack:
        apps = APPS | {"arcane": options.arcane_app}
        servers = {name: stack.enter_context(gunicorn(app, env, workdir / f"{name}.log")) for name, app in apps.items()}
        rss_at_start, runs = rss_mib(servers), []
        # Round 0 warms up; then each round measures Arcane, then the baseline.
        for name, number, server in itertools.product(options.operations, range(options.rounds + 1), APPS):
            url = servers[server][1]
            result = run_wrk(url, requests[name], options.duration if number else 1, workdir / "requests.tsv")
            answered(url + "/health")  # embedded: after what wrk left queued
            if OPERATIONS[name][1] == 201:  # a write: every round starts from the same data
                answered(url + RESET_PATH, data=b"")
            if number:
                runs.append({"operation": name, "server": server, "round": number, **result})
                print(f"{kind} {name} {server} {number}: {result['rate']:.1f} req/s", file=sys.stderr)
        return {"worker_class": kind, "runs": runs, "rss_mib": {"start": rss_at_start, "load": rss_mib(servers)}}


def rss_mib(servers: dict) -> dict[str, float]:
    """The mean resident memory of each server's workers (its master's children)."""
    return {
        name: statistics.mean(w.memory_info().rss for w in process.children()) / 2**20
        for name, (process, _) in servers.items()
    }


def summarise(outcome: dict) -> Iterator[dict]:
    """Medians per operation and server, the Arcane/baseline ratios, and the errors."""
    for name in dict.fromkeys(run["operation"] for run in outcome["runs"]):
        mine = [run for run in outcome["runs"] if run["operation"] == name]
        runs = {server: [run for run in mine if run["server"] == server] for server in APPS}
        row = {"worker_class": outcome["worker_class"], "operation": name, "errors": []}
        for server, theirs in runs.items():
            row[server] = {key: statistics.median(run[key] for run in theirs) for key in ("rate", "p50_us", "p99_us")}
            requests, failed = sum(run["requests"] for run in theirs), sum(run["failed"] for run in theirs)
            if not requests or failed > requests / 100:
                row["errors"].append(f"{server}: {failed} of {requests} failed" if requests else f"{server}: no answer")
        arcane, baseline = ([run["rate"] for run in runs[server]] for server in APPS)
        row["ratio"] = row["arcane"]["rate"] / row["baseline"]["rate"] if row["baseline"]["rate"] else None
        # Each round's two runs are seconds apart: their ratio shrugs off slow drifts of the machine's load.
        row["paired_ratio"] = (
            statistics.median(a / b for a, b in zip(arcane, baseline, strict=True)) if all(baseline) else None
        )
        yield row


def tables(rows: list[dict], outcomes: list[dict]) -> str:
    """Throughput and latency per operation, then the workers' memory, as Markdown tables."""
    header = ["Worker", "Operation", "Arcane req/s", "Baseline req/s", "Arcane/baseline", "Paired ratio"]
    lines = [[*header, "Arcane p50 / p99 ms", "Baseline p50 / p99 ms", "Check"]]
    for row in rows:
        latency = [f"{row[server]['p50_us'] / 1000:.1f} / {row[server]['p99_us'] / 1000:.1f}" for server in APPS]
        figures = [row["arcane"]["rate"], row["baseline"]["rate"], row["ratio"], row["paired_ratio"]]
        check = "ERROR " + "; ".join(row["errors"]) if row["errors"] else "ok"
        lines.append([row["worker_class"], OPERATIONS[row["operation"]][0], *figures, *latency, check])
    memory = [["Worker", "Server", "RSS per worker after start (MiB)", "after load (MiB)"]]
    for outcome, server in itertools.product(outcomes, APPS):
        memory.append(
            [outcome["worker_class"], server, *(outcome["rss_mib"][when][server] for when in ("start", "load"))]
        )
    return table(lines) + "\n\n" + table(memory)


def table(lines: list[list]) -> str:
    """A Markdown table from its header and rows: text as is, figures right-aligned."""
    rule = ["---", "---", *["---:"] * (len(lines[0]) - 2)]
    return "\n".join("| " + " | ".join(map(shown, line)) + " |" for line in [lines[0], rule, *lines[1:]])


def shown(cell: str | float | None) -> str:
    """Text as is, a figure with two decimals below 10 and none above, n/a for none."""
    if isinstance(cell, str):
        return cell
    return "n/a" if cell is None else f"{cell:.{2 if cell < 10 else 0}f}"


def draw_chart(rows: list[dict], path: Path) -> None:
    """Throughput per operation, Arcane beside the baseline and their ratio, one panel per worker class."""
    from matplotlib.figure import Figure  # in requirements-bench.txt only, and the tests import this module

    kinds = list(dict.fromkeys(row["worker_class"] for row in rows))
    figure = Figure(figsize=(6.5 * len(kinds), 5), layout="tight")
    for axis, kind in zip(figure.subplots(1, len(kinds), sharey=True, squeeze=False)[0], kinds, strict=True):
        mine = [row for row in rows if row["worker_class"] == kind]
        # A negative width with align="edge" puts Arcane's bar left of the operation's tick, the baseline's right.
        for width, server, color in ((-0.38, "arcane", "#4C72B0"), (0.38, "baseline", "#B0B0B0")):
            axis.bar(
                range(len(mine)), [row[server]["rate"] for row in mine], width, align="edge", label=server, color=color
            )
        for x, row in enumerate(mine):
            top = max(row[server]["rate"] for server in APPS)
            axis.annotate(
                f"\u00d7{row['ratio'] or 0:.2f}", (x, top), xytext=(0, 4), textcoords="offset points", ha="center"
            )
        axis.set_xticks(range(len(mine)), [OPERATIONS[row["operation"]][0] for row in mine], rotation=30, ha="right")
        axis.set(yscale="log", title=f"worker class: {kind}", ylabel="requests per second (median, log scale)")
        axis.legend(fontsize=8)
    figure.suptitle("Arcane vs. a bare Flask + pymongo baseline (labels: Arcane/baseline)")
    figure.savefig(path, dpi=110)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__)
    add = parser.add_argument
    add("--rounds", type=int, default=3, help="measured runs per operation and server (default 3)")
    add("--duration", type=int, default=3, help="seconds per wrk run (default 3)")
    add("--quick", action="store_const", const=1, help="--rounds 1 --duration 1")
    add("--arcane-app", default=APPS["arcane"], help="measured against the baseline (A/A: the baseline)")
    add("--properties", type=int, default=300, help="demo listings (default 300)")
    add("--worker-classes", default="meinheld,gthread", help="comma-separated (default both)")
    add("--operations", default=",".join(OPERATIONS), help=f"comma-separated, from {','.join(OPERATIONS)}")
    embedded = EMBEDDED_SCHEME + "localhost/arcane_bench"
    add("--mongodb-uri", default=os.environ.get("MONGODB_URI") or embedded, help="a real MongoDB, emptied, shared")
    add("--output-dir", type=Path, default=ROOT / "docs", help="where bench.json and bench.png go")
    options = parser.parse_args(argv)
    options.operations = options.operations.split(",")
    options.rounds, options.duration = options.quick or options.rounds, options.quick or options.duration
    if unknown := set(options.operations) - set(OPERATIONS):
        parser.error(f"unknown operations: {', '.join(sorted(unknown))}")
    if "bench" not in urllib.parse.urlsplit(options.mongodb_uri).path:
        parser.error("the benchmark empties its database: name one with 'bench' in its name")
    # The demo data in this process too, for plan() to read (the servers empty the database and load it again),
    # and tokens that outlive the run.
    environ = {"MONGODB_URI": options.mongodb_uri, "JWT_ACCESS_TOKEN_MINUTES": "1440", "LOG_LEVEL": "WARNING"}
    app = create_app(Settings.from_env(environ, seed_demo_data=False))
    demo.seed(properties=options.properties, administrator=False)
    requests, secret = plan(app), app.config["JWT_SECRET_KEY"]  # a random one, shared by the servers
    with tempfile.TemporaryDirectory(prefix="arcane-bench-") as directory:  # a failure exits, with its message
        outcomes = [
            benchmark(kind, requests, secret, options, Path(directory)) for kind in options.worker_classes.split(",")
        ]
    rows = [row for outcome in outcomes for row in summarise(outcome)]
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)  # noqa: S607
    meta = {"commit": git.stdout.strip(), "seconds": round(time.monotonic() - STARTED), "cpus": os.cpu_count()}
    meta |= {"load_average_at_end": os.getloadavg(), "settings": vars(options) | {"mongodb_uri": "(not recorded)"}}
    options.output_dir.mkdir(parents=True, exist_ok=True)
    document = {"meta": meta, "summary": rows, "worker_classes": outcomes}
    (options.output_dir / "bench.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    draw_chart(rows, options.output_dir / "bench.png")
    print(tables(rows, outcomes))
    return 1 if any(row["errors"] for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
