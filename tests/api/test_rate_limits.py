import pytest

from tests.conftest import make_settings, running_app
from tests.factories import assert_error, create_property, property_form, sign_up, signed_in_user


@pytest.fixture
def settings():
    return make_settings(
        login_account_limit="5 per 15 minutes",
        login_address_limit="20 per 15 minutes",
        property_creation_limit="3 per hour",
    )


def sign_in(client, email, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token", json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_five_failures_for_one_account_lock_it_for_a_while(client):
    account = sign_up(client)
    for _ in range(5):
        assert_error(sign_in(client, account["email"], "wrong password"), 401)
    response = sign_in(client, account["email"], "correct horse battery")
    assert_error(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60 + 1


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
    response = client.post("/api/v1/properties", json=property_form(), headers=user.headers)
    assert_error(response, 429)
    assert int(response.headers["Retry-After"]) > 0
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
