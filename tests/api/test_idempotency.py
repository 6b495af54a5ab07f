import datetime as dt
import threading

import pytest

from arcane.models import IdempotencyRecord
from arcane.models.idempotency import KEY_LIFETIME_SECONDS
from arcane.services import idempotency
from tests.factories import assert_error, at_once, create_property, property_form, room_form, sign_up_form


def publish(client, account, key, **overrides):
    headers = {**account.headers, "Idempotency-Key": key}
    return client.post("/api/v1/properties", json=property_form(**overrides), headers=headers)


def listing_total(client) -> int:
    return len(client.get("/api/v1/properties?page_size=100").json)


def test_a_retry_with_the_same_key_replays_the_first_response(client, user):
    first = publish(client, user, "retry-1")
    second = publish(client, user, "retry-1")
    assert first.status_code == second.status_code == 201
    assert second.json == first.json
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["ETag"] == first.headers["ETag"]
    assert listing_total(client) == 1


def test_the_same_body_in_another_key_order_is_the_same_request(client, user):
    form = property_form()
    client.post("/api/v1/properties", json=form, headers={**user.headers, "Idempotency-Key": "k"})
    reordered = dict(reversed(list(form.items())))
    response = client.post("/api/v1/properties", json=reordered, headers={**user.headers, "Idempotency-Key": "k"})
    assert response.status_code == 201
    assert listing_total(client) == 1


def test_the_same_key_with_another_body_is_422(client, user):
    publish(client, user, "reused")
    response = publish(client, user, "reused", name="Something else")
    assert "Idempotency-Key" in assert_error(response, 422)["errors"]
    assert listing_total(client) == 1


def test_keys_belong_to_their_user(client, user, other_user):
    assert publish(client, user, "shared-key").status_code == 201
    assert publish(client, other_user, "shared-key").status_code == 201
    assert listing_total(client) == 2


def test_without_a_key_every_request_creates(client, user):
    client.post("/api/v1/properties", json=property_form(), headers=user.headers)
    client.post("/api/v1/properties", json=property_form(), headers=user.headers)
    assert listing_total(client) == 2


def test_a_failed_request_does_not_burn_the_key(client, user):
    assert_error(publish(client, user, "fix-and-retry", type="castle"), 422)
    assert publish(client, user, "fix-and-retry", type="castle").status_code == 422
    assert listing_total(client) == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "tab\tkey", "é"])
def test_malformed_keys_are_422(client, user, key):
    response = client.post("/api/v1/properties", json=property_form(), headers={**user.headers, "Idempotency-Key": key})
    assert "Idempotency-Key" in assert_error(response, 422)["errors"]


def test_room_creation_is_idempotent_too(client, user):
    listing = create_property(client, user)
    url = f"/api/v1/properties/{listing['id']}/rooms"
    headers = {**user.headers, "Idempotency-Key": "room-1"}
    first = client.post(url, json=room_form(name="Study"), headers=headers)
    second = client.post(url, json=room_form(name="Study"), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json == first.json
    assert len(client.get(url).json) == 3


def test_simultaneous_requests_with_one_key_create_one_listing(app, user):
    responses = at_once(8, lambda _: publish(app.test_client(), user, "simultaneous"))
    assert [response.status_code for response in responses] == [201] * 8
    assert len({response.json["id"] for response in responses}) == 1
    assert listing_total(app.test_client()) == 1


def test_sign_up_ignores_the_key_as_the_readme_says(client):
    # Only the creations of properties and rooms are idempotent; sign-up needs no token to key on.
    headers = {"Idempotency-Key": "sign-up-1"}
    assert client.post("/api/v1/users", json=sign_up_form(), headers=headers).status_code == 201
    assert_error(client.post("/api/v1/users", json=sign_up_form(), headers=headers), 409)


def test_an_expired_key_runs_the_request_again(app, client, user):
    publish(client, user, "yesterday")
    with app.app_context():
        IdempotencyRecord.objects.update(set__created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25))
    assert publish(client, user, "yesterday").status_code == 201
    assert listing_total(client) == 2


@pytest.mark.parametrize("body", ['{"name": "\\ud800"}', "[" * 100000 + "]" * 100000, "not json"])
def test_a_hostile_body_with_a_key_is_refused_not_crashed(client, user, body):
    response = client.post(
        "/api/v1/properties",
        data=body,
        content_type="application/json",
        headers={**user.headers, "Idempotency-Key": "hostile"},
    )
    assert_error(response, 400)  # not JSON to the parser: a lone surrogate, too deep, or none at all
    assert listing_total(client) == 0


class FakeClock(idempotency.Clock):
    """The idempotency service's clock, moved by the test: no real waiting, nothing left to timing."""

    def __init__(self):
        self.offset = dt.timedelta()
        self.elapsed = 0.0
        self.sleeps = []
        self.while_sleeping = None

    def now(self):
        return super().now() + self.offset

    def monotonic(self):
        self.elapsed += 0.001  # a busy loop that never sleeps still reaches its deadline
        return self.elapsed

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.elapsed += seconds
        if self.while_sleeping:
            self.while_sleeping()


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(idempotency, "clock", fake)
    return fake


def in_a_thread(call, timeout=30):
    """Run call(), failing (not hanging) if it never returns: a claim loop without its wait spins forever."""
    results = []
    thread = threading.Thread(target=lambda: results.append(call()), daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "the request never returned"
    return results[0]


def as_if_still_in_progress(app):
    """Put the stored outcome of the only record aside and mark it pending, as while its request runs."""
    with app.app_context():
        record = IdempotencyRecord.objects.get()
        outcome = {"set__status": record.status, "set__body": record.body, "set__headers": record.headers}
        IdempotencyRecord.objects.update(set__state="pending", unset__status=True, unset__body=True)

    def finish():
        IdempotencyRecord.objects.update(set__state="done", **outcome)

    return finish


def test_a_duplicate_of_a_request_in_progress_waits_for_its_outcome_then_replays_it(app, client, user, clock):
    first = publish(client, user, "in-flight")
    clock.while_sleeping = as_if_still_in_progress(app)
    second = in_a_thread(lambda: publish(client, user, "in-flight"))
    assert clock.sleeps == [idempotency.POLL_SECONDS]
    assert second.status_code == 201
    assert second.json == first.json
    assert (second.headers["Location"], second.headers["ETag"]) == (first.headers["Location"], first.headers["ETag"])
    assert listing_total(client) == 1


def test_a_duplicate_gives_up_with_409_when_the_first_request_never_finishes(app, client, user, clock):
    publish(client, user, "stuck")
    as_if_still_in_progress(app)
    response = in_a_thread(lambda: publish(client, user, "stuck"))
    assert_error(response, 409)
    assert sum(clock.sleeps) == pytest.approx(
        idempotency.WAIT_FOR_FIRST_REQUEST_SECONDS, abs=2 * idempotency.POLL_SECONDS
    )
    assert listing_total(client) == 1
    with app.app_context():
        # The duplicate did not release the claim of the request it waited for.
        assert IdempotencyRecord.objects.get().state == "pending"


def test_a_key_expired_but_not_yet_swept_runs_the_request_again(app, client, user, clock):
    publish(client, user, "swept-later")
    clock.offset = dt.timedelta(seconds=KEY_LIFETIME_SECONDS + 3600)
    with app.app_context():
        # Still stored: the TTL monitor (once a minute on MongoDB) has not removed it.
        assert IdempotencyRecord.objects.count() == 1
    assert publish(client, user, "swept-later").status_code == 201
    assert listing_total(client) == 2
