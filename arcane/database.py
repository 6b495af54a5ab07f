"""MongoDB connection (a real server or the embedded mongomock), indexes and ping."""

import threading

import mongoengine
import pymongo.errors
from mongoengine.connection import DEFAULT_CONNECTION_NAME

from arcane.settings import EMBEDDED_SCHEME, Settings

# What a database that is down or too slow raises.
OUTAGES = (pymongo.errors.ConnectionFailure, pymongo.errors.ExecutionTimeout, pymongo.errors.WaitQueueTimeoutError)


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
        **options,
    )


def disconnect() -> None:
    """Close the default connection, if any."""
    mongoengine.disconnect(DEFAULT_CONNECTION_NAME)


def ensure_indexes(documents) -> None:
    """Create the indexes the documents declare (idempotent)."""
    for document in documents:
        document.ensure_indexes()


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
