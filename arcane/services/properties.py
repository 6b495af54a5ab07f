"""Properties and their rooms: public reads, owner-only writes.

Every write goes through the mongoengine models, so their constraints (lengths, choices, ranges)
hold whoever calls: new properties and rooms are validated documents, and updates are atomic
modifiers that mongoengine validates field by field. A write is one update that applies the
change and sets the derived search fields, guarded by the revision they were computed from (and,
when the client sent If-Match, that must be the revision it saw); room changes never rewrite the
whole ``rooms`` array.

Reads return the stored documents as plain dicts (``as_pymongo()``: building mongoengine
documents costs a listing more than the query does), each with its owner's public fields
attached under ``owner`` as a plain document too (fetched for a whole page in one query; ``None``
when the owner is gone).
The schemas make the representation from them.
"""

import dataclasses

from bson import ObjectId
from mongoengine import Q

from arcane.errors import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed
from arcane.models import Property, Room, User
from arcane.models.common import utcnow
from arcane.models.properties import (
    CITY_KEY_MAX_BYTES,
    DEFAULT_CITY_SORT,
    DEFAULT_SORT,
    MAX_ROOMS,
    SORTS,
    city_key,
    derived_fields,
    search_terms,
)
from arcane.paging import Page, check_offset, page_of, query_scope, read_cursor
from arcane.services import changes as change_feed
from arcane.services import property_types

PROPERTY_FIELDS = ("name", "description", "type", "city")
ROOM_FIELDS = ("name", "kind", "area_m2", "floor", "features")
PUBLIC_OWNER_FIELDS = ("first_name", "last_name")
DERIVED = ("total_area_m2", "room_count", "room_kinds", "room_features", "search_terms")
# A write computed from a state that another write changed meanwhile is computed again, this often at most.
MAX_WRITE_ATTEMPTS = 50
TOO_MANY_WRITERS = "The property kept changing while this write was applied: try again."


@dataclasses.dataclass(frozen=True)
class OwnedProperty:
    """A property the acting user may write to, as stored when that was checked."""

    # The whole stored property: the state a write computes the derived fields from.
    document: dict
    # The owner's public fields, to present the property after a write without a lookup.
    owner: dict | None

    @property
    def id(self) -> ObjectId:
        return self.document["_id"]

    @property
    def revision(self) -> int:
        return _revision(self.document)

    @property
    def presented(self) -> dict:
        """The property as read, with its owner, as the reads return it."""
        return {**self.document, "owner": self.owner}


# Reads


def list_properties(*, sort=DEFAULT_SORT, cursor=None, offset=0, limit=20, **filters) -> Page:
    """One page of listings in the given order: after the cursor if one is given, else from ``offset``.

    Filters: city, type, owner, min_rooms, min_area, max_area, room_kind, feature, q. A cursor
    is keyset-based (the sort key and the id of the last item), so no skip reaches the database;
    it is refused with another sort or other filters than the ones it was made for.
    """
    if cursor is None:
        check_offset(offset)
    conditions = property_filters(**filters)
    matching = Property.objects(**conditions)
    field, direction = SORTS[sort]
    scope = query_scope("properties", sort, sorted((key, str(value)) for key, value in conditions.items()))
    query = matching
    if cursor is not None:
        query = matching.filter(keyset_after(field, direction, *read_cursor(cursor, scope, object, ObjectId)))
    sign = "-" if direction < 0 else "+"
    start = 0 if cursor is not None else offset  # a cursor's query starts after it: no skip
    page = page_of(
        # One slice sets skip and limit: each queryset method copies the queryset.
        list(query.order_by(sign + field, sign + "id").as_pymongo()[start : start + limit + 1]),
        limit=limit,
        offset=offset,
        by_cursor=cursor is not None,
        scope=scope,
        keys_of=lambda listing: [listing.get(field), listing["_id"]],
        count=matching.count,
    )
    return dataclasses.replace(page, items=_with_owners(page.items))


def keyset_after(field: str, direction: int, key, item_id: ObjectId) -> Q:
    """The items after (key, id) in the order (field, id), both in ``direction``."""
    beyond = "gt" if direction > 0 else "lt"
    return Q(**{f"{field}__{beyond}": key}) | Q(**{field: key, f"id__{beyond}": item_id})


