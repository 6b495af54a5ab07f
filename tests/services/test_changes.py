"""The change feed's log: sequences from the database, no hole, one visible entry per property."""

import datetime as dt

import mongoengine
import pytest

from arcane import prepare_database
from arcane.errors import Invalid
from arcane.models import ChangeLogEntry, ChangeSequence
from arcane.models.changes import DELETION_RETENTION_SECONDS, SUPERSEDED_RETENTION_SECONDS
from arcane.services import changes, properties, users
from tests.conftest import make_settings, running_app

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

    reads = iter([stalled_read])  # what it read before it stalled, then the database again
    read_again = changes._highest_sequence
    monkeypatch.setattr(changes, "_highest_sequence", lambda **fresh: next(reads, None) or read_again(**fresh))
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
    # The property first: mongomock tries the keys in order, and the range alone matches most of the log.
    assert next(iter(to_log[1].filter)) == "property_id"


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


def test_a_writer_far_behind_the_other_instances_reads_the_mark_again_rather_than_trying_each_number(
    owner, database_commands
):
    first = publish(owner, "First")  # this process reads the mark: 1
    # Within this process's 2 seconds, other instances wrote more entries than a writer tries numbers.
    others = range(2, changes.MAX_ATTEMPTS + 3)
    ChangeLogEntry._get_collection().insert_many(
        [{"_id": n, "property_id": first["_id"], "kind": "updated", "revision": 1, "superseded": False} for n in others]
    )
    ChangeSequence.objects(id="properties").update_one(set__highest=others[-1])
    with database_commands() as sent:
        later = publish(owner, "Later")  # its change must reach the feed, not fail after the listing is written
    assert [command.name for command in sent if command.collection == LOG] == ["insert", "insert"]
    assert log()[-1][:2] == (others[-1] + 1, later["_id"])


def test_a_cursor_on_an_entry_whose_writer_has_not_raised_the_mark_yet_is_up_to_date(owner):
    listing = publish(owner)
    ChangeLogEntry(id=2, property_id=listing["_id"], kind="updated", revision=1).save(force_insert=True)
    assert ChangeSequence.objects.get(id="properties").highest == 1
    assert changes.list_changes(after=2) == []


def test_a_cursor_on_an_expired_last_entry_is_up_to_date(owner):
    remove(owner, publish(owner))
    ChangeLogEntry.objects.delete()  # as the TTL monitor would, 30 days later
    assert changes.list_changes(after=2) == []
    with pytest.raises(Invalid):
        changes.list_changes(after=3)


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


def test_a_restart_raises_the_mark_a_crash_left_behind_so_no_number_is_reused(owner, settings, monkeypatch):
    listing = publish(owner)
    remove(owner, listing)
    # A writer died between its entry and the mark's $max: 3 is written, the mark still says 2.
    ChangeLogEntry(id=3, property_id=listing["_id"], kind="deleted", revision=2).save(force_insert=True)
    monkeypatch.setattr(changes, "_known", {})  # a new process
    prepare_database(settings)
    ChangeLogEntry.objects.delete()  # as the TTL monitor would, 30 days later
    later = publish(owner, "Later")
    assert log() == [(4, later["_id"], "created", False)], "a follower at cursor 3 would miss it"


def test_deleting_an_account_records_the_deletion_of_its_listings(owner):
    kept_apart, renamed = publish(owner, "Kept apart"), publish(owner, "Renamed")
    rename(owner, renamed, "Renamed again")
    users.delete_user(owner)
    assert [(entry["kind"], entry["property_id"], entry["revision"]) for entry in walk()] == [
        ("deleted", kept_apart["_id"], 1),
        ("deleted", renamed["_id"], 2),
    ]


