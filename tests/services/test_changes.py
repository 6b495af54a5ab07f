"""The change feed's sequence: taken from the database, unique, never reused, retried on a collision."""

from arcane.models import ChangeSequence, PropertyChange
from arcane.services import changes, properties, users
from tests.conftest import real_mongodb_only


def publish(owner, name="Flat"):
    return properties.create_property(owner, name=name, type="flat", city="Lyon")


def sequences() -> dict:
    return {entry.id: entry.sequence for entry in PropertyChange.objects}


def test_racing_writers_for_one_sequence_both_get_one_in_order(owner, monkeypatch):
    first = publish(owner, "First")
    real_highest = changes._highest_sequence
    reads = []

    def stale_then_real():
        # The first read is what a writer that raced the creation of "First" saw: 0, so it
        # tries sequence 1, collides on the unique index, reads again and takes 2.
        reads.append(None)
        return 0 if len(reads) == 1 else real_highest()

    monkeypatch.setattr(changes, "_highest_sequence", stale_then_real)
    second = publish(owner, "Second")

    assert len(reads) == 2
    assert sequences() == {first["_id"]: 1, second["_id"]: 2}


def test_a_collision_with_a_newer_revision_keeps_the_newer_entry(owner):
    created = publish(owner)
    owned = properties.get_owned_property(created["_id"], owner)
    properties.update_property(owned, {"name": "Renamed"})

    changes.record_change("created", created)  # a slower writer, late with revision 0

    entry = PropertyChange.objects.get(id=created["_id"])
    assert (entry.kind, entry.revision, entry.property["name"]) == ("updated", 1, "Renamed")


def test_each_write_moves_the_property_to_the_end(owner):
    first, second = publish(owner, "First"), publish(owner, "Second")
    properties.update_property(properties.get_owned_property(first["_id"], owner), {"name": "Again"})
    assert sequences() == {second["_id"]: 2, first["_id"]: 3}


def test_a_sequence_is_never_reused_once_the_newest_entry_expires(owner):
    created = publish(owner)
    properties.delete_property(properties.get_owned_property(created["_id"], owner))
    PropertyChange.objects(id=created["_id"]).delete()  # as the TTL monitor would, 30 days later

    later = publish(owner, "Later")

    assert ChangeSequence.objects.get().highest == 3
    assert sequences() == {later["_id"]: 3}


def test_deleting_an_account_records_the_deletion_of_its_listings(owner):
    kept_apart = publish(owner)
    users.delete_user(owner)
    entry = PropertyChange.objects.get(id=kept_apart["_id"])
    assert (entry.kind, entry.property, entry.revision) == ("deleted", None, 1)


@real_mongodb_only
def test_the_feed_and_the_sequence_lookup_are_index_scans(owner):
    """The feed's query (sequence after a cursor, in order) and the writers' highest-sequence read use the index."""
    for n in range(30):
        publish(owner, f"Flat {n}")
    collection = PropertyChange._get_collection()
    shapes = {
        "feed page": collection.find({"sequence": {"$gt": 10}}).sort("sequence", 1).limit(20),
        "highest sequence": collection.find({}, {"sequence": 1}).sort("sequence", -1).limit(1),
    }
    for name, cursor in shapes.items():
        plan = cursor.explain()["queryPlanner"]["winningPlan"]
        assert "IXSCAN" in str(plan), (name, plan)
        assert "'indexName': 'sequence'" in str(plan), (name, plan)
