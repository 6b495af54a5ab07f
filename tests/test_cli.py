import dataclasses

import pytest

from arcane import demo
from arcane.models import Property
from arcane.services import users
from arcane.settings import SETTINGS_EXTENSION
from tests.conftest import make_settings, running_app
from tests.factories import create_property, sign_up, signed_in_user


@pytest.fixture
def server_database(app):
    """Let create-admin run on this test's database, as it does on a server's.

    On mongomock the refusal below would stop it; here the test client shares this process's
    embedded database, so the administrator the command makes is seen. Against a real MongoDB
    (ARCANE_TEST_MONGODB_URI) nothing is changed.
    """
    settings = app.extensions[SETTINGS_EXTENSION]
    if settings.embedded:
        app.extensions[SETTINGS_EXTENSION] = dataclasses.replace(settings, mongodb_uri="mongodb://the-server/arcane")
    return app


def test_create_admin_refuses_the_embedded_database_and_names_the_demo_administrator(app, client, monkeypatch):
    if not app.extensions[SETTINGS_EXTENSION].embedded:
        pytest.skip("the suite runs against a real MongoDB (ARCANE_TEST_MONGODB_URI)")
    monkeypatch.setenv("ARCANE_ADMIN_PASSWORD", "an admin password")
    result = app.test_cli_runner().invoke(args=["create-admin", "root@example.com"])
    assert result.exit_code == 1
    assert "refuses the embedded database" in result.output
    assert "would vanish when the command exits" in result.output
    assert demo.DEMO_ADMIN_EMAIL in result.output
    assert demo.DEMO_PASSWORD in result.output
    refused = client.post("/api/v1/auth/token", json={"email": "root@example.com", "password": "an admin password"})
    assert refused.status_code == 401


def test_create_admin_creates_an_administrator(server_database, app, client, monkeypatch):
    monkeypatch.setenv("ARCANE_ADMIN_PASSWORD", "an admin password")
    result = app.test_cli_runner().invoke(args=["create-admin", "Root@Example.com"])
    assert result.exit_code == 0, result.output
    assert "root@example.com is an administrator" in result.output
    tokens = client.post("/api/v1/auth/token", json={"email": "root@example.com", "password": "an admin password"})
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {tokens.json['access_token']}"})
    assert me.json["role"] == "admin"


def test_create_admin_promotes_an_existing_account(server_database, app, client, monkeypatch):
    profile = sign_up(client, email="camille@example.com")
    monkeypatch.setenv("ARCANE_ADMIN_PASSWORD", "an admin password")
    result = app.test_cli_runner().invoke(args=["create-admin", "camille@example.com"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert users.get_user(profile["id"]).role == "admin"


def test_create_admin_reads_the_password_from_a_prompt(server_database, app, monkeypatch):
    monkeypatch.delenv("ARCANE_ADMIN_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(
        args=["create-admin", "root@example.com"], input="an admin password\nan admin password\n"
    )
    assert result.exit_code == 0, result.output


def test_create_admin_refuses_a_weak_password(server_database, app, monkeypatch):
    monkeypatch.setenv("ARCANE_ADMIN_PASSWORD", "short")
    result = app.test_cli_runner().invoke(args=["create-admin", "root@example.com"])
    assert result.exit_code != 0
    assert "password" in result.output


def test_ensure_indexes_command(app):
    result = app.test_cli_runner().invoke(args=["ensure-indexes"])
    assert result.exit_code == 0
    assert "Indexes ensured" in result.output


def test_seed_command_loads_the_demo_data_with_progress(app, client):
    result = app.test_cli_runner().invoke(args=["seed", "--properties", "12"])
    assert result.exit_code == 0, result.output
    assert "12/12 properties" in result.output
    assert "Demo data: 3 users, 1 administrator(s), 12 properties." in result.output
    assert len(client.get("/api/v1/properties").json) == 12


def test_make_run_profile_starts_with_demo_data():
    with running_app(make_settings(seed_demo_data=True)) as app:
        assert len(app.test_client().get("/api/v1/properties").json) == 20


def test_refresh_derived_gives_older_listings_their_search_fields(app, client):
    owner = signed_in_user(client)
    listing = create_property(client, owner, name="Ancient mill")
    # A listing stored before the derived fields existed.
    derived = {"total_area_m2": "", "room_count": "", "room_kinds": "", "room_features": "", "search_terms": ""}
    Property._get_collection().update_one({}, {"$unset": derived})
    assert client.get("/api/v1/properties?q=mill").json == []

    result = app.test_cli_runner().invoke(args=["refresh-derived"])
    assert result.exit_code == 0, result.output
    assert "refreshed on 1 properties" in result.output
    assert [item["id"] for item in client.get("/api/v1/properties?q=mill&min_area=39").json] == [listing["id"]]
    again = app.test_cli_runner().invoke(args=["refresh-derived"])
    assert "refreshed on 0 properties" in again.output