def test_a_listing_published_while_the_sweep_runs_is_never_deleted_unrecorded(owner, monkeypatch):
    """A POST racing the account's deletion lands between the sweep's read and its delete."""
    publish(owner, "Read by the sweep")
    delete, raced = mongoengine.QuerySet.delete, []

    def published_meanwhile(queryset, *args, **kwargs):
        if not raced:
            raced.append(publish(owner, "Published meanwhile"))
        return delete(queryset, *args, **kwargs)

    monkeypatch.setattr(mongoengine.QuerySet, "delete", published_meanwhile)
    properties.delete_properties_of(owner.id)
    # A deletion entry of its own: a follower that read the creation before must see one after it.
    recorded = {property_id for _, property_id, kind, _ in log() if kind == "deleted"}
    remaining = {listing["_id"] for listing in properties.list_properties(owner=owner.id).items}
    assert raced[0]["_id"] in recorded | remaining, "deleted with no entry: a follower keeps it forever"


def test_a_listing_published_before_the_account_itself_goes_is_deleted_recorded(owner, monkeypatch):
    """A POST racing the account's deletion lands after its listings' sweep, before the account is deleted."""
    delete, raced = type(owner).delete, []

    def published_meanwhile(user, *args, **kwargs):
        raced.append(publish(owner, "Published meanwhile"))
        return delete(user, *args, **kwargs)

    monkeypatch.setattr(type(owner), "delete", published_meanwhile)
    users.delete_user(owner)
    assert properties.list_properties(owner=owner.id).items == []
    recorded = {property_id for _, property_id, kind, _ in log() if kind == "deleted"}
    assert raced[0]["_id"] in recorded, "deleted with no entry: a follower keeps it forever"


# The feed before the log: one entry per property, at the sequence of its latest change.


def old_feed(entries: list[dict]) -> None:
    """A database as the feed before the log left it: the old entries, the mark, no log."""
    ChangeLogEntry.objects.delete()
    collection = mongoengine.get_db()[changes.OLD_FEED_COLLECTION]
    collection.insert_many(entries)
    ChangeSequence.objects(id="properties").update_one(upsert=True, set__highest=max(e["sequence"] for e in entries))


def old_entry(listing: dict, sequence: int, kind: str, **fields) -> dict:
    snapshot = None if kind == "deleted" else listing
    return {
        "_id": listing["_id"],
        "sequence": sequence,
        "kind": kind,
        "revision": listing.get("revision", 0),
        "changed_at": dt.datetime.now(dt.UTC),
        "owner": listing["owner"]["_id"],
        "property": snapshot,
        **fields,
    }


def test_migrating_keeps_the_old_sequences_so_cursors_keep_working(owner):
    created, renamed, removed = publish(owner, "Created"), publish(owner, "Renamed"), publish(owner, "Removed")
    renamed = rename(owner, renamed, "Renamed again")
    deleted_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    old_feed(
        [
            old_entry(created, 5, "created"),
            old_entry(renamed, 7, "updated"),
            old_entry(removed, 9, "deleted", deleted_at=deleted_at),
        ]
    )
    properties.Property.objects(id=removed["_id"]).delete()

    assert changes.migrate_old_feed() == 3

    assert log() == [
        (5, created["_id"], "created", False),
        (7, renamed["_id"], "updated", False),
        (9, removed["_id"], "deleted", False),
    ]
    assert mongoengine.get_db()[changes.OLD_FEED_COLLECTION].count_documents({}) == 0
    resumed = changes.list_changes(after=6)  # a cursor the old feed gave
    assert [(entry["kind"], entry["property_id"]) for entry in resumed] == [
        ("updated", renamed["_id"]),
        ("deleted", removed["_id"]),
    ]
    assert resumed[0]["property"] == properties.get_property(renamed["_id"])
    expiry = ChangeLogEntry.objects.get(id=9).expires_at.replace(tzinfo=dt.UTC)
    assert abs(expiry - deleted_at - dt.timedelta(seconds=DELETION_RETENTION_SECONDS)) < dt.timedelta(seconds=1)
    following = publish(owner, "Following")
    assert log()[-1][:2] == (10, following["_id"])


def test_migrating_again_moves_nothing_with_one_query(owner, database_commands):
    old_feed([old_entry(publish(owner), 3, "created")])
    assert changes.migrate_old_feed() == 1
    with database_commands() as sent:
        assert changes.migrate_old_feed() == 0
    assert [(command.name, command.collection) for command in sent] == [("find", changes.OLD_FEED_COLLECTION)]
    assert [sequence for sequence, *_ in log()] == [3]


