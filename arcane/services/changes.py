"""The change feed: what changed in the listings, in the order it changed. Flask-free.

The feed is an append-only log whose ``_id`` is the sequence. Order comes from the database,
never from a clock, so writers on several instances whose clocks differ still agree on it:

- A writer takes the highest sequence known to be written (the high-water mark, read by id and
  cached per process for at most 2 seconds, or its own last entry) and inserts at the next one.
- On a duplicate key it takes the number after both that one (the duplicate proves it written)
  and the mark, read again (other instances may have written many since). So
  entry n + 1 is only ever written once entry n is: a follower that has read up to n never finds,
  later, an entry below its cursor (no transaction, no sort, no clock).
- It then raises the mark with ``$max``.
- No number is ever free again below the end of the log: nothing is removed but by the TTL, a
  day after an entry is superseded (30 days after a deletion), long after every writer's cached
  mark has moved past it; a writer that died before raising the mark left it behind, and every
  instance raises it to the end of the log at start-up.

When a property changes, its older entries are marked superseded, so a walk sees each property
once. An entry stores no listing: a page joins the listings as they are when it is read, so a
follower always gets the latest state, and a listing gone by then reads as deleted.
"""

import dataclasses
import datetime as dt
import threading
from time import monotonic

import mongoengine as me

from arcane.errors import Invalid
from arcane.models import ChangeLogEntry, ChangeSequence
from arcane.models.changes import DELETION_RETENTION_SECONDS, SUPERSEDED_RETENTION_SECONDS
from arcane.models.common import utcnow

# properties records its writes here, and a page reads its listings there: Python resolves the
# cycle, since neither module uses the other while it is being imported.
from arcane.services import properties

HIGH_WATER_MARK = "properties"
# The feed before the log: one entry per property (its _id), re-sequenced by each change. Read
# through the database, not a model: only migrate_old_feed still reads it.
OLD_FEED_COLLECTION = "property_changes"
# How long a writer trusts the mark it read: past this, it reads it again rather than walking
# through every number the other instances took meanwhile, one duplicate at a time.
MARK_MAX_AGE_SECONDS = 2.0
MAX_ATTEMPTS = 1000


@dataclasses.dataclass
class _Known:
    highest: int
    read_at: float


# The highest sequence this process knows is written, per database (tests use many).
_known: dict[str, _Known] = {}
_known_lock = threading.Lock()


def list_changes(*, after: int = 0, limit: int = 20) -> list[dict]:
    """The changes after ``after``, oldest first: ``{sequence, kind, property_id, revision, changed_at, property}``."""
    # ``property`` is the listing as it is now: None for a deletion, or for a listing deleted since.
    entries = ChangeLogEntry.objects(id__gt=after, superseded=False).order_by("id").limit(limit)
    entries = list(entries.only("id", "property_id", "kind", "revision", "changed_at").as_pymongo())
    if not entries and after > _highest_sequence() and after > max(_highest_sequence(fresh=True), _log_end()):
        # A cursor no entry of this log ever reached (another database's, or this one's before a
        # restore): an empty page would say up to date while new changes land below it, unseen.
        raise Invalid(errors={"cursor": ['Ahead of this feed: start again from its Link rel="first".']})
    current = properties.get_properties({entry["property_id"] for entry in entries if entry["kind"] != "deleted"})
    return [_with_listing(entry, current.get(entry["property_id"])) for entry in entries]


def record_change(kind: str, document: dict) -> None:
    """Record that a property was created or updated (``document`` as the property services return it)."""
    # A new property has no older entry to supersede.
    _append(kind, document["_id"], revision=document.get("revision", 0), supersedes=kind != "created")


def record_deletion(property_id, *, revision: int) -> None:
    """Record that a property was deleted: its entry expires after 30 days."""
    expires_at = utcnow() + dt.timedelta(seconds=DELETION_RETENTION_SECONDS)
    _append("deleted", property_id, revision=revision, expires_at=expires_at)


def migrate_old_feed() -> int:
    """Move the entries of the feed before the log into it (idempotent, safe at start-up); how many."""
    # Each keeps its sequence, so the followers' cursors keep working, unless the log already
    # reaches it (entries an older instance wrote during an upgrade), or passes it while it moves
    # (live writers): then it is appended at the end, where every follower still gets it. Once
    # moved, it is removed from the old collection.
    old = me.get_db()[OLD_FEED_COLLECTION]
    moved, log_end = 0, None
    for entry in old.find({}).sort("sequence", 1):
        if log_end is None:
            log_end = _log_end()
            _taken(log_end)  # so that an entry appended goes after it, whatever this process read before
        sequence = _move(entry, log_end)
        log_end = max(log_end, sequence)
        old.delete_one({"_id": entry["_id"], "sequence": entry["sequence"]})
        moved += 1
    if moved:
        _raise_mark(log_end)
    return moved


def raise_mark_to_log_end() -> None:
    """Raise the mark to the newest entry, at start-up: a writer that died before its ``$max`` left it behind."""
    # Else, once that entry expired (a deletion at the end of the log), its number would be taken again.
    if log_end := _log_end():
        _raise_mark(log_end)


