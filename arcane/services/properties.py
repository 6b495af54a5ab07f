"""Properties and their rooms: public reads, owner-only writes.

Reads and writes go straight to the collection with plain documents (the mongoengine classes
declare the collections and their indexes; input was validated by the API's schemas), and
return plain representations, owners fetched in one batch. Writes are single atomic updates guarded by
ownership and, when the client sent If-Match, by the revision it saw; room changes never
rewrite the whole ``rooms`` array.
"""

import dataclasses

from bson import ObjectId

from arcane.errors import Forbidden, Invalid, NotFound, PreconditionFailed
from arcane.models import Property, User
from arcane.models.common import utcnow
from arcane.models.properties import MAX_ROOMS, city_key
from arcane.services import property_types

PROPERTY_FIELDS = ("name", "description", "type", "city")
ROOM_FIELDS = ("name", "kind", "area_m2", "floor", "features")
PUBLIC_OWNER_FIELDS = {"first_name": 1, "last_name": 1}
NEWEST_FIRST = [("_id", -1)]


@dataclasses.dataclass(frozen=True)
class OwnedProperty:
    """A property the acting user may write to, at the revision seen when that was checked."""

    id: ObjectId
    revision: int
    # The owner's public fields, to present the property after a write without looking them up.
    owner: dict


# Reads


def list_properties(*, city=None, type=None, owner=None, min_rooms=None, offset=0, limit=20):
    """One page of listings, newest first, and the number of listings that match."""
    query = {}
    if city is not None:
        query["city_key"] = city_key(city)
    if type is not None:
        query["type"] = type
    if owner is not None:
        query["owner"] = owner
    if min_rooms:
        query[f"rooms.{min_rooms - 1}"] = {"$exists": True}
    collection = Property._get_collection()
    documents = list(collection.find(query, sort=NEWEST_FIRST, skip=offset, limit=limit))
    if len(documents) < limit and (documents or offset == 0):
        # A short page is the last one: its end is the total, no count query needed.
        total = offset + len(documents)
    else:
        total = collection.count_documents(query)
    return present(documents), total


def get_property(property_id: ObjectId) -> dict:
    """The public representation of a property, or NotFound."""
    return present([_find(property_id)])[0]


def list_rooms(property_id: ObjectId) -> list[dict]:
    """The rooms of a property, in the order they were added."""
    return [_present_room(room) for room in _find(property_id, {"rooms": 1}).get("rooms", [])]


def get_room(property_id: ObjectId, room_id: ObjectId) -> dict:
    """One room of a property; a room of another property is NotFound."""
    for room in _find(property_id, {"rooms": 1}).get("rooms", []):
        if room["_id"] == room_id:
            return _present_room(room)
    raise NotFound("Room not found.")


def list_cities(*, offset=0, limit=20):
    """Cities that have listings, most listings first, each under the name most often written."""
    collection = Property._get_collection()
    pipeline = [
        {"$group": {"_id": {"key": "$city_key", "name": "$city"}, "count": {"$sum": 1}}},
        {"$sort": {"count": -1, "_id.name": 1}},
        {"$group": {"_id": "$_id.key", "name": {"$first": "$_id.name"}, "count": {"$sum": "$count"}}},
        {"$sort": {"count": -1, "_id": 1}},
        {"$skip": offset},
        {"$limit": limit},
    ]
    cities = [
        {"name": city["name"], "key": city["_id"], "count": city["count"]} for city in collection.aggregate(pipeline)
    ]
    counted = list(collection.aggregate([{"$group": {"_id": "$city_key"}}, {"$count": "total"}]))
    return cities, counted[0]["total"] if counted else 0


# Writes


def get_owned_property(property_id: ObjectId, actor: User, *, moderation: bool = False) -> OwnedProperty:
    """The property if the actor owns it (or moderates it, as an admin); NotFound or Forbidden otherwise.

    Every write on a property or one of its rooms starts here, before anything else is looked up.
    """
    document = _find(property_id, {"owner": 1, "revision": 1})
    if document["owner"] != actor.id and not (moderation and actor.is_admin):
        raise Forbidden("Only the owner of this property can change it.")
    # A moderator only deletes, so the owner's fields are never presented from the actor's.
    return OwnedProperty(document["_id"], document.get("revision", 0), _public_owner(actor))


def create_property(actor: User, *, name, type, city, description="", rooms=()) -> dict:
    """Publish a property owned by the actor."""
    _check_type(type)
    now = utcnow()
    document = {
        "name": name,
        "description": description,
        "type": type,
        "city": city,
        "city_key": _city_key(city),
        "rooms": [_new_room(room) for room in rooms],
        "owner": actor.id,
        "revision": 0,
        "created_at": now,
        "updated_at": now,
    }
    Property._get_collection().insert_one(document)  # sets document["_id"]
    return present([document], owners=[_public_owner(actor)])[0]


def update_property(owned: OwnedProperty, changes: dict, *, expected_revision: int | None = None) -> dict:
    """Change any of name, description, type and city."""
    updates = {field: changes[field] for field in PROPERTY_FIELDS if field in changes}
    if "type" in updates:
        _check_type(updates["type"])
    if "city" in updates:
        updates["city_key"] = _city_key(updates["city"])
    return _modify(owned, {"$set": updates}, expected_revision=expected_revision)


def delete_property(owned: OwnedProperty, *, expected_revision: int | None = None) -> None:
    """Remove a property and its rooms."""
    query = _guard(owned, expected_revision)
    if Property._get_collection().delete_one(query).deleted_count == 0:
        _explain_failure(owned, expected_revision)