def test_an_old_entry_below_the_end_of_the_log_is_appended_where_followers_still_get_it(owner):
    late, other = publish(owner, "Late"), publish(owner, "Other")
    old_feed([old_entry(late, 4, "created")])
    # Meanwhile upgraded instances wrote the log up to 6 (the old instance's entry came after).
    ChangeLogEntry(id=6, property_id=other["_id"], kind="updated", revision=1).save(force_insert=True)
    ChangeLogEntry(id=5, property_id=late["_id"], kind="created").save(force_insert=True)

    assert changes.migrate_old_feed() == 1

    assert log() == [
        (5, late["_id"], "created", True),
        (6, other["_id"], "updated", False),
        (7, late["_id"], "created", False),
    ]


def test_an_old_entry_moved_while_a_writer_appends_past_it_still_reaches_a_follower_there(owner, monkeypatch):
    moving = publish(owner, "Moving")
    old_feed([old_entry(moving, 5, "updated")])  # an old instance's last change, and the mark at 5
    monkeypatch.setattr(changes, "_known", {})  # a new instance: it reads the mark
    seen = []

    def move_after_a_live_write(entry, log_end):
        # A new instance appends after the mark (6) and a follower reads it, before this entry is moved.
        publish(owner, "Live")
        seen.extend(changes.list_changes(after=0))
        return move(entry, log_end)

    move = changes._move
    monkeypatch.setattr(changes, "_move", move_after_a_live_write)
    assert changes.migrate_old_feed() == 1

    resumed = changes.list_changes(after=seen[-1]["sequence"])
    assert [entry["property_id"] for entry in resumed] == [moving["_id"]], "the follower missed the moved entry"


def test_an_entry_moved_by_an_interrupted_run_is_not_moved_twice(owner):
    listing = publish(owner)
    old_feed([old_entry(listing, 4, "created")])
    ChangeLogEntry(id=4, property_id=listing["_id"], kind="created").save(force_insert=True)  # moved, not removed
    assert changes.migrate_old_feed() == 1
    assert log() == [(4, listing["_id"], "created", False)]


def test_the_command_migrates_and_says_how_many_entries_it_moved(app, owner):
    old_feed([old_entry(publish(owner), 2, "created")])
    runner = app.test_cli_runner()
    assert "1 entries moved" in runner.invoke(args=["migrate-change-feed"]).output
    assert "0 entries moved" in runner.invoke(args=["migrate-change-feed"]).output


def test_the_service_migrates_the_old_feed_at_start_up(monkeypatch):
    runs = []
    monkeypatch.setattr(changes, "migrate_old_feed", lambda: runs.append(None) or 0)
    with running_app(make_settings()):
        assert runs == [None]


def test_a_creation_recorded_after_the_first_update_shows_the_listing_twice_at_its_current_state(owner, monkeypatch):
    monkeypatch.setattr(changes, "record_change", lambda kind, document: None)
    created = publish(owner, "Slow")  # its creator stalls before recording it
    monkeypatch.undo()
    rename(owner, created, "Renamed")
    changes.record_change("created", created)
    seen = walk()
    assert [(entry["kind"], entry["property_id"]) for entry in seen] == [
        ("updated", created["_id"]),
        ("created", created["_id"]),
    ]
    assert seen[0]["property"] == seen[1]["property"] == properties.get_property(created["_id"])


def test_an_update_recorded_after_the_deletion_reads_as_a_deletion_that_does_not_expire(owner):
    listing = publish(owner)
    renamed = rename(owner, listing, "Renamed")
    remove(owner, listing)
    changes.record_change("updated", renamed)  # recorded again by a writer that stalled past the deletion
    (entry,) = walk()
    assert (entry["kind"], entry["property"]) == ("deleted", None)
    assert ChangeLogEntry.objects.get(id=entry["sequence"]).expires_at is None
