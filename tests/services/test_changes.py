"""The change feed's log: sequences from the database, no hole, one visible entry per property."""

import datetime as dt

import pytest

from arcane.models import ChangeLogEntry, ChangeSequence
from arcane.models.changes import DELETION_RETENTION_SECONDS, SUPERSEDED_RETENTION_SECONDS
from arcane.services import changes, properties, users

LOG = ChangeLogEntry._meta["collection"]
MARK = ChangeSequence._meta["collection"]


def publish(owner, name="Flat"):
    return properties.create_property(owner, name=name, type="flat", city="Lyon")


def rename(owner, listing, name):
    return properties.update_property(properties.get_owned_property(listing["_id"], owner), {"name": name})


def remove(owner, listing):
    properties.delete_property(properties.get_owned_property(listing["_id"], owner))


def log() -> list[tuple]:
    """The log as (sequence, property id, kind, superseded), in order."""
    entries = ChangeLogEntry.objects.order_by("id")
    return [(entry.id, entry.property_id, entry.kind, entry.superseded) for entry in entries]


def walk(after=0) -> list[dict]:
    """Every change after the cursor, page by page, as a follower reads them."""
    seen = []
    while page := changes.list_changes(after=after, limit=2):
        seen += page
        after = page[-1]["sequence"]
    return seen


def in_about(seconds: int, moment: dt.datetime) -> bool:
    """Whether a stored moment (aware or naive UTC) is about that many seconds from now."""
    expected = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    return abs(moment.replace(tzinfo=dt.UTC) - expected) < dt.timedelta(seconds=30)


@pytest.fixture
def clock(monkeypatch):
    """The writers' monotonic clock, moved by hand: ``clock.advance(seconds)``."""

    class Clock:
        now = 1000.0

        def advance(self, seconds):
            self.now += seconds

    moved = Clock()
    monkeypatch.setattr(changes, "monotonic", lambda: moved.now)
    return moved


def test_a_writer_that_stalled_after_reading_the_sequence_never_writes_below_a_followers_cursor(owner, monkeypatch):
    listing = publish(owner, "Moving")
    stalled_read = changes._highest_sequence()  # a writer reads the highest sequence, then stalls
    rename(owner, listing, "Once")
    rename(owner, listing, "Twice")
    seen = changes.list_changes(after=0)
    cursor = seen[-1]["sequence"]  # a follower is up to date

    monkeypatch.setattr(changes, "_highest_sequence", lambda: stalled_read)
    late = publish(owner, "Late")  # the stalled writer resumes with what it read
    monkeypatch.undo()

    resumed = changes.list_changes(after=cursor)
    assert len(resumed) == 1, "the follower missed the stalled writer's change"
    assert resumed[0]["property_id"] == late["_id"]


def test_a_creation_sends_one_insert_to_the_log_and_no_sort_or_upsert(owner, database_commands):
    publish(owner, "Warm-up")  # this process has read the mark
    with database_commands() as sent:
        publish(owner, "Measured")
    to_log = [command for command in sent if command.collection == LOG]
    assert [command.name for command in to_log] == ["insert"]
    assert not [command for command in sent if command.sort], "a sort reached the database"
    assert not [command for command in sent if command.upsert and command.collection != MARK]
    (mark,) = [command for command in sent if command.collection == MARK]
    assert (mark.name, mark.filter, mark.update) == ("update", {"_id": "properties"}, {"$max": {"highest": 2}})


def test_an_update_supersedes_the_older_entries_of_its_property_in_one_update(owner, database_commands):
    listing = publish(owner)
    with database_commands() as sent:
        rename(owner, listing, "Renamed")
    to_log = [command for command in sent if command.collection == LOG]
    assert [command.name for command in to_log] == ["insert", "update"]
    assert to_log[1].filter == {"property_id": listing["_id"], "_id": {"$lt": 2}, "superseded": False}


def test_the_mark_is_read_by_id_and_again_only_once_the_read_is_over_2_seconds_old(owner, clock, database_commands):
    def mark_reads(write):
        with database_commands() as sent:
            write()
        return [command.filter for command in sent if command.collection == MARK and command.name == "find"]

    assert mark_reads(lambda: publish(owner, "First")) == [{"_id": "properties"}]
    clock.advance(2.0)
    assert mark_reads(lambda: publish(owner, "Second")) == []
    clock.advance(0.1)
    assert mark_reads(lambda: publish(owner, "Third")) == [{"_id": "properties"}]


