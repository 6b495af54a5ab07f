from arcane.services import users
from tests.conftest import make_settings, running_app
from tests.factories import sign_up


def test_create_admin_creates_an_administrator(app, client, monkeypatch):
    monkeypatch.setenv("ARCANE_ADMIN_PASSWORD", "an admin password")
    result = app.test_cli_runner().invoke(args=["create-admin", "Root@Example.com"])
    assert result.exit_code == 0, result.output
    assert "root@example.com is an administrator" in result.output
    tokens = client.post("/api/v1/auth/token", json={"email": "root@example.com", "password": "an admin password"})
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {tokens.json['access_token']}"})
    assert me.json["role"] == "admin"


def test_create_admin_promotes_an_existing_account(app, client, monkeypatch):
    profile = sign_up(client, email="camille@example.com")
    monkeypatch.setenv("ARCANE_ADMIN_PASSWORD", "an admin password")
    result = app.test_cli_runner().invoke(args=["create-admin", "camille@example.com"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert users.get_user(profile["id"]).role == "admin"


def test_create_admin_reads_the_password_from_a_prompt(app, monkeypatch):
    monkeypatch.delenv("ARCANE_ADMIN_PASSWORD", raising=False)
    result = app.test_cli_runner().invoke(
        args=["create-admin", "root@example.com"], input="an admin password\nan admin password\n"
    )
    assert result.exit_code == 0, result.output


def test_create_admin_refuses_a_weak_password(app, monkeypatch):
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