def property_filters(
    *,
    city=None,
    type=None,
    owner=None,
    min_rooms=None,
    min_area=None,
    max_area=None,
    room_kind=None,
    feature=None,
    q=None,
) -> dict:
    """The mongoengine filters of the listing's query parameters (each served by an index)."""
    filters = {}
    if city is not None:
        filters["city_key"] = city_key(city)
    if type is not None:
        filters["type"] = type
    if owner is not None:
        filters["owner"] = owner
    if min_rooms:
        filters["room_count__gte"] = min_rooms
    if min_area is not None:
        filters["total_area_m2__gte"] = min_area
    if max_area is not None:
        filters["total_area_m2__lte"] = max_area
    if room_kind is not None:
        filters["room_kinds"] = room_kind
    if feature is not None:
        filters["room_features"] = city_key(feature)
    if q is not None:
        # Every word must be a stored search term; a query of separators only matches everything.
        words = search_terms(q)
        if words:
            filters["search_terms__all"] = words
    return filters


def get_property(property_id: ObjectId) -> dict:
    """A property with its owner, or NotFound."""
    return _with_owners([_find(property_id)])[0]


def get_properties(property_ids) -> dict:
    """The listings that exist among these ids, with their owners, by id (one query for each)."""
    found = list(Property.objects(id__in=list(property_ids)).as_pymongo()) if property_ids else []
    return {document["_id"]: document for document in _with_owners(found)}


def list_rooms(property_id: ObjectId, *, cursor=None, offset=0, limit=MAX_ROOMS) -> Page:
    """A page of the rooms of a property in the order they were added (by id), after the cursor if one is given."""
    if cursor is None:
        check_offset(offset)
    scope = query_scope("rooms", str(property_id))
    after = read_cursor(cursor, scope, ObjectId)[0] if cursor is not None else None
    # At most MAX_ROOMS, embedded in one document: read whole and cut here. Sorted by id (made as
    # the room is added) rather than kept in array order, so that the keyset holds whatever that order.
    rooms = sorted(_find(property_id, "rooms").get("rooms", []), key=lambda room: room["_id"])
    following = rooms[offset:] if after is None else [room for room in rooms if room["_id"] > after]
    return page_of(
        following[: limit + 1],
        limit=limit,
        offset=offset,
        by_cursor=after is not None,
        scope=scope,
        keys_of=lambda room: [room["_id"]],
        count=lambda: len(rooms),
    )


def get_room(property_id: ObjectId, room_id: ObjectId) -> dict:
    """One room of a property; a room of another property is NotFound."""
    return _room_in(_find(property_id, "rooms"), room_id)


def list_cities(*, prefix=None, sort=DEFAULT_CITY_SORT, cursor=None, offset=0, limit=20) -> Page:
    """A page of the cities that have listings, each under the name most often written."""
    # ``-count`` pages by number only (a cursor is refused): the counts move with every write, so
    # no keyset over them is exact. ``city``, by key, also walks by a cursor on the key, exactly.
    # ``prefix`` keeps the cities whose key starts with its key (``sai`` finds Saint-Étienne): an
    # anchored range on the indexed ``city_key``, not a regex.
    key = city_key(prefix) if prefix is not None else ""
    scope = query_scope("cities", sort, key)
    after = None
    if cursor is None and sort == "city":
        check_offset(offset)
    elif cursor is None:
        # The count order has no cursor (its counts move): the way past the limit is the order by key.
        check_offset(offset, way_further="sort=city and its Link header's cursor")
    elif sort != "city":
        raise Invalid(
            "Cities page by cursor only with sort=city.",
            errors={"cursor": ["Only with sort=city: most listings first (the default) pages by number, with page."]},
        )
    else:
        after = read_cursor(cursor, scope, str)[0]
    skip = [] if after is not None else [{"$skip": offset}]
    fetched = Property.objects.aggregate([*cities_pipeline(key, sort, after), *skip, {"$limit": limit + 1}])
    cities = [{"name": city["name"], "key": city["_id"], "count": city["count"]} for city in fetched]
    counted = [*city_match(key), {"$group": {"_id": "$city_key"}}, {"$count": "total"}]
    return page_of(
        cities,
        limit=limit,
        offset=offset,
        by_cursor=after is not None,
        scope=scope,
        keys_of=(lambda city: [city["key"]]) if sort == "city" else None,
        count=lambda: next(Property.objects.aggregate(counted), {"total": 0})["total"],
    )


