"""MongoDB connection (a real server or the embedded mongomock), indexes and ping."""

import threading
import time

import mongoengine
import pymongo.errors
from mongoengine.connection import DEFAULT_CONNECTION_NAME

from arcane.settings import EMBEDDED_SCHEME, Settings

# What a database that is down or too slow raises.
OUTAGES = (pymongo.errors.ConnectionFailure, pymongo.errors.ExecutionTimeout, pymongo.errors.WaitQueueTimeoutError)
# How often pymongo's monitor thread checks the server (its default is 10 s): how soon an
# outage, and the end of one, is seen without a request having to wait for it.
HEARTBEAT_MS = 1000
# After an outage error, requests fail fast for this long; then one is let through to try.
BREAKER_SECONDS = 2.0
BREAKER_EXTENSION = "arcane.database_breaker"


def connect(settings: Settings) -> None:
    """Connect mongoengine's default alias to the configured database."""
    disconnect()
    options = {"uuidRepresentation": "standard", "tz_aware": True}
    if settings.embedded:
        import mongomock

        # mongoengine rejects mongomock:// URIs: pass the client class instead.
        host = "mongodb://" + settings.mongodb_uri.removeprefix(EMBEDDED_SCHEME)
        mongoengine.connect(host=host, mongo_client_class=mongomock.MongoClient, **options)
        return
    timeout = settings.mongodb_timeout_ms
    mongoengine.connect(
        host=settings.mongodb_uri,
        appname="arcane",
        # Client-side operation timeout: bounds every operation end to end (waiting for a pooled
        # connection, the network, and the server, to which it is sent as maxTimeMS).
        timeoutMS=timeout,
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=timeout,
        heartbeatFrequencyMS=HEARTBEAT_MS,
        **options,
    )


def disconnect() -> None:
    """Close the default connection, if any."""
    mongoengine.disconnect(DEFAULT_CONNECTION_NAME)


def ensure_indexes(documents) -> None:
    """Create the indexes the documents declare (idempotent)."""
    for document in documents:
        document.ensure_indexes()


class Breaker:
    """Fail fast while the database is down or hung, instead of making each request wait for it.

    A worker of the default class (meinheld) serves one request at a time: a request waiting
    MONGODB_TIMEOUT_MS for a hung database holds up every request queued behind it, /health
    included. So a request that needs the database is refused at once (503) when

    - pymongo's monitor, which checks the server every second off the request path, sees no
      server to write to (down, or hung: its check times out), or
    - a request failed with an outage in the last BREAKER_SECONDS (the monitor may not have
      noticed yet); after that interval one request is let through to try, the others still
      fail fast, and its success closes the breaker.
    """

    def __init__(self, seconds: float = BREAKER_SECONDS):
        self.seconds = seconds
        self.lock = threading.Lock()
        self.open_until = 0.0

    def allow(self) -> bool:
        """True when a request may use the database now (it may be the one trying)."""
        if not _server_available():
            return False
        if not self.open_until:
            return True
        with self.lock:
            now = time.monotonic()
            if now < self.open_until:
                return False
            self.open_until = now + self.seconds  # this request tries; the others wait for its outcome
            return True

    def failed(self) -> None:
        """A request met an outage: fail fast for a while."""
        with self.lock:
            self.open_until = time.monotonic() + self.seconds

    def succeeded(self) -> None:
        """A request used the database without an outage: close the breaker."""
        if self.open_until:
            with self.lock:
                self.open_until = 0.0


def _server_available() -> bool:
    client = mongoengine.get_connection()
    # mongomock has no topology: the embedded database is always there.
    description = getattr(client, "topology_description", None)
    return description is None or description.has_writable_server()


def ping() -> None:
    """Round-trip to the database; raises a pymongo error when it is unreachable."""
    mongoengine.get_db().command("ping")


class OneRequestAtATime:
    """WSGI middleware for the embedded database: mongomock is not thread-safe.

    Its updates are not atomic (two concurrent $push can lose one, a guarded $push can overshoot
    its guard), so on mongomock requests are served one at a time. A real MongoDB needs no such
    thing: each update is atomic on the server.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            return list(self.wsgi_app(environ, start_response))