def _log_end() -> int:
    """The sequence of the newest entry in the log (0 if empty): one lookup on the end of the _id index."""
    newest = next(iter(ChangeLogEntry.objects.order_by("-id").only("id").limit(1).as_pymongo()), None)
    return newest["_id"] if newest else 0


def _move(entry: dict, log_end: int) -> int:
    """Write an old feed entry into the log; the sequence it is at."""
    sequence, property_id = entry["sequence"], entry["_id"]
    if sequence <= log_end and ChangeLogEntry.objects(id=sequence, property_id=property_id).count():
        return sequence  # moved by an earlier run that stopped before removing it
    fields = {"kind": entry["kind"], "revision": entry.get("revision", 0), "changed_at": entry["changed_at"]}
    if entry["kind"] == "deleted":
        deleted_at = entry.get("deleted_at") or utcnow()
        fields["expires_at"] = deleted_at + dt.timedelta(seconds=DELETION_RETENTION_SECONDS)
    if sequence > log_end:
        try:
            ChangeLogEntry(id=sequence, property_id=property_id, **fields).save(force_insert=True)
        except me.NotUniqueError:
            pass  # a writer took it meanwhile: append instead
        else:
            _supersede_older(property_id, sequence)
            if ChangeLogEntry.objects(id__gt=sequence).only("id").first() is None:
                return sequence
            # A live writer appended past it before it landed, and a follower may have read that
            # far: appended again at the end (which supersedes it), it reaches that follower too.
    kind = fields.pop("kind")
    return _append(kind, property_id, revision=fields.pop("revision"), **fields)


def _with_listing(entry: dict, listing: dict | None) -> dict:
    change = {
        "sequence": entry["_id"],
        "kind": entry["kind"],
        "property_id": entry["property_id"],
        "revision": entry.get("revision", 0),
        "changed_at": entry["changed_at"],
        "property": listing,
    }
    if listing is not None:
        change["revision"] = listing.get("revision", 0)  # the revision of the state shown
    elif entry["kind"] != "deleted":
        change["kind"] = "deleted"  # deleted since this entry was written
    return change


def _append(kind: str, property_id, *, revision: int, supersedes: bool = True, **fields) -> int:
    """Write an entry at the next free sequence, raise the mark, supersede older entries; its sequence."""
    sequence = _highest_sequence() + 1
    for _ in range(MAX_ATTEMPTS):
        entry = ChangeLogEntry(id=sequence, property_id=property_id, kind=kind, revision=revision, **fields)
        try:
            entry.save(force_insert=True)
        except me.NotUniqueError:
            _taken(sequence)  # written by another writer: so the next number is free to take
            # The mark, read again, skips what other instances wrote since this process read it
            # (more than MAX_ATTEMPTS numbers, under load), rather than trying each one.
            sequence = _highest_sequence(fresh=True) + 1
            continue
        _raise_mark(sequence)
        if supersedes:
            _supersede_older(property_id, sequence)
        return sequence
    raise RuntimeError("Could not take a change-feed sequence: too many concurrent writers.")


def _raise_mark(sequence: int) -> None:
    _taken(sequence)
    ChangeSequence.objects(id=HIGH_WATER_MARK).update_one(upsert=True, max__highest=sequence)


def _supersede_older(property_id, sequence: int) -> None:
    """Hide the property's entries before ``sequence`` from walks; they expire a day later."""
    # property_id first (mongoengine sorts keyword filters by name, and __raw__ keeps its place):
    # mongomock tries a filter's keys in order on every entry of the log, and an id compare rejects
    # the other properties' entries at once, where the sequence range would let most of them through.
    # On MongoDB the (property_id, id) index serves the query whatever its order.
    mine = ChangeLogEntry.objects(__raw__={"property_id": property_id})
    mine.filter(id__lt=sequence, superseded=False).update(
        set__superseded=True, set__expires_at=utcnow() + dt.timedelta(seconds=SUPERSEDED_RETENTION_SECONDS)
    )


def _highest_sequence(*, fresh: bool = False) -> int:
    """The highest sequence known written: the mark, read by id if ``fresh`` or when the last read is over 2 s old."""
    database = me.get_db().name
    now = monotonic()
    with _known_lock:
        known = _known.get(database)
        if not fresh and known is not None and now - known.read_at <= MARK_MAX_AGE_SECONDS:
            return known.highest
    mark = next(iter(ChangeSequence.objects(id=HIGH_WATER_MARK).as_pymongo()), None)
    highest = mark["highest"] if mark else 0
    with _known_lock:
        known = _known.get(database)
        _known[database] = _Known(max(highest, known.highest if known else 0), now)
        return _known[database].highest


def _taken(sequence: int) -> None:
    """Note that ``sequence`` is written (by this writer or, a duplicate says, another)."""
    database = me.get_db().name
    with _known_lock:
        known = _known.get(database)
        if known is None:
            _known[database] = _Known(sequence, read_at=-float("inf"))  # the mark is still to be read
        else:
            known.highest = max(known.highest, sequence)
