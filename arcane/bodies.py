"""Request bodies: read whole, bounded in size and time, before the application runs.

werkzeug's MAX_CONTENT_LENGTH answers 413 to a declared Content-Length over the limit, but a
chunked body has none: werkzeug then cuts the stream at the limit and the app parses what it
got. And a body read lazily by the view is read while the embedded database's lock is held, so
one client trickling its body would stall every other. This middleware, outermost, reads the
body first (up to the limit plus one byte, within a deadline) and hands the app a buffered copy;
a body over the limit is a 413, one that does not arrive in time a 408, in the one error shape.
"""

import contextlib
import io
import itertools
import socket
import threading
import time

from flask import Flask, request

from arcane.http_errors import http_exception

BODY_ERROR = "arcane.body_error"
# The server's client socket, where it exposes it: gunicorn (sync and gthread workers) and
# werkzeug's development server. meinheld reads the body itself, asynchronously, before the app.
SERVER_SOCKETS = ("gunicorn.socket", "werkzeug.socket")
CHUNK_BYTES = 64 * 1024
MESSAGES = {
    408: "The request body did not arrive in time.",
    413: "The request body is too large.",
}


class ReadDeadlines:
    """Shuts the read side of client sockets whose body is late: one thread per process.

    A socket timeout bounds each read, not the body: a client sending a byte now and then never
    trips it. At the deadline this thread shuts the socket for reading, the blocked read returns,
    and the request is answered 408. It wakes up a few times a second, whatever the traffic.
    """

    TICK_SECONDS = 0.2

    def __init__(self):
        self.lock = threading.Lock()
        self.watched: dict[int, tuple[socket.socket, float]] = {}
        self.expired: set[int] = set()
        self.tokens = itertools.count()
        self.thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, deadline: float) -> int:
        with self.lock:
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, name="arcane-body-deadlines", daemon=True)
                self.thread.start()
            token = next(self.tokens)
            self.watched[token] = (sock, deadline)
            return token

    def release(self, token: int) -> bool:
        """Stop watching; True when the deadline had passed and the socket was shut."""
        with self.lock:
            self.watched.pop(token, None)
            if token in self.expired:
                self.expired.discard(token)
                return True
            return False

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK_SECONDS)
            now = time.monotonic()
            with self.lock:
                late = [token for token, (_, deadline) in self.watched.items() if deadline <= now]
                for token in late:
                    sock, _ = self.watched.pop(token)
                    self.expired.add(token)
                    with contextlib.suppress(OSError):  # the client has gone already
                        sock.shutdown(socket.SHUT_RD)


class BufferedBody:
    """WSGI middleware: read the body, at most ``max_bytes``, within ``seconds``, before the app."""

    def __init__(self, wsgi_app, *, max_bytes: int, seconds: float):
        self.wsgi_app = wsgi_app
        self.max_bytes = max_bytes
        self.seconds = seconds
        self.deadlines = ReadDeadlines()

    def __call__(self, environ, start_response):
        declared = _content_length(environ)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if declared is None and not chunked:
            return self.wsgi_app(environ, start_response)  # no body
        if declared is not None and declared > self.max_bytes:
            environ[BODY_ERROR] = 413  # not read at all
        else:
            self._buffer(environ, declared)
        return self.wsgi_app(environ, start_response)

    def _buffer(self, environ, declared: int | None) -> None:
        stream = environ["wsgi.input"]
        wanted = self.max_bytes + 1 if declared is None else declared
        sock = next((environ[name] for name in SERVER_SOCKETS if environ.get(name) is not None), None)
        token = self.deadlines.watch(sock, time.monotonic() + self.seconds) if sock is not None else None
        parts, received, failed = [], 0, False
        try:
            while received < wanted:
                part = stream.read(min(CHUNK_BYTES, wanted - received))
                if not part:
                    break
                parts.append(part)
                received += len(part)
        except (OSError, ValueError):
            failed = True  # the server's reader gave up: the client went away, or the socket was shut
        finally:
            late = token is not None and self.deadlines.release(token)
        if late or failed or (declared is not None and received < declared):
            self._refuse(environ, 408)
            return
        if received > self.max_bytes:
            self._refuse(environ, 413)
            return
        body = b"".join(parts)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["wsgi.input_terminated"] = True

    def _refuse(self, environ, status: int) -> None:
        environ[BODY_ERROR] = status
        environ["wsgi.input"] = io.BytesIO(b"")
        environ["CONTENT_LENGTH"] = "0"
        environ.pop("HTTP_TRANSFER_ENCODING", None)


def _content_length(environ) -> int | None:
    raw = environ.get("CONTENT_LENGTH", "").strip()
    if not raw:
        return None
    try:
        return max(0, int(raw))
    except ValueError:
        return None


def init_app(app: Flask) -> None:
    """Answer the body errors the middleware found, before anything else runs."""

    @app.before_request
    def refuse_unread_bodies():
        status = request.environ.get(BODY_ERROR)
        if status:
            raise http_exception(status, MESSAGES[status])
