"""Fixtures: an app on a throw-away database, its client, and users with real tokens.

Tests run on mongomock. With ARCANE_TEST_MONGODB_URI set (e.g. mongodb://localhost:27017),
every test runs against that server instead, in a database of its own that is dropped after.
"""

import collections
import contextlib
import dataclasses
import datetime as dt
import functools
import os
import threading
import urllib.parse
import uuid
from collections.abc import Iterator

import mongoengine
import mongomock
import pymongo.monitoring
import pytest
from flask import Flask

from arcane import create_app, database, metrics, prepare_database, rate_limits
from arcane.settings import SETTINGS_EXTENSION, Settings
from tests import factories

REAL_MONGODB_URI = os.environ.get("ARCANE_TEST_MONGODB_URI", "").strip()
real_mongodb_only = pytest.mark.skipif(not REAL_MONGODB_URI, reason="needs ARCANE_TEST_MONGODB_URI (a real MongoDB)")
THROWAWAY_PREFIX = "arcane_test_"
# A JWT key the production profile accepts: long, varied, and in no list of known weak secrets.
STRONG_SECRET = "k3Yq9vX2pL7mN4bR8tW1zC6fH0jD5sGa"
# Figures a test adds to the end-of-run summary travel in its report (user_properties): under
# pytest-xdist tests run in worker processes, and only their reports reach the one that prints.
SUMMARY_PROPERTY = "arcane_summary"
SUMMARIES: dict[str, list[dict]] = collections.defaultdict(list)


def throwaway_database_uri() -> str:
    """A URI naming a fresh database: on mongomock, or on the real server when one is given."""
    name = f"{THROWAWAY_PREFIX}{uuid.uuid4().hex[:12]}"
    if not REAL_MONGODB_URI:
        return f"mongomock://localhost/{name}"
    parts = urllib.parse.urlsplit(REAL_MONGODB_URI)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def make_settings(**overrides) -> Settings:
    """Test-profile settings on a fresh database."""
    values = {"mongodb_uri": throwaway_database_uri(), "seed_demo_data": False}
    values.update(overrides)
    return Settings.from_env({"ARCANE_ENV": "test"}, **values)


@pytest.fixture
def settings():
    return make_settings()


@contextlib.contextmanager
def running_app(settings: Settings) -> Iterator[Flask]:
    """An app for the settings; on leaving, its throw-away database is dropped and the connection closed."""
    app = create_app(settings)
    try:
        yield app
    finally:
        _drop_throwaway_database(settings)


def _drop_throwaway_database(settings: Settings) -> None:
    """Drop the test's database on a real MongoDB (mongomock's dies with its client), and disconnect."""
    db = mongoengine.get_db()
    if not settings.embedded and db.name.startswith(THROWAWAY_PREFIX):
        db.client.drop_database(db.name)
    database.disconnect()


# create_app registers the blueprints and builds the OpenAPI document: most of the CPU of an API
# test. So each test process builds one app per set of settings (the database aside) and gives
# every test what a new app would have: its own empty database, readied as at start-up, and new
# per-app state. PER_TEST_STATE names that state; a test checks that no other extension appears.
_APPS: dict[str, Flask] = {}
PER_TEST_STATE = {SETTINGS_EXTENSION, rate_limits.EXTENSION, database.BREAKER_EXTENSION, metrics.EXTENSION}


def reusable_app(settings: Settings) -> Flask:
    """An app for the settings on their fresh database, built once per test process for equal settings."""
    key = repr(dataclasses.replace(settings, mongodb_uri=""))
    app = _APPS.get(key)
    if app is None:
        app = _APPS[key] = create_app(settings)
        return app
    database.connect(settings)
    prepare_database(settings)
    app.extensions[SETTINGS_EXTENSION] = settings
    # The test profile draws a new JWT secret for each settings: a new app would sign with it.
    app.config["JWT_SECRET_KEY"] = settings.jwt_secret_key
    rate_limits.init_app(app, settings)
    app.extensions[database.BREAKER_EXTENSION] = database.Breaker()
    app.extensions[metrics.EXTENSION] = metrics.RequestMetrics()
    return app


