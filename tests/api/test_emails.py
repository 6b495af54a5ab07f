"""One mailbox, one account: lookalike spellings of an address are the same account, or refused."""

import pytest
from bson import ObjectId

from arcane.models import User
from tests.factories import assert_error, sign_up, sign_up_form

EXISTING = "camille.martin@arcane.example"


@pytest.mark.parametrize(
    "lookalike",
    [
        "Camille.Martin@ARCANE.example",
        "camille.martin@\uff41\uff52\uff43\uff41\uff4e\uff45.example",  # full-width domain: IDNA maps it
        "\uff43\uff41\uff4d\uff49\uff4c\uff4c\uff45.martin@arcane.example",  # full-width local part
        "\u24d2amille.martin@arcane.example",  # circled c (NFKC)
        EXISTING,
    ],
    ids=["case", "full-width domain", "full-width local part", "circled letter", "same"],
)
def test_a_lookalike_of_an_existing_address_is_409(client, lookalike):
    sign_up(client, email=EXISTING)
    assert_error(client.post("/api/v1/users", json=sign_up_form(email=lookalike)), 409)


@pytest.mark.parametrize(
    "refused",
    [
        "camille.martin@arc\u00adane.example",  # soft hyphen
        "camille\u00ad.martin@arcane.example",
        '"camille.martin"@arcane.example',  # quoted local part
        "camille\u200b.martin@arcane.example",  # zero-width space
        "camille.martin@[192.0.2.1]",  # domain literal
        "Camille <camille.martin@arcane.example>",  # display name
        "camille.martin@localhost",
    ],
    ids=[
        "soft hyphen in domain",
        "soft hyphen in local part",
        "quoted",
        "zero-width space",
        "literal",
        "name",
        "no dot",
    ],
)
def test_addresses_no_registrable_mailbox_has_are_refused(client, refused):
    sign_up(client, email=EXISTING)
    body = assert_error(client.post("/api/v1/users", json=sign_up_form(email=refused)), 422)
    assert "email" in body["errors"]


def test_a_lookalike_signs_in_to_the_one_account(client):
    account = sign_up(client, email=EXISTING)
    response = client.post(
        "/api/v1/auth/token",
        json={"email": "\uff43amille.martin@\uff41rcane.example", "password": "correct horse battery"},
    )
    assert response.status_code == 200
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {response.json['access_token']}"})
    assert me.json["id"] == account["id"]


def test_the_address_is_stored_in_its_normal_form(client):
    created = sign_up(client, email="Camille.Martin@\uff41rcane.example")
    assert created["email"] == EXISTING


def test_migrate_emails_gives_existing_accounts_their_key_idempotently(app, client):
    older = sign_up(client, email=EXISTING)
    newer = sign_up(client, email="lucas@arcane.example")
    collection = User._get_collection()
    # Accounts from before the key existed, one of them a lookalike registered after the original.
    collection.update_many({}, {"$unset": {"email_key": ""}})
    lookalike_id = ObjectId()
    original = collection.find_one({"email": EXISTING})
    collection.insert_one({**original, "_id": lookalike_id, "email": "camille.martin@\uff41rcane.example"})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["migrate-emails"])
    assert "2 accounts migrated, 1 conflicts" in first.output
    assert first.exit_code != 0
    second = runner.invoke(args=["migrate-emails"])
    assert "0 accounts migrated, 1 conflicts" in second.output
    keys = {document["_id"]: document.get("email_key") for document in collection.find()}
    assert keys == {ObjectId(older["id"]): EXISTING, ObjectId(newer["id"]): "lucas@arcane.example", lookalike_id: None}
    sign_in = {"email": "Camille.Martin@arcane.example", "password": "correct horse battery"}
    assert client.post("/api/v1/auth/token", json=sign_in).status_code == 200


def test_an_account_without_a_key_yet_still_signs_in(client):
    sign_up(client, email=EXISTING)
    User._get_collection().update_many({}, {"$unset": {"email_key": ""}})
    sign_in = {"email": EXISTING, "password": "correct horse battery"}
    assert client.post("/api/v1/auth/token", json=sign_in).status_code == 200