def city_match(key: str, after: str | None = None) -> list[dict]:
    """The stage that keeps the listings whose city key starts with ``key`` and comes after ``after``."""
    # Both bounds make one range on the indexed ``city_key``, matched first, so the index serves it.
    bounds = {}
    if key:
        bounds.update({"$gte": key, "$lt": prefix_successor(key)})
    if after is not None:
        bounds["$gt"] = after
    return [{"$match": {"city_key": bounds}}] if bounds else []


def cities_pipeline(key: str, sort: str, after: str | None = None) -> list[dict]:
    """The aggregation of the cities whose key starts with ``key`` and comes after ``after``, in ``sort`` order."""
    return [
        *city_match(key, after),
        {"$group": {"_id": {"key": "$city_key", "name": "$city"}, "count": {"$sum": 1}}},
        {"$sort": {"count": -1, "_id.name": 1}},
        {"$group": {"_id": "$_id.key", "name": {"$first": "$_id.name"}, "count": {"$sum": "$count"}}},
        {"$sort": {"count": -1, "_id": 1} if sort == "-count" else {"_id": 1}},
    ]


def prefix_successor(key: str) -> str:
    """The first string after every string that starts with ``key``: the exclusive end of its range.

    Its last character, incremented: unlike ``key + "\uffff"``, it also bounds keys with
    characters beyond U+FFFF (which sort after it in UTF-8).
    """
    following = ord(key[-1]) + 1
    return key[:-1] + chr(0xE000 if following == 0xD800 else following)  # surrogates are not text


# Writes


def get_owned_property(property_id: ObjectId, actor: User, *, moderation: bool = False) -> OwnedProperty:
    """The property if the actor owns it (or moderates it, as an admin); NotFound or Forbidden otherwise.

    Every write on a property or one of its rooms starts here, before anything else is looked up.
    The whole property is read: the write computes its derived fields from this state.
    """
    document = _find(property_id)
    if document["owner"] == actor.id:
        owner = _public_owner(actor)
    elif moderation and actor.is_admin:
        owner = _with_owners([document])[0]["owner"]
    else:
        raise Forbidden("Only the owner of this property can change it.")
    return OwnedProperty(document, owner)


def create_property(actor: User, *, name, type, city, description="", rooms=()) -> dict:
    """Publish a property owned by the actor."""
    _check_type(type)
    now = utcnow()
    created = Property(
        name=name,
        description=description,
        type=type,
        city=city,
        city_key=_city_key(city),
        rooms=[Room(**room) for room in rooms],
        owner=actor,
        created_at=now,
        updated_at=now,
    )
    created.save(force_insert=True)  # validates the property and its rooms
    document = {**created.to_mongo(), "owner": _public_owner(actor)}
    change_feed.record_change("created", document)
    return document


def update_property(owned: OwnedProperty, changes: dict, *, expected_revision: int | None = None) -> dict:
    """Change any of name, description, type and city."""
    changes = {field: changes[field] for field in PROPERTY_FIELDS if field in changes}
    if not changes:
        return _unchanged(owned, expected_revision)
    for field, value in changes.items():
        # Checked before the derived fields are computed from the values (mongoengine checks an
        # update's values only once it builds the update).
        getattr(Property, field).validate(value)
    if "type" in changes:
        _check_type(changes["type"])
    if "city" in changes:
        changes["city_key"] = _city_key(changes["city"])

    def rename(document: dict) -> tuple[dict, dict, dict]:
        return _set(changes), {}, {**document, **changes}

    return _write(owned, rename, expected_revision=expected_revision)


def delete_property(owned: OwnedProperty, *, expected_revision: int | None = None) -> None:
    """Remove a property and its rooms."""
    document = owned.document
    for _ in range(MAX_WRITE_ATTEMPTS):
        _check_revision(document, expected_revision)
        if Property.objects(id=owned.id, **_at_revision(document)).delete():
            change_feed.record_deletion(owned.id, revision=_revision(document) + 1)
            return
        document = _find(owned.id)  # another write got in first: delete what it left
    raise Conflict(TOO_MANY_WRITERS)