def add_room(owned: OwnedProperty, room: dict, *, expected_revision: int | None = None) -> tuple[dict, dict]:
    """Append a room (atomically: concurrent additions are all kept); returns it and the property."""
    new_room = _new_room(room)
    updated = _modify(
        owned,
        {"$push": {"rooms": new_room}},
        expected_revision=expected_revision,
        # Checked in the same update, so that concurrent additions cannot overshoot the limit.
        condition={f"rooms.{MAX_ROOMS - 1}": {"$exists": False}},
    )
    return _room_in(updated, new_room["_id"]), updated


def update_room(
    owned: OwnedProperty, room_id: ObjectId, changes: dict, *, expected_revision: int | None = None
) -> tuple[dict, dict]:
    """Change fields of one room in place (positional update); returns it and the property."""
    updates = {f"rooms.$.{field}": changes[field] for field in ROOM_FIELDS if field in changes}
    updated = _modify(owned, {"$set": updates}, expected_revision=expected_revision, condition={"rooms._id": room_id})
    return _room_in(updated, room_id), updated


def delete_room(owned: OwnedProperty, room_id: ObjectId, *, expected_revision: int | None = None) -> dict:
    """Remove one room; returns the property."""
    return _modify(
        owned,
        {"$pull": {"rooms": {"_id": room_id}}},
        expected_revision=expected_revision,
        condition={"rooms._id": room_id},
    )


# Representation


def present(documents: list[dict], *, owners: list[dict] | None = None) -> list[dict]:
    """Public representations of raw property documents, with their owners fetched in one query."""
    if owners is None:
        owner_ids = list({document["owner"] for document in documents})
        owners = User._get_collection().find({"_id": {"$in": owner_ids}}, PUBLIC_OWNER_FIELDS) if owner_ids else []
    owners_by_id = {owner["_id"]: owner for owner in owners}
    return [
        _present_property(document, owners_by_id[document["owner"]])
        for document in documents
        # An owner deleted a moment ago: their listings are being deleted too.
        if document["owner"] in owners_by_id
    ]


def _present_property(document: dict, owner: dict) -> dict:
    rooms = [_present_room(room) for room in document.get("rooms", [])]
    return {
        "id": str(document["_id"]),
        "name": document["name"],
        "description": document.get("description", ""),
        "type": document["type"],
        "city": document["city"],
        "rooms": rooms,
        "room_count": len(rooms),
        "total_area_m2": float(round(sum(room["area_m2"] for room in rooms), 2)),
        "owner": {"id": str(owner["_id"]), "first_name": owner["first_name"], "last_name": owner["last_name"]},
        "created_at": document["created_at"],
        "updated_at": document["updated_at"],
        "revision": document.get("revision", 0),
    }


def _present_room(room: dict) -> dict:
    return {
        "id": str(room["_id"]),
        "name": room["name"],
        "kind": room["kind"],
        "area_m2": room["area_m2"],
        "floor": room.get("floor"),
        "features": room.get("features", []),
    }


# Helpers


def _new_room(fields: dict) -> dict:
    """A room as stored, from fields the API's schemas have validated."""
    return {
        "_id": ObjectId(),
        "name": fields["name"],
        "kind": fields["kind"],
        "area_m2": float(fields["area_m2"]),
        "floor": fields.get("floor"),
        "features": list(fields.get("features", [])),
    }


def _public_owner(user: User) -> dict:
    return {"_id": user.id, "first_name": user.first_name, "last_name": user.last_name}


def _find(property_id: ObjectId, projection: dict | None = None) -> dict:
    document = Property._get_collection().find_one({"_id": property_id}, projection)
    if document is None:
        raise NotFound("Property not found.")
    return document


def _room_in(representation: dict, room_id: ObjectId) -> dict:
    """A room of a property the write just returned (so it is there)."""
    return next(room for room in representation["rooms"] if room["id"] == str(room_id))


def _check_type(slug: str) -> None:
    if not property_types.type_exists(slug):
        raise Invalid(errors={"type": [f"Unknown property type {slug!r}: see /api/v1/property-types."]})


def _city_key(city: str) -> str:
    key = city_key(city)
    if not key:
        raise Invalid(errors={"city": ["Must contain letters or digits."]})
    return key


def _guard(owned: OwnedProperty, expected_revision: int | None, condition: dict | None = None) -> dict:
    query = {"_id": owned.id, **(condition or {})}
    if expected_revision is not None:
        query["revision"] = expected_revision
    return query


def _modify(owned: OwnedProperty, update: dict, *, expected_revision=None, condition=None) -> dict:
    """Apply one atomic update that also bumps the revision; the new representation, or why not."""
    update = {**update, "$inc": {"revision": 1}}
    update.setdefault("$set", {})["updated_at"] = utcnow()
    # update_one then a read, not find_one_and_update: mongomock applies a positional ($)
    # update to the wrong array element in find_one_and_update.
    result = Property._get_collection().update_one(_guard(owned, expected_revision, condition), update)
    if result.matched_count == 0:
        _explain_failure(owned, expected_revision, condition)
    return present([_find(owned.id)], owners=[owned.owner])[0]


def _explain_failure(owned: OwnedProperty, expected_revision: int | None, condition: dict | None = None):
    """Say why a guarded write matched nothing: the property, the revision or the condition."""
    current = Property._get_collection().find_one({"_id": owned.id}, {"revision": 1, "rooms._id": 1})
    if current is None:
        raise NotFound("Property not found.")
    if expected_revision is not None and current.get("revision", 0) != expected_revision:
        raise PreconditionFailed()
    if condition and "rooms._id" in condition:
        raise NotFound("Room not found.")
    raise Invalid(errors={"rooms": [f"A property has at most {MAX_ROOMS} rooms."]})
