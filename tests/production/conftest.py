"""Start the real gunicorn, with config/gunicorn.conf.py, on 127.0.0.1 and a free port.

Every server runs in a process group of its own and is stopped after its test, whatever happens.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scripts.processes import children, free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "gunicorn.conf.py"
BOOT_SECONDS = 15
STOP_SECONDS = 5


def get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """GET a URL; a status code and body, or (0, b"") when the connection failed."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (a 127.0.0.1 URL)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


class Server:
    """A server process started for one test, in a process group of its own, logging to a file."""

    def __init__(self, command: list[str], port: int, env: dict, log_path: Path):
        with log_path.open("wb") as log_file:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
        return get(self.url + path, timeout=timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_SECONDS)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # workers orphaned by a crashed master
        self.process.wait(STOP_SECONDS)


class GunicornServer(Server):
    """A gunicorn master started for one test."""

    @property
    def pid(self) -> int:
        return self.process.pid

    def workers(self) -> set[int]:
        return children(self.pid)

    def wait_for_workers(self, count: int, *, excluding: set[int] = frozenset(), seconds: float = BOOT_SECONDS):
        """Wait until `count` workers, none of them in `excluding`, run and /health answers."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            workers = self.workers()
            if len(workers) == count and not workers & excluding and self.get("/health")[0] == 200:
                return workers
            time.sleep(0.05)
        pytest.fail(f"gunicorn did not get {count} workers in {seconds} s:\n{self.log()}")


@pytest.fixture
def start_gunicorn(tmp_path):
    """Start gunicorn with the given extra arguments and environment; stopped after the test."""
    servers = []

    def start(*arguments: str, workers: int = 1, **environ: str) -> GunicornServer:
        port = free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"MONGODB_URI", "WEB_CONCURRENCY", "GUNICORN_WORKERS", "ARCANE_WORKER_CLASS"}
        }
        defaults = {
            "ARCANE_ENV": "test",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            # Embedded database: /health needs none, and each worker has its own (test-only setting).
            "GUNICORN_WORKERS": str(workers),
            "LOG_LEVEL": "info",
        }
        env.update({**defaults, **environ})
        command = [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), *arguments]
        server = GunicornServer(command, port, env, tmp_path / f"gunicorn-{len(servers)}.log")
        servers.append(server)
        server.wait_for_workers(workers)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def start_flask_run(tmp_path):
    """Start the development server as `make run` does (threaded, no reloader); stopped after the test."""
    servers = []

    def start(**environ: str) -> Server:
        port = free_port()
        env = {key: value for key, value in os.environ.items() if key not in {"MONGODB_URI"}}
        env.update(ARCANE_ENV="test", LOG_LEVEL="INFO", **environ)
        command = [sys.executable, "-m", "flask", "--app", "arcane", "run", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--no-reload"]
        server = Server(command, port, env, tmp_path / f"flask-run-{len(servers)}.log")
        servers.append(server)
        deadline = time.monotonic() + BOOT_SECONDS
        while server.get("/health")[0] != 200:
            if server.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"flask run did not start:\n{server.log()}")
            time.sleep(0.05)
        return server

    yield start
    for server in servers:
        server.stop()


class RedisServer:
    """A redis-server of the test session, on 127.0.0.1."""

    def __init__(self, process: subprocess.Popen, port: int):
        self.process = process
        self.port = port
        self.uri = f"redis://127.0.0.1:{port}/0"

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
            connection.sendall(b"FLUSHALL\r\n")
            assert connection.recv(16).startswith(b"+OK")


@pytest.fixture(scope="session")
def redis_session(tmp_path_factory):
    """A real redis-server (Debian's package) for the whole session, or a skip saying it is missing."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is missing: apt-get install redis-server (make test installs it as root)")
    port = free_port()
    directory = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(  # noqa: S603 (Debian's redis-server, our arguments)
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(directory),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdin=subprocess.DEVNULL,
        stdout=(directory / "redis.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    server = RedisServer(process, port)
    deadline = time.monotonic() + BOOT_SECONDS
    while not server.ping():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"redis-server did not start:\n{(directory / 'redis.log').read_text()}")
        time.sleep(0.05)
    yield server
    process.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(STOP_SECONDS)
    if process.poll() is None:
        process.kill()
        process.wait(STOP_SECONDS)


@pytest.fixture
def redis_server(redis_session):
    """The session's redis-server, emptied for this test."""
    redis_session.flush()
    return redis_session


def health_is_ok(response: tuple[int, bytes]) -> bool:
    status, body = response
    return status == 200 and json.loads(body) == {"status": "ok"}
