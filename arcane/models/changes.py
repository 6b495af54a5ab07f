"""The change feed of the listings: an append-only log whose ids are the sequence."""

import mongoengine as me

from arcane.models.common import utcnow

CHANGE_KINDS = ("created", "updated", "deleted")
# Deleted entries are kept this long after the deletion, then MongoDB's TTL monitor removes them.
DELETION_RETENTION_SECONDS = 30 * 24 * 3600
# A superseded entry keeps its slot this long, far beyond any writer's cached high-water mark, so
# that no writer can ever take that number again (see services.changes).
SUPERSEDED_RETENTION_SECONDS = 24 * 3600


class ChangeLogEntry(me.Document):
    """One change of one property, at its sequence number: the ``_id``, so unique by construction."""

    # Entries are only appended. When a property changes again, its older entries are marked
    # ``superseded`` (a walk skips them) and expire a day later; deletions expire after 30 days;
    # the latest entry of a listing that exists never expires.

    meta = {
        "collection": "property_change_log",
        "indexes": [
            # A change supersedes the property's older entries: (property_id, _id < sequence).
            {"fields": ["property_id", "id"], "name": "property_sequence"},
            # Only superseded and deleted entries carry expires_at: they expire, the others stay.
            {"fields": ["expires_at"], "expireAfterSeconds": 0, "name": "expiry"},
        ],
    }

    id = me.IntField(primary_key=True, min_value=1)  # the sequence
    property_id = me.ObjectIdField(required=True)
    kind = me.StringField(required=True, choices=CHANGE_KINDS)
    revision = me.IntField(required=True, default=0)
    changed_at = me.DateTimeField(required=True, default=utcnow)
    superseded = me.BooleanField(required=True, default=False)
    expires_at = me.DateTimeField()


class ChangeSequence(me.Document):
    """The highest sequence taken, raised with $max after each entry: writers read it by id for the log's end."""

    meta = {"collection": "property_change_sequence"}

    id = me.StringField(primary_key=True)
    highest = me.IntField(required=True, default=0)
