"""Request bodies on real servers: chunked bodies over 1 MiB, and clients that trickle their body."""

import importlib.util
import socket
import time

import pytest

pytestmark = pytest.mark.production

MIB = 1024 * 1024
HAS_MEINHELD = importlib.util.find_spec("meinheld") is not None
WORKER_CLASSES = [
    "gthread",
    pytest.param("meinheld", marks=pytest.mark.skipif(not HAS_MEINHELD, reason="meinheld is not installed")),
]


def raw_request(port: int, head: bytes, body_parts=(), timeout: float = 10.0) -> bytes:
    """Send a request as given, on one connection; the raw answer (status line first)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(head)
        for part in body_parts:
            connection.sendall(part)
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = connection.recv(65536)
            if not data:
                break
            answer += data
        return answer


def chunked(body: bytes, chunk_bytes: int = 64 * 1024):
    for start in range(0, len(body), chunk_bytes):
        chunk = body[start : start + chunk_bytes]
        yield f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    yield b"0\r\n\r\n"


def sign_in_head(port: int, framing: bytes) -> bytes:
    return (
        b"POST /api/v1/auth/token HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n" % port
        + framing
        + b"\r\n"
    )


def oversized_sign_in() -> bytes:
    # Valid JSON whose first megabyte is a complete sign-in too: a cut body would be processed.
    padding = b" " * (MIB + 10)
    return b'{"email": "a@example.com", "password": "wrong password"}' + padding


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer else 0


def assert_chunked_bodies_are_bounded(port: int) -> None:
    head = sign_in_head(port, b"Transfer-Encoding: chunked\r\n")
    assert status_of(raw_request(port, head, chunked(oversized_sign_in()))) == 413
    small = b'{"email": "a@example.com", "password": "wrong password"}'
    assert status_of(raw_request(port, head, chunked(small, 8))) == 401


def test_a_chunked_body_over_1_mib_is_413_under_make_run(start_flask_run):
    server = start_flask_run()
    assert_chunked_bodies_are_bounded(server.port)


@pytest.mark.parametrize("worker_class", WORKER_CLASSES)
def test_a_chunked_body_over_1_mib_is_413_under_gunicorn(start_gunicorn, worker_class):
    server = start_gunicorn(ARCANE_WORKER_CLASS=worker_class)
    assert_chunked_bodies_are_bounded(int(server.url.rsplit(":", 1)[1]))


def test_a_client_trickling_its_body_does_not_stall_make_run(start_flask_run):
    server = start_flask_run(BODY_READ_TIMEOUT_SECONDS="30")
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    try:
        slow.sendall(sign_in_head(server.port, b"Content-Length: 200\r\n") + b'{"email": ')
        time.sleep(0.3)  # the server has the request and waits for the rest of the body
        for _ in range(3):
            started = time.monotonic()
            assert server.get("/health", timeout=5)[0] == 200
            head = sign_in_head(server.port, b"Content-Length: 47\r\n")
            answer = raw_request(server.port, head, [b'{"email": "a@example.com", "password": "nope!"}'], timeout=5)
            assert status_of(answer) == 401  # a request that needs the embedded database's lock
            assert time.monotonic() - started < 2
            slow.sendall(b" ")
    finally:
        slow.close()


@pytest.mark.parametrize("worker_class", WORKER_CLASSES)
def test_a_trickled_body_never_holds_a_gunicorn_worker(start_gunicorn, worker_class):
    server = start_gunicorn(ARCANE_WORKER_CLASS=worker_class, BODY_READ_TIMEOUT_SECONDS="2")
    port = int(server.url.rsplit(":", 1)[1])
    started = time.monotonic()
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as slow:
        slow.sendall(sign_in_head(port, b"Content-Length: 200\r\n") + b'{"email": ')
        while not answer and time.monotonic() - started < 8:
            try:
                slow.settimeout(0.5)
                answer = slow.recv(65536)
            except TimeoutError:
                slow.sendall(b" ")  # one byte now and then: never idle, never done
            assert server.get("/health", timeout=2)[0] == 200
    if worker_class == "gthread":
        # The read deadline: the thread is free again after BODY_READ_TIMEOUT_SECONDS.
        assert status_of(answer) == 408
        assert time.monotonic() - started < 8
    else:
        # meinheld reads bodies itself, asynchronously, before the app: the client holds a
        # connection of the worker's event loop, never the worker, which answered /health throughout.
        assert status_of(answer) in {0, 408}
