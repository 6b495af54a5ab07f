import pytest

from arcane.settings import EMBEDDED_URI, Settings, SettingsError
from tests.conftest import STRONG_SECRET

REAL_URI = "mongodb://db.internal:27017/arcane"


def production(**environ):
    values = {
        "ARCANE_ENV": "production",
        "JWT_SECRET_KEY": STRONG_SECRET,
        "MONGODB_URI": REAL_URI,
        "RATELIMIT_STORAGE_URI": "rediss://:token@cache.internal:6379/0",
    }
    values.update(environ)
    return Settings.from_env({key: value for key, value in values.items() if value is not None})


def test_local_profile_defaults_to_the_embedded_database():
    settings = Settings.from_env({})
    assert settings.env == "local"
    assert settings.mongodb_uri == EMBEDDED_URI
    assert settings.embedded


def test_local_profile_without_a_secret_gets_a_random_one():
    first, second = Settings.from_env({}), Settings.from_env({})
    assert len(first.jwt_secret_key) >= 32
    assert first.jwt_secret_key != second.jwt_secret_key


def test_production_accepts_safe_settings():
    settings = production()
    assert settings.env == "production"
    assert not settings.embedded
    assert not settings.debug


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"JWT_SECRET_KEY": None}, "JWT_SECRET_KEY is missing"),
        ({"JWT_SECRET_KEY": "short-secret"}, "JWT_SECRET_KEY is weak"),
        ({"JWT_SECRET_KEY": "a" * 40}, "JWT_SECRET_KEY is weak"),
        ({"JWT_SECRET_KEY": "local-only-public-jwt-key-never-use-it-in-production"}, "JWT_SECRET_KEY is weak"),
        ({"ARCANE_DEBUG": "true"}, "ARCANE_DEBUG must be off"),
        ({"MONGODB_URI": None}, "MONGODB_URI must point to a real MongoDB"),
        ({"MONGODB_URI": "mongomock://localhost/arcane"}, "MONGODB_URI must point to a real MongoDB"),
        ({"RATELIMIT_STORAGE_URI": None}, "RATELIMIT_STORAGE_URI must name a store shared by every worker"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI must name a store shared by every worker"),
    ],
)
def test_production_refuses_unsafe_settings(environ, complaint):
    with pytest.raises(SettingsError, match=complaint):
        production(**environ)


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"ARCANE_ENV": "staging"}, "ARCANE_ENV must be one of"),
        ({"MONGODB_TIMEOUT_MS": "soon"}, "MONGODB_TIMEOUT_MS must be an integer"),
        ({"MONGODB_TIMEOUT_MS": "5"}, "MONGODB_TIMEOUT_MS must be at least 100"),
        ({"ARCANE_DEBUG": "maybe"}, "ARCANE_DEBUG must be true or false"),
    ],
)
def test_malformed_settings_are_refused_with_their_name(environ, complaint):
    with pytest.raises(SettingsError, match=complaint):
        Settings.from_env(environ)


def test_token_lifetimes_come_from_the_environment():
    settings = Settings.from_env({"JWT_ACCESS_TOKEN_MINUTES": "5", "JWT_REFRESH_TOKEN_DAYS": "2"})
    assert (settings.access_token_minutes, settings.refresh_token_days) == (5, 2)
