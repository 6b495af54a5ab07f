"""The suite's reused app (tests/conftest.py): each test gets the state a new app would have."""

from arcane.models import User
from tests import factories
from tests.conftest import PER_TEST_STATE, make_settings, reusable_app

# Extensions set once when the app is wired, whose state no request changes.
STATIC_WIRING = {"flask-jwt-extended", "flask-smorest"}


def test_every_extension_is_either_reset_per_test_or_static_wiring(app):
    """New per-app state must be added to PER_TEST_STATE (and reset), or tests would share it."""
    assert set(app.extensions) == PER_TEST_STATE | STATIC_WIRING


def test_a_reused_app_starts_from_an_empty_database_and_new_counters():
    first = reusable_app(make_settings(login_account_address_limit="1 per hour"))
    client = first.test_client()
    factories.sign_up(client, email="kept@example.com")
    wrong = {"email": "kept@example.com", "password": "not the password"}
    assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
    assert client.post("/api/v1/auth/token", json=wrong).status_code == 429

    second = reusable_app(make_settings(login_account_address_limit="1 per hour"))
    client = second.test_client()
    assert second is first
    assert User.objects.count() == 0
    assert b"/api/v1/auth/token" not in client.get("/metrics").data
    factories.sign_up(client, email="kept@example.com")
    assert client.post("/api/v1/auth/token", json=wrong).status_code == 401


def test_a_reused_app_signs_tokens_with_the_secret_of_the_test_settings():
    """Each test's settings make a new random secret, as a new app would: the reused app takes it."""
    first_settings, second_settings = make_settings(), make_settings()
    assert first_settings.jwt_secret_key != second_settings.jwt_secret_key
    first = reusable_app(first_settings)
    second = reusable_app(second_settings)
    assert second is first
    assert second.config["JWT_SECRET_KEY"] == second_settings.jwt_secret_key