def add_room(owned: OwnedProperty, fields: dict, *, expected_revision: int | None = None) -> tuple[dict, dict]:
    """Append a room (a $push: concurrent additions are all kept); returns it and the property."""
    room = Room(**fields)
    room.validate()
    added = room.to_mongo().to_dict()

    def append(document: dict) -> tuple[dict, dict, dict]:
        rooms = document.get("rooms", [])
        if len(rooms) >= MAX_ROOMS:
            raise Invalid(errors={"rooms": [f"A property has at most {MAX_ROOMS} rooms."]})
        # The limit is in the filter too, like the revision: the update can never overshoot it.
        condition = {f"rooms__{MAX_ROOMS - 1}__exists": False}
        return {"push__rooms": room}, condition, {**document, "rooms": [*rooms, added]}

    updated = _write(owned, append, expected_revision=expected_revision)
    return added, updated


def update_room(
    owned: OwnedProperty, room_id: ObjectId, changes: dict, *, expected_revision: int | None = None
) -> tuple[dict, dict]:
    """Change fields of one room in place (positional update); returns it and the property."""
    changes = {field: changes[field] for field in ROOM_FIELDS if field in changes}
    if not changes:
        updated = _unchanged(owned, expected_revision)
        return _room_in(updated, room_id), updated

    def change(document: dict) -> tuple[dict, dict, dict]:
        rooms = document.get("rooms", [])
        stored = _room_in(document, room_id)
        # mongoengine validates each value of an update against its field, but not the field's
        # choices: the room as it will be is validated whole first (only the changed fields are written).
        room = Room(**{**_room_fields(stored), **changes})
        room.validate()
        values = room.to_mongo()
        changed = {**stored, **{field: values.get(field) for field in changes}}
        updates = {f"set__rooms__S__{field}": changed[field] for field in changes}
        rooms = [changed if candidate is stored else candidate for candidate in rooms]
        return updates, {"rooms__id": room_id}, {**document, "rooms": rooms}

    updated = _write(owned, change, expected_revision=expected_revision)
    return _room_in(updated, room_id), updated


def delete_room(owned: OwnedProperty, room_id: ObjectId, *, expected_revision: int | None = None) -> dict:
    """Remove one room; returns the property."""

    def remove(document: dict) -> tuple[dict, dict, dict]:
        removed = _room_in(document, room_id)
        rooms = [room for room in document.get("rooms", []) if room is not removed]
        return {"pull__rooms__id": room_id}, {"rooms__id": room_id}, {**document, "rooms": rooms}

    return _write(owned, remove, expected_revision=expected_revision)


def delete_properties_of(owner_id: ObjectId) -> int:
    """Remove every listing of an owner (their account is being deleted); how many there were."""
    # The feed records a deletion for each listing deleted, read first: whatever their entries carry.
    listings = list(Property.objects(owner=owner_id).only("id", "revision").as_pymongo())
    # Only those read: one published meanwhile would go with no deletion entry (the next sweep takes it).
    deleted = Property.objects(owner=owner_id, id__in=[listing["_id"] for listing in listings]).delete()
    for listing in listings:
        change_feed.record_deletion(listing["_id"], revision=listing.get("revision", 0) + 1)
    return deleted


# Helpers


def _with_owners(documents: list[dict]) -> list[dict]:
    """The documents with their owners' public fields under ``owner``, fetched in one query."""
    owner_ids = list({document["owner"] for document in documents})
    # in_bulk sends its own {_id: {$in: ids}} filter with the queryset's projection.
    public = User.objects.only(*PUBLIC_OWNER_FIELDS).as_pymongo()
    owners = public.in_bulk(owner_ids) if owner_ids else {}
    # An owner deleted a moment ago (their listings are being swept) leaves ``owner`` None.
    return [{**document, "owner": owners.get(document["owner"])} for document in documents]


def _public_owner(user: User) -> dict:
    """A user's public fields, as ``_with_owners`` attaches them."""
    return {"_id": user.id, **{field: getattr(user, field) for field in PUBLIC_OWNER_FIELDS}}