def test_another_instances_entries_are_seen_through_the_mark_once_re_read(owner, clock):
    publish(owner, "Here")
    ChangeSequence.objects(id="properties").update_one(set__highest=40)  # other instances wrote up to 40
    clock.advance(2.1)
    later = publish(owner, "Later")
    assert log()[-1][:2] == (41, later["_id"])


def test_a_duplicate_key_proves_the_number_written_and_the_writer_takes_the_next(owner, database_commands):
    first = publish(owner, "First")
    # Another instance wrote 2 and has not raised the mark yet; this process still believes 1.
    ChangeLogEntry(id=2, property_id=first["_id"], kind="updated", revision=1).save(force_insert=True)
    with database_commands() as sent:
        second = publish(owner, "Second")
    assert [command.name for command in sent if command.collection == LOG] == ["insert", "insert"]
    assert [sequence for sequence, *_ in log()] == [1, 2, 3]
    assert log()[-1][1] == second["_id"]
    assert ChangeSequence.objects.get(id="properties").highest == 3


def test_a_walk_sees_each_property_once_at_its_latest_state(owner):
    first, second = publish(owner, "First"), publish(owner, "Second")
    rename(owner, first, "Again")
    rename(owner, first, "And again")
    seen = walk()
    assert [(entry["kind"], entry["property_id"]) for entry in seen] == [
        ("created", second["_id"]),
        ("updated", first["_id"]),
    ]
    assert (seen[1]["property"]["name"], seen[1]["revision"]) == ("And again", 2)
    assert seen[1]["property"] == properties.get_property(first["_id"])
    assert [superseded for *_, superseded in log()] == [True, False, True, False]


def test_superseded_entries_expire_a_day_later_and_the_latest_never(owner):
    listing = publish(owner)
    rename(owner, listing, "Renamed")
    older, latest = ChangeLogEntry.objects.order_by("id")
    assert older.superseded
    assert in_about(SUPERSEDED_RETENTION_SECONDS, older.expires_at)
    assert not latest.superseded
    assert latest.expires_at is None


def test_superseded_entries_are_gone_a_day_later(owner, days_later):
    listing = publish(owner)
    rename(owner, listing, "Renamed")
    days_later(0.9)
    assert [sequence for sequence, *_ in log()] == [1, 2]
    days_later(1.1)
    assert [sequence for sequence, *_ in log()] == [2]


def test_a_deletion_expires_after_30_days_and_supersedes_the_older_entries(owner):
    listing = publish(owner)
    remove(owner, listing)
    (deletion,) = walk()
    assert (deletion["kind"], deletion["property"], deletion["revision"]) == ("deleted", None, 1)
    stored = ChangeLogEntry.objects.get(id=deletion["sequence"])
    assert in_about(DELETION_RETENTION_SECONDS, stored.expires_at)
    assert [superseded for *_, superseded in log()] == [True, False]


def test_a_listing_deleted_since_its_entry_reads_as_deleted(owner):
    listing = publish(owner)
    properties.Property.objects(id=listing["_id"]).delete()  # its deletion entry is still to be written
    (entry,) = walk()
    assert (entry["kind"], entry["property_id"], entry["property"]) == ("deleted", listing["_id"], None)


def test_a_sequence_is_never_reused_once_the_newest_entries_expire(owner):
    listing = publish(owner)
    remove(owner, listing)
    ChangeLogEntry.objects.delete()  # as the TTL monitor would, 30 days later
    later = publish(owner, "Later")
    assert log() == [(3, later["_id"], "created", False)]


def test_deleting_an_account_records_the_deletion_of_its_listings(owner):
    kept_apart, renamed = publish(owner, "Kept apart"), publish(owner, "Renamed")
    rename(owner, renamed, "Renamed again")
    users.delete_user(owner)
    assert [(entry["kind"], entry["property_id"], entry["revision"]) for entry in walk()] == [
        ("deleted", kept_apart["_id"], 1),
        ("deleted", renamed["_id"], 2),
    ]
