"""The change feed of the listings: one entry per property, at its latest change."""

import mongoengine as me

from arcane.models.common import utcnow

CHANGE_KINDS = ("created", "updated", "deleted")
# Deleted entries are kept this long after the deletion, then MongoDB's TTL monitor removes them.
DELETION_RETENTION_SECONDS = 30 * 24 * 3600


class PropertyChange(me.Document):
    """The latest change of one property, at a sequence number unique across the feed.

    Each change of a property re-sequences its one entry (it moves to the end of the feed), so a
    walk sees each property once, at its latest state. ``property`` is the listing as stored,
    with its owner's public fields, or None once deleted.
    """

    meta = {
        "collection": "property_changes",
        "indexes": [
            # Unique: two writers can never take the same sequence (see services.changes).
            {"fields": ["sequence"], "unique": True, "name": "sequence"},
            # Only deleted entries carry deleted_at: they expire, the others stay.
            {"fields": ["deleted_at"], "expireAfterSeconds": DELETION_RETENTION_SECONDS, "name": "deletions_expire"},
            {"fields": ["owner"], "name": "owner"},
        ],
    }

    id = me.ObjectIdField(primary_key=True)  # the property's id
    sequence = me.IntField(required=True, min_value=1)
    kind = me.StringField(required=True, choices=CHANGE_KINDS)
    revision = me.IntField(required=True, default=0)
    changed_at = me.DateTimeField(required=True, default=utcnow)
    owner = me.ObjectIdField()
    property = me.DictField(null=True)
    deleted_at = me.DateTimeField()


class ChangeSequence(me.Document):
    """The highest sequence ever taken, raised with $max: a sequence is never reused, even once
    the TTL has removed the newest (deleted) entry."""

    meta = {"collection": "property_change_sequence"}

    id = me.StringField(primary_key=True)
    highest = me.IntField(required=True, default=0)