@pytest.fixture
def app(settings):
    app = reusable_app(settings)
    try:
        yield app
    finally:
        _drop_throwaway_database(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def user(app, client):
    """A signed-up user with a real access token."""
    return factories.signed_in_user(client)


@pytest.fixture
def other_user(app, client):
    """A second user, for ownership checks."""
    return factories.signed_in_user(client, email="other@example.com", first_name="Olivia")


@pytest.fixture
def admin(app, client):
    """An administrator, created the way an operator does (no endpoint grants the role)."""
    return factories.signed_in_admin(app, client)


@dataclasses.dataclass(frozen=True)
class DatabaseCommand:
    """One command sent to the database: find, count, aggregate, insert, update or delete."""

    name: str
    collection: str
    filter: dict | None = None
    update: dict | None = None
    sort: list | None = None  # a find's sort, as (field, direction) pairs
    upsert: bool = False


class CommandRecorder:
    """Records the commands the application sends while ``recording``."""

    def __init__(self):
        self.commands: list[DatabaseCommand] = []
        self.active = False

    @contextlib.contextmanager
    def recording(self):
        self.commands, self.active = [], True
        try:
            yield self.commands
        finally:
            self.active = False

    def add(self, command: DatabaseCommand) -> None:
        if self.active:
            self.commands.append(command)


class _RealMongoDBListener(pymongo.monitoring.CommandListener):
    """On a real MongoDB: the commands as pymongo's command monitoring sees them."""

    def __init__(self, recorder: CommandRecorder):
        self.recorder = recorder

    def started(self, event):
        command, name = event.command, event.command_name
        collection = command.get(name)
        if name == "update":
            for update in command["updates"]:
                self.recorder.add(
                    DatabaseCommand("update", collection, update["q"], update["u"], upsert=update.get("upsert", False))
                )
        elif name == "delete":
            for delete in command["deletes"]:
                self.recorder.add(DatabaseCommand("delete", collection, delete["q"]))
        elif name == "findAndModify":
            query, update = command.get("query"), command.get("update")
            self.recorder.add(DatabaseCommand("update", collection, query, update, upsert=command.get("upsert", False)))
        elif name == "find":
            sort = list(command["sort"].items()) if command.get("sort") else None
            self.recorder.add(DatabaseCommand(name, collection, command.get("filter"), sort=sort))
        elif name in ("insert", "aggregate", "count"):
            self.recorder.add(DatabaseCommand(name, collection, command.get("filter")))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


MONGOMOCK_COMMANDS = {
    "insert_one": "insert",
    "insert_many": "insert",
    "update_one": "update",
    "update_many": "update",
    "replace_one": "update",
    "find_one_and_update": "update",
    "find_one_and_replace": "update",
    "find_one_and_delete": "delete",
    "delete_one": "delete",
    "delete_many": "delete",
    "aggregate": "aggregate",
    "count_documents": "count",
    "bulk_write": "bulk_write",
}


def _record_mongomock(recorder: CommandRecorder):
    """On mongomock: wrap its Collection's methods, and count a find when its cursor runs.

    A find is recorded when its results are computed, as a real MongoDB receives it when the
    cursor is first iterated (mongoengine builds cursors it never iterates, e.g. to count).
    Calls mongomock makes to itself inside a recorded one are not recorded again.
    """
    import mongomock.collection

    depth = threading.local()
    patches = []

    def wrap(owner, method_name, make_command):
        original = getattr(owner, method_name)

        @functools.wraps(original)
        def recorded(self, *args, **kwargs):
            outermost = getattr(depth, "value", 0) == 0
            if outermost:
                command = make_command(self, args, kwargs)
                if command is not None:
                    recorder.add(command)
            depth.value = getattr(depth, "value", 0) + 1
            try:
                return original(self, *args, **kwargs)
            finally:
                depth.value -= 1

        patches.append((owner, method_name, original))
        setattr(owner, method_name, recorded)

    def collection_command(name):
        def make(collection, args, kwargs):
            filter_ = args[0] if args else kwargs.get("filter")
            update = args[1] if len(args) > 1 else kwargs.get("update", kwargs.get("replacement"))
            if name in ("insert", "aggregate", "bulk_write"):
                filter_, update = None, None
            return DatabaseCommand(name, collection.name, filter_, update, upsert=bool(kwargs.get("upsert")))

        return make

    for method_name, name in MONGOMOCK_COMMANDS.items():
        wrap(mongomock.collection.Collection, method_name, collection_command(name))

    def cursor_command(cursor, args, kwargs):
        if cursor._results is None:  # mongomock's own cache: computed once per cursor
            return DatabaseCommand("find", cursor.collection.name, cursor._spec, sort=list(cursor._sort or []) or None)
        return None

    # mongomock computes a cursor's results lazily, in this (private) method, once per cursor.
    wrap(mongomock.collection.Cursor, "_compute_results", cursor_command)
    return patches


_recorder = CommandRecorder()
if REAL_MONGODB_URI:
    # Registered before any client exists: pymongo applies global listeners to new clients.
    pymongo.monitoring.register(_RealMongoDBListener(_recorder))


@pytest.fixture
def database_commands(app):
    """A context manager recording the commands sent to the database: ``with database_commands() as sent``."""
    patches = [] if REAL_MONGODB_URI else _record_mongomock(_recorder)
    try:
        yield _recorder.recording
    finally:
        for owner, method_name, original in reversed(patches):
            setattr(owner, method_name, original)


@pytest.fixture
def days_later(monkeypatch):
    """Move mongomock's TTL clock (its documented hook) forward: ``days_later(31)``."""
    if REAL_MONGODB_URI:
        pytest.skip("a real MongoDB's TTL monitor runs on the server's clock")
    return lambda days: monkeypatch.setattr(mongomock, "utcnow", lambda: dt.datetime.utcnow() + dt.timedelta(days=days))


def pytest_collection_modifyitems(items):
    """The longest tests first: under xdist, the other processes share the rest of the suite meanwhile."""
    items.sort(key=lambda item: item.get_closest_marker("longest") is None)


def add_to_summary(item: pytest.Item, section: str, figures: dict) -> None:
    """Put a test's figures (plain values: they cross processes) in its teardown report."""
    item.user_properties.append((SUMMARY_PROPERTY, (section, figures)))


def pytest_runtest_logreport(report):
    if report.when != "teardown":
        return
    for name, value in report.user_properties:
        if name == SUMMARY_PROPERTY:
            section, figures = value
            SUMMARIES[section].append(figures)


def pytest_terminal_summary(terminalreporter):
    if corpus := SUMMARIES.get("bad-input corpus"):
        operations = {operation for figures in corpus for operation in figures["operations"]}
        terminalreporter.write_sep("-", "bad-input corpus")
        terminalreporter.write_line(
            f"{sum(figures['cases'] for figures in corpus)} hostile requests on {len(operations)} operations: "
            f"{sum(figures['failures'] for figures in corpus)} failures"
        )
    for fuzz in SUMMARIES.get("schemathesis", []):
        phases = ", ".join(f"{phase} {count}" for phase, count in fuzz["cases"].items())
        terminalreporter.write_sep("-", "schemathesis")
        terminalreporter.write_line(
            f"{sum(fuzz['cases'].values())} cases ({phases}) in {fuzz['seconds']:.0f} s: "
            f"{fuzz['failures']} failures, {fuzz['errors']} errors"
        )
