"""scripts/seed.py: the flask seed command, run on a real database only, never on production by mistake."""

import pymongo
import pytest

from scripts import seed
from tests.conftest import REAL_MONGODB_URI, STRONG_SECRET, throwaway_database_uri

# Nothing listens on port 1 of the loopback: the script must refuse before it connects.
UNREACHABLE_DATABASE = "mongodb://127.0.0.1:1/arcane"


@pytest.fixture
def environ(monkeypatch):
    for name in ("ARCANE_ENV", "MONGODB_URI", "JWT_SECRET_KEY", "SEED_DEMO_DATA", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_embedded_database_is_refused(environ, capsys):
    assert seed.main([]) == 2
    assert "MONGODB_URI is not set" in capsys.readouterr().err


def test_a_production_database_is_refused_without_the_flag(environ, capsys):
    environ.setenv("ARCANE_ENV", "production")
    environ.setenv("JWT_SECRET_KEY", STRONG_SECRET)
    environ.setenv("MONGODB_URI", UNREACHABLE_DATABASE)
    environ.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:1")
    assert seed.main([]) == 2
    assert "refusing to add demo users to a production database" in capsys.readouterr().err


def test_bad_settings_are_reported(environ, capsys):
    environ.setenv("ARCANE_ENV", "staging")
    assert seed.main([]) == 2
    assert "ARCANE_ENV must be one of" in capsys.readouterr().err


@pytest.mark.skipif(not REAL_MONGODB_URI, reason="needs a real MongoDB (ARCANE_TEST_MONGODB_URI)")
def test_a_real_database_gets_the_demo_data(environ, capsys):
    uri = throwaway_database_uri()
    environ.setenv("ARCANE_ENV", "test")
    environ.setenv("MONGODB_URI", uri)
    client = pymongo.MongoClient(uri)
    try:
        assert seed.main(["--properties", "5"]) == 0
        assert "Demo data: 3 users, 5 properties." in capsys.readouterr().out
        assert client.get_default_database()["properties"].count_documents({}) == 5
    finally:
        client.drop_database(client.get_default_database().name)
        client.close()
