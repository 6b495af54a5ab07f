"""Idempotency keys: a retried request with the same key replays the first response.

The first request with a key claims it by inserting a record under a unique id; a concurrent
duplicate finds the claim and waits for its outcome. A success is stored for 24 hours and
replayed to any retry with the same body; a failure releases the key so that the client can
try again. Reusing a key with another body is an error.
"""

import dataclasses
import datetime as dt
import hashlib
import json
import re
import time

from mongoengine import NotUniqueError

from arcane.errors import Conflict, Invalid
from arcane.models.common import utcnow
from arcane.models.idempotency import KEY_LIFETIME_SECONDS, IdempotencyRecord

HEADER = "Idempotency-Key"
ACCEPTABLE_KEY = re.compile(r"[\x21-\x7e]{1,255}")
WAIT_FOR_FIRST_REQUEST_SECONDS = 5.0
POLL_SECONDS = 0.05


class Clock:
    """The time the service reads: wall time for expiry, monotonic time and sleep for waiting.

    One object, so that a test can replace it and move time forward without waiting.
    """

    def now(self) -> dt.datetime:
        return utcnow()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


clock = Clock()


@dataclasses.dataclass(frozen=True)
class StoredResponse:
    """A response to replay."""

    status: int
    body: str
    headers: dict


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests the same: method, path and body compared as parsed JSON."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
    except (ValueError, RecursionError):
        # Not JSON: the request will be refused; its bytes still identify it.
        canonical = body.decode("utf-8", "replace")
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def claim(user_id: str, key: str, request_fingerprint: str) -> StoredResponse | None:
    """Claim the key for this request: None to go ahead, or the stored response to replay."""
    if not ACCEPTABLE_KEY.fullmatch(key):
        raise Invalid(errors={HEADER: ["Must be 1 to 255 visible ASCII characters."]})
    record_id = _record_id(user_id, key)
    deadline = clock.monotonic() + WAIT_FOR_FIRST_REQUEST_SECONDS
    while True:
        try:
            IdempotencyRecord(id=record_id, fingerprint=request_fingerprint, created_at=clock.now()).save(
                force_insert=True
            )
            return None
        except NotUniqueError:
            pass
        existing = IdempotencyRecord.objects(id=record_id).first()
        if existing is None:
            continue  # released a moment ago: claim it again
        if existing.created_at < clock.now() - dt.timedelta(seconds=KEY_LIFETIME_SECONDS):
            # Expired but not yet swept by the TTL monitor (which runs once a minute).
            IdempotencyRecord.objects(id=record_id, created_at=existing.created_at).delete()
            continue
        if existing.fingerprint != request_fingerprint:
            raise Invalid(errors={HEADER: ["This key was already used with a different request."]})
        if existing.state == "done":
            return StoredResponse(existing.status, existing.body, dict(existing.headers))
        if clock.monotonic() > deadline:
            raise Conflict("A request with this Idempotency-Key is still in progress: retry shortly.")
        clock.sleep(POLL_SECONDS)


def complete(user_id: str, key: str, response: StoredResponse) -> None:
    """Remember the response of the request that claimed the key."""
    IdempotencyRecord.objects(id=_record_id(user_id, key)).update_one(
        set__state="done", set__status=response.status, set__body=response.body, set__headers=response.headers
    )


def release(user_id: str, key: str) -> None:
    """Forget a claim whose request failed, so that a retry runs afresh."""
    IdempotencyRecord.objects(id=_record_id(user_id, key), state="pending").delete()


def _record_id(user_id: str, key: str) -> str:
    return f"{user_id}:{hashlib.sha256(key.encode()).hexdigest()}"
