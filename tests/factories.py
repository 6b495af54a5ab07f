"""Plain functions that build test data through the public API."""

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable

import mongoengine

from arcane.services import users

DEFAULT_PASSWORD = "correct horse battery"


@dataclasses.dataclass
class Account:
    """A user as a test sees it: identity, credentials and tokens."""

    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict:
        return bearer(self.access_token)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def sign_up_form(**overrides) -> dict:
    form = {
        "email": "camille@example.com",
        "password": DEFAULT_PASSWORD,
        "first_name": "Camille",
        "last_name": "Martin",
        "birth_date": "1990-05-17",
    }
    form.update(overrides)
    return form


def sign_up(client, **overrides) -> dict:
    response = client.post("/api/v1/users", json=sign_up_form(**overrides))
    assert response.status_code == 201, response.json
    return response.json


def sign_in(client, email: str, password: str = DEFAULT_PASSWORD) -> dict:
    response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.json
    return response.json


def signed_in_user(client, **overrides) -> Account:
    profile = sign_up(client, **overrides)
    password = overrides.get("password", DEFAULT_PASSWORD)
    tokens = sign_in(client, profile["email"], password)
    return Account(profile["id"], profile["email"], password, tokens["access_token"], tokens["refresh_token"])


def signed_in_admin(app, client, email: str = "admin@example.com") -> Account:
    with app.app_context():
        admin = users.ensure_admin(
            email=email, password=DEFAULT_PASSWORD, first_name="Ada", last_name="Admin", birth_date=dt.date(1970, 1, 1)
        )
    tokens = sign_in(client, email)
    return Account(str(admin.id), email, DEFAULT_PASSWORD, tokens["access_token"], tokens["refresh_token"])


def assert_error(response, status_code: int) -> dict:
    """The response is an error in the one error shape, with this status."""
    assert response.status_code == status_code, response.get_data(as_text=True)
    body = response.json
    assert body["code"] == status_code
    assert isinstance(body["status"], str)
    assert body["status"]
    assert isinstance(body["message"], str)
    assert body["message"]
    assert set(body) <= {"code", "status", "message", "errors"}
    return body


def room_form(**overrides) -> dict:
    form = {"name": "Main bedroom", "kind": "bedroom", "area_m2": 14.5, "floor": 1, "features": ["south-facing"]}
    form.update(overrides)
    return form


def property_form(**overrides) -> dict:
    form = {
        "name": "Bright flat near the Jardin des Plantes",
        "description": "Quiet, renovated in 2023.",
        "type": "flat",
        "city": "Saint-Étienne",
        "rooms": [room_form(name="Living room", kind="living_room", area_m2=25.0), room_form()],
    }
    form.update(overrides)
    return form


def create_property(client, account: Account, **overrides) -> dict:
    response = client.post("/api/v1/properties", json=property_form(**overrides), headers=account.headers)
    assert response.status_code == 201, response.json
    return response.json


def database_snapshot() -> dict:
    """Every document of every collection, to compare before and after a request that must change nothing."""
    db = mongoengine.get_db()
    return {
        name: sorted(db[name].find(), key=lambda document: str(document["_id"])) for name in db.list_collection_names()
    }


def valid_bodies(user_id: str = "") -> dict:
    """A body each request schema of the document accepts, by schema name."""
    return {
        "UserCreate": sign_up_form(email="new.user@example.com"),
        "UserUpdate": {"first_name": "Camille", "last_name": "Martin", "birth_date": "1990-05-17"},
        "PasswordChange": {"current_password": DEFAULT_PASSWORD, "new_password": "another good password"},
        "TokenRequest": {"email": "camille@example.com", "password": DEFAULT_PASSWORD},
        "PropertyTypeCreate": {"slug": "houseboat", "label": "Houseboat", "description": "A boat to live in."},
        "PropertyTypeUpdate": {"label": "Apartment", "description": "A flat."},
        "PropertyCreate": property_form(),
        "PropertyUpdate": {"name": "Sunny flat", "description": "Bright.", "type": "house", "city": "Nîmes"},
        "RoomCreate": room_form(),
        "RoomUpdate": room_form(name="Guest bedroom"),
    }


def at_once(count: int, request: Callable[[int], object]) -> list:
    """Call request(0..count-1) in as many threads, released together; the results in call order."""
    start = threading.Barrier(count)
    results = [None] * count

    def run(number: int) -> None:
        start.wait()
        results[number] = request(number)

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
