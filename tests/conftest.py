"""Fixtures: an app on a throw-away database, its client, and users with real tokens.

Tests run on mongomock. With ARCANE_TEST_MONGODB_URI set (e.g. mongodb://localhost:27017),
every test runs against that server instead, in a database of its own that is dropped after.
"""

import os
import urllib.parse
import uuid

import mongoengine
import pytest

from arcane import create_app, database
from arcane.settings import Settings
from tests import factories

REAL_MONGODB_URI = os.environ.get("ARCANE_TEST_MONGODB_URI", "").strip()


def throwaway_database_uri() -> str:
    """A URI naming a fresh database: on mongomock, or on the real server when one is given."""
    name = f"arcane_test_{uuid.uuid4().hex[:12]}"
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


@pytest.fixture
def app(settings):
    app = create_app(settings)
    yield app
    if not settings.embedded:
        db = mongoengine.get_db()
        db.client.drop_database(db.name)
    database.disconnect()


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
