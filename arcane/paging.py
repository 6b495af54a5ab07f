"""Opaque keyset cursors and RFC 8288 ``Link`` headers for paged collections.

A cursor carries the sort key and the id of the last item a page returned, so that the next page
starts right after it whatever was inserted or deleted meanwhile (keyset paging), and no skip
ever reaches the database. Clients treat it as an opaque string. Flask-free: views build the
URLs, services read the decoded values and build the pages.

Every paged collection (listings, rooms, property types, cities) pages the same way: by number,
up to ``MAX_OFFSET`` items in, or by a cursor bound to its collection, sort and filters.
"""

import base64
import binascii
import dataclasses
import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable

from bson import ObjectId
from bson.errors import InvalidId

from arcane.errors import Invalid

MAX_CURSOR_LENGTH = 512
# The deepest a page may start by number; a cursor reaches further.
MAX_OFFSET = 10_000
# Tags of the JSON encoding of the values that JSON itself cannot carry.
_OBJECT_ID = "$oid"
_DATETIME = "$date"
# BSON's integers are 64-bit: pymongo refuses to send a larger one.
_INT64 = range(-(2**63), 2**63)


NOT_A_CURSOR = "Not a cursor of this service: use the Link header's URLs."


class InvalidCursor(ValueError):
    """A cursor this service did not make, or made for another query."""

    def __init__(self, message: str = NOT_A_CURSOR):
        super().__init__(message)


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of a collection: its items, the total (None on a cursor page) and the next cursor."""

    items: list
    total: int | None
    next_cursor: str | None


def check_offset(offset: int, *, way_further: str = "the Link header's cursor") -> None:
    """Refuse a page that starts too far for a skip: a cursor reaches any depth at the cost of page 1."""
    if offset >= MAX_OFFSET:
        raise Invalid(
            f"Pages start at most {MAX_OFFSET:,} items in: follow {way_further} to go further.",
            errors={"page": [f"Starts beyond item {MAX_OFFSET:,}: follow {way_further} instead."]},
        )


def query_scope(collection: str, *parts) -> str:
    """A fingerprint of the collection, sort and filters a cursor belongs to (parts JSON can carry)."""
    canonical = json.dumps([collection, *parts])
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def make_cursor(scope: str, *keys) -> str:
    """The cursor of the page after the item with these keys (its sort key, then its id)."""
    return encode_cursor([scope, *keys])


def read_cursor(cursor: str, scope: str, *kinds: type) -> list:
    """The keys a cursor carries, one of each kind; Invalid (naming ``cursor``) if it is not one for this query."""
    try:
        made_for, *keys = decode_cursor(cursor, length=len(kinds) + 1)
    except InvalidCursor:
        raise Invalid(errors={"cursor": [NOT_A_CURSOR]}) from None
    if made_for != scope or not all(isinstance(key, kind) for key, kind in zip(keys, kinds, strict=True)):
        raise Invalid(
            errors={"cursor": ["Made for another collection, sort or filters: start again without a cursor."]}
        )
    # Stored dates are naive UTC.
    return [key.astimezone(dt.UTC).replace(tzinfo=None) if isinstance(key, dt.datetime) else key for key in keys]


def page_of(
    fetched: list,
    *,
    limit: int,
    offset: int,
    by_cursor: bool,
    scope: str,
    keys_of: Callable[[object], list] | None,
    count: Callable[[], int],
) -> Page:
    """The page made of ``fetched``, the up to ``limit + 1`` items a query gave from the page's start."""
    # The extra item says whether there is a next page, without a count; ``keys_of`` gives the
    # cursor keys of an item (None for an order with no keyset: no cursor). A page by number gets
    # its total from its own end when it is the last one, so only a middle page pays ``count``.
    items, more = fetched[:limit], len(fetched) > limit
    next_cursor = make_cursor(scope, *keys_of(items[-1])) if more and keys_of is not None else None
    if by_cursor:
        total = None
    elif not more and (items or offset == 0):
        total = offset + len(items)
    else:
        total = count()
    return Page(items, total, next_cursor)


def encode_cursor(values: list) -> str:
    """An opaque, URL-safe cursor for a list of str, int, float, bool, None, ObjectId or aware datetime."""
    document = json.dumps([_tag(value) for value in values], separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, length: int | None = None) -> list:
    """The values a cursor carries; InvalidCursor if it is malformed or, given ``length``, not that long."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        raise InvalidCursor from None
    if not isinstance(document, list) or (length is not None and len(document) != length):
        raise InvalidCursor
    return [_untag(value) for value in document]


def link_header(links: dict[str, str]) -> str:
    """An RFC 8288 Link header value from relation names to URLs: ``<url>; rel="next", ...``."""
    return ", ".join(f'<{url}>; rel="{relation}"' for relation, url in links.items())


def _tag(value):
    if isinstance(value, ObjectId):
        return {_OBJECT_ID: str(value)}
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return {_DATETIME: value.isoformat()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a cursor cannot carry a {type(value).__name__}")


def _untag(value):
    if isinstance(value, dict):
        try:
            if set(value) == {_OBJECT_ID}:
                return ObjectId(value[_OBJECT_ID])
            if set(value) == {_DATETIME}:
                moment = dt.datetime.fromisoformat(value[_DATETIME])
                if moment.tzinfo is not None:
                    return moment
        except (InvalidId, TypeError, ValueError):
            pass
        raise InvalidCursor
    if isinstance(value, list) or not _storable(value):
        raise InvalidCursor
    return value


def _storable(value) -> bool:
    """Whether pymongo can send the value: JSON also decodes huge integers, NaN and lone surrogates."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value in _INT64
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return False
    return True
