"""Opaque keyset cursors and RFC 8288 ``Link`` headers for paged collections.

A cursor carries the sort key and the id of the last item a page returned, so that the next page
starts right after it whatever was inserted or deleted meanwhile (keyset paging), and no skip
ever reaches the database. Clients treat it as an opaque string. Flask-free: views build the
URLs, services read the decoded values.
"""

import base64
import binascii
import datetime as dt
import json

from bson import ObjectId
from bson.errors import InvalidId

MAX_CURSOR_LENGTH = 512
# Tags of the JSON encoding of the values that JSON itself cannot carry.
_OBJECT_ID = "$oid"
_DATETIME = "$date"


class InvalidCursor(ValueError):
    """A cursor this service did not make, or made for another query."""


def encode_cursor(values: list) -> str:
    """An opaque, URL-safe cursor for a list of str, int, float, bool, None, ObjectId or aware datetime."""
    document = json.dumps([_tag(value) for value in values], separators=(",", ":"), ensure_ascii=True)
    return base64.urlsafe_b64encode(document.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, length: int | None = None) -> list:
    """The values a cursor carries; InvalidCursor if it is malformed or, given ``length``, not that long."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("Not a cursor of this service.")
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        raise InvalidCursor("Not a cursor of this service.") from None
    if not isinstance(document, list) or (length is not None and len(document) != length):
        raise InvalidCursor("Not a cursor of this service.")
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
        raise InvalidCursor("Not a cursor of this service.")
    if isinstance(value, list):
        raise InvalidCursor("Not a cursor of this service.")
    return value