def _find(property_id: ObjectId, *fields: str) -> dict:
    """The stored property (only the given fields, when some are given), or NotFound."""
    found = Property.objects(id=property_id).as_pymongo()
    # Iterated rather than first(): each queryset method copies the queryset, which costs more
    # than the lookup by id on the hottest read (one property).
    document = next(iter(found.only(*fields) if fields else found), None)
    if document is None:
        raise NotFound("Property not found.")
    return document


def _room_in(document: dict, room_id: ObjectId) -> dict:
    for room in document.get("rooms", []):
        if room["_id"] == room_id:
            return room
    raise NotFound("Room not found.")


def _room_fields(stored: dict) -> dict:
    """A stored room's fields, as keyword arguments of ``Room``."""
    return {"id": stored["_id"], **{field: stored[field] for field in ROOM_FIELDS if field in stored}}


def _check_type(slug: str) -> None:
    if not property_types.type_exists(slug):
        raise Invalid(errors={"type": [f"Unknown property type {slug!r}: see /api/v1/property-types."]})


def _city_key(city: str) -> str:
    key = city_key(city)
    if not key:
        raise Invalid(errors={"city": ["Must contain letters or digits."]})
    if len(key.encode()) > CITY_KEY_MAX_BYTES:
        raise Invalid(errors={"city": ["Too long once normalised for search: write it with fewer or simpler letters."]})
    return key


def _write(owned: OwnedProperty, change, *, expected_revision: int | None = None) -> dict:
    """Apply a change in one update that also sets the derived fields, guarded by the revision they come from.

    ``change(document)`` gives, for the stored property, the update's modifiers, its other
    conditions, and the property as the update leaves it (or raises why the change cannot apply).
    If another write got in first, the update matches nothing: the property is read again and
    the change computed anew from it, so the derived fields always describe the stored rooms.
    Returns the property after the write, with its owner.
    """
    document = owned.document
    for _ in range(MAX_WRITE_ATTEMPTS):
        _check_revision(document, expected_revision)
        updates, condition, changed = change(document)
        derived = _derived_of(changed)
        now = utcnow()
        matched = Property.objects(id=owned.id, **_at_revision(document), **condition).update_one(
            **updates,
            **_set(derived),
            inc__revision=1,
            set__updated_at=now,
        )
        if matched:
            updated = {**changed, **derived, "revision": _revision(document) + 1, "updated_at": now}
            updated["owner"] = owned.owner
            change_feed.record_change("updated", updated)
            return updated
        document = _find(owned.id)
    raise Conflict(TOO_MANY_WRITERS)


def _revision(document: dict) -> int:
    return document.get("revision", 0)


def _at_revision(document: dict) -> dict:
    """The filter that matches the property only at the revision of ``document``."""
    # Properties stored before revisions existed have none: they are at revision 0.
    return {"revision": document["revision"]} if "revision" in document else {"revision__exists": False}


def _check_revision(document: dict, expected_revision: int | None) -> None:
    """PreconditionFailed if the client sent If-Match and the property has moved on since."""
    if expected_revision is not None and _revision(document) != expected_revision:
        raise PreconditionFailed()


def refresh_all_derived(*, everything: bool = False) -> int:
    """Give the properties stored before the derived fields existed those fields (idempotent).

    With ``everything``, recompute them on every property (after a change to how they are
    computed, say). Returns how many properties were changed.
    """
    older = Q()
    if not everything:
        for field in DERIVED:
            older |= Q(**{f"{field}__exists": False})
    stored = Property.objects(older).only("name", "description", "rooms", "revision", *DERIVED).as_pymongo()
    changed = 0
    for document in stored:
        derived = _derived_of(document)
        if any(document.get(field) != value for field, value in derived.items()):
            # Guarded by the revision read: a write since then set the fields itself.
            Property.objects(id=document["_id"], **_at_revision(document)).update_one(**_set(derived))
            changed += 1
    return changed


def _derived_of(document: dict) -> dict:
    return derived_fields(document["name"], document.get("description", ""), document.get("rooms", []))


def _set(fields: dict) -> dict:
    """mongoengine's $set modifiers for these fields."""
    return {f"set__{field}": value for field, value in fields.items()}


def _unchanged(owned: OwnedProperty, expected_revision: int | None) -> dict:
    """An empty change writes nothing (no revision, no updated_at): the property as it was read."""
    _check_revision(owned.document, expected_revision)
    return owned.presented
