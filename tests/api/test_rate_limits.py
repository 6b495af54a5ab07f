import pytest

from tests.conftest import make_settings, running_app
from tests.factories import assert_error, create_property, property_form, sign_up, sign_up_form, signed_in_user


@pytest.fixture
def settings():
    return make_settings(
        login_account_address_limit="5 per 15 minutes",
        login_address_limit="20 per 15 minutes",
        login_account_limit="12 per 15 minutes",
        sign_up_limit="10 per hour",
        password_change_limit="5 per 15 minutes",
        property_creation_limit="3 per hour",
    )


def assert_too_many(response) -> int:
    """A 429 in the error shape, with the seconds to wait."""
    assert_error(response, 429)
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    return retry_after


def sign_in(client, email, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token", json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_five_failures_for_one_account_lock_it_for_a_while(client):
    account = sign_up(client)
    for _ in range(5):
        assert_error(sign_in(client, account["email"], "wrong password"), 401)
    response = sign_in(client, account["email"], "correct horse battery")
    assert assert_too_many(response) <= 15 * 60 + 1


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(client):
    account = sign_up(client)
    for _ in range(5):
        assert_error(sign_in(client, account["email"], "wrong password", "203.0.113.66"), 401)
    assert_too_many(sign_in(client, account["email"], "correct horse battery", "203.0.113.66"))
    assert sign_in(client, account["email"], "correct horse battery", "10.0.0.1").status_code == 200


def test_an_account_wide_ceiling_stops_guesses_from_many_addresses(client):
    account = sign_up(client)
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        for _ in range(4):
            assert_error(sign_in(client, account["email"], "wrong password", address), 401)
    assert_too_many(sign_in(client, account["email"], "wrong password", "203.0.113.4"))


def test_sign_ups_are_limited_per_address(client):
    for number in range(10):
        response = client.post(
            "/api/v1/users",
            json=sign_up_form(email=f"new{number}@example.com"),
            environ_base={"REMOTE_ADDR": "10.0.0.7"},
        )
        assert response.status_code == 201
    response = client.post(
        "/api/v1/users", json=sign_up_form(email="one.more@example.com"), environ_base={"REMOTE_ADDR": "10.0.0.7"}
    )
    assert_too_many(response)
    other = client.post(
        "/api/v1/users", json=sign_up_form(email="one.more@example.com"), environ_base={"REMOTE_ADDR": "10.0.0.8"}
    )
    assert other.status_code == 201


def change_password(client, user, current_password):
    body = {"current_password": current_password, "new_password": "a brand new passphrase"}
    return client.put("/api/v1/users/me/password", json=body, headers=user.headers)


def test_wrong_current_passwords_are_limited_per_account(client, user):
    for _ in range(5):
        assert_error(change_password(client, user, "wrong password"), 422)
    assert_too_many(change_password(client, user, user.password))
    assert client.get("/api/v1/users/me", headers=user.headers).status_code == 200  # nothing changed


def test_a_right_current_password_does_not_count(client, user):
    for _ in range(4):
        assert_error(change_password(client, user, "wrong password"), 422)
    assert change_password(client, user, user.password).status_code == 204


def test_the_account_limit_ignores_the_email_case(client):
    account = sign_up(client)
    for _ in range(5):
        sign_in(client, account["email"].upper(), "wrong password")
    assert_error(sign_in(client, account["email"], "wrong password"), 429)


def test_successful_sign_ins_do_not_count(client):
    account = sign_up(client)
    for _ in range(8):
        assert sign_in(client, account["email"], "correct horse battery").status_code == 200


def test_other_accounts_are_not_locked(client):
    first, second = sign_up(client, email="first@example.com"), sign_up(client, email="second@example.com")
    for _ in range(5):
        sign_in(client, first["email"], "wrong password")
    assert sign_in(client, second["email"], "correct horse battery").status_code == 200


def test_twenty_failures_from_one_address_block_it(client):
    account = sign_up(client)
    for number in range(20):
        assert_error(sign_in(client, f"nobody{number}@example.com", "wrong password", "10.0.0.9"), 401)
    assert_error(sign_in(client, account["email"], "correct horse battery", "10.0.0.9"), 429)
    assert sign_in(client, account["email"], "correct horse battery", "10.0.0.10").status_code == 200


def test_property_creation_quota(client, user):
    for _ in range(3):
        create_property(client, user)
    assert_too_many(client.post("/api/v1/properties", json=property_form(), headers=user.headers))
    other = signed_in_user(client, email="other@example.com")
    assert client.post("/api/v1/properties", json=property_form(), headers=other.headers).status_code == 201


def test_refused_creations_do_not_use_the_quota(client, user):
    for _ in range(5):
        assert_error(client.post("/api/v1/properties", json=property_form(type="castle"), headers=user.headers), 422)
    for _ in range(3):
        create_property(client, user)


def test_limits_come_from_the_settings():
    with running_app(make_settings(login_account_limit="2 per minute")) as app:
        client = app.test_client()
        account = sign_up(client)
        for _ in range(2):
            sign_in(client, account["email"], "wrong password")
        assert_error(sign_in(client, account["email"], "wrong password"), 429)
