"""Responses remembered for a day, so that a retried creation replays instead of duplicating."""

import mongoengine as me

from arcane.models.common import utcnow

KEY_LIFETIME_SECONDS = 24 * 3600


class IdempotencyRecord(me.Document):
    """What one user's request with one Idempotency-Key produced (or that it is in progress)."""

    meta = {
        "collection": "idempotency_keys",
        "indexes": [{"fields": ["created_at"], "expireAfterSeconds": KEY_LIFETIME_SECONDS}],
    }

    # The user id and a hash of the key: unique, so that only one request can claim it.
    id = me.StringField(primary_key=True)
    fingerprint = me.StringField(required=True)
    state = me.StringField(required=True, choices=("pending", "done"), default="pending")
    status = me.IntField()
    body = me.StringField()
    headers = me.DictField()
    created_at = me.DateTimeField(required=True, default=utcnow)
