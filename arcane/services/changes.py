"""The change feed: what changed in the listings, in the order it changed. Flask-free.

Order comes from a sequence the database hands out, never from a clock, so writers on several
instances whose clocks differ still agree on it. A writer reads the highest sequence taken so far
and writes its entry at highest + 1 under a unique index on ``sequence``; if another writer took
that number first the insert fails with a duplicate key and the writer reads again and retries.
So sequence n + 1 can only be written once n is visible: a reader that has seen up to n never
finds, later, an entry below its cursor that was still being written (no transaction, no clock;
works on MongoDB, DocumentDB and mongomock). The highest sequence is the greater of the newest
entry's and a high-water mark raised with ``$max`` after each write, so a number is never reused
when the TTL removes the newest (deleted) entry.

Each property has one entry, re-sequenced by each change: a walk sees a property once, at its
latest state, and a client that resumes from its cursor gets exactly what changed since.
"""

import mongoengine as me

from arcane.models import ChangeSequence, PropertyChange
from arcane.models.common import utcnow

HIGH_WATER_MARK = "properties"
MAX_ATTEMPTS = 100


def list_changes(*, after: int = 0, limit: int = 20) -> list[dict]:
    """The entries changed after sequence ``after``, oldest change first."""
    entries = PropertyChange.objects(sequence__gt=after).order_by("sequence").limit(limit)
    return list(entries.exclude("owner", "deleted_at").as_pymongo())


def record_change(kind: str, document: dict) -> None:
    """Record that a property was created or updated (``document`` as the property services return it)."""
    property_id, revision = document["_id"], document.get("revision", 0)
    owner = document.get("owner") or {}
    _write(
        property_id,
        # An older revision written late (a slower concurrent writer) must not replace a newer one.
        {"revision__lt": revision, "kind__ne": "deleted"},
        set__kind=kind,
        set__revision=revision,
        set__owner=owner.get("_id"),
        set__property=document,
    )


def record_deletion(property_id, *, revision: int) -> None:
    """Record that a property was deleted: its entry keeps no listing, and expires after 30 days."""
    now = utcnow()
    _write(property_id, {}, set__kind="deleted", max__revision=revision, set__property=None, set__deleted_at=now)


def record_deletions_of_owner(owner_id) -> None:
    """Record the deletion of every listing of an owner whose account was deleted."""
    for entry in PropertyChange.objects(owner=owner_id, kind__ne="deleted").only("id", "revision").as_pymongo():
        record_deletion(entry["_id"], revision=entry.get("revision", 0) + 1)


def _write(property_id, condition: dict, **updates) -> None:
    """Move the property's entry to the next free sequence, applying the updates; retried on a collision."""
    for _ in range(MAX_ATTEMPTS):
        sequence = _highest_sequence() + 1
        try:
            PropertyChange.objects(id=property_id, **condition).update_one(
                upsert=True, set__sequence=sequence, set__changed_at=utcnow(), **updates
            )
        except me.NotUniqueError:
            if condition and _newer_entry_exists(property_id, condition):
                return  # the condition kept the stored entry, which is newer: nothing to record
            continue  # another writer took this sequence first: read the highest again
        ChangeSequence.objects(id=HIGH_WATER_MARK).update_one(upsert=True, max__highest=sequence)
        return
    raise RuntimeError("Could not take a change-feed sequence: too many concurrent writers.")


def _highest_sequence() -> int:
    newest = next(iter(PropertyChange.objects.order_by("-sequence").only("sequence").limit(1).as_pymongo()), None)
    mark = next(iter(ChangeSequence.objects(id=HIGH_WATER_MARK).as_pymongo()), None)
    return max(newest["sequence"] if newest else 0, mark["highest"] if mark else 0)


def _newer_entry_exists(property_id, condition: dict) -> bool:
    """Whether the property's entry exists and fails the condition (so the upsert collided on its id)."""
    return (
        PropertyChange.objects(id=property_id).count() > 0
        and not PropertyChange.objects(id=property_id, **condition).count()
    )
