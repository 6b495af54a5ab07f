import datetime as dt

import pytest
from bson import ObjectId

from arcane.errors import Invalid
from arcane.paging import (
    InvalidCursor,
    decode_cursor,
    encode_cursor,
    link_header,
    make_cursor,
    query_scope,
    read_cursor,
)

MOMENT = dt.datetime(2026, 12, 1, 20, 30, 15, 123000, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "values",
    [
        [MOMENT, ObjectId("6750c3e2a1b2c3d4e5f60718")],
        [54.5, ObjectId("6750c3e2a1b2c3d4e5f60718")],
        [3, "saint etienne", None, True],
        [],
    ],
)
def test_a_cursor_gives_back_its_values(values):
    assert decode_cursor(encode_cursor(values)) == values


def test_a_cursor_is_url_safe_and_opaque():
    cursor = encode_cursor(["saint étienne/?&=", ObjectId("6750c3e2a1b2c3d4e5f60718")])
    assert cursor.replace("-", "").replace("_", "").isalnum()
    assert "saint" not in cursor


def test_a_naive_datetime_is_taken_as_utc():
    assert decode_cursor(encode_cursor([MOMENT.replace(tzinfo=None)])) == [MOMENT]


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64!",
        encode_cursor([1])[:-1] + "@",
        "eyJhIjoxfQ",  # {"a":1}: JSON, not a list
        "W3siJG9pZCI6Inh5eiJ9XQ",  # [{"$oid":"xyz"}]
        "W3siJGRhdGUiOiIyMDI2LTEyLTAxVDIwOjMwOjAwIn1d",  # a naive date
        "W1sxXV0",  # [[1]]
        "A" * 600,
    ],
)
def test_a_malformed_cursor_is_refused(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, float("nan"), float("inf"), "\ud800"])
def test_a_cursor_carrying_a_value_mongodb_cannot_store_is_refused(value):
    """Beyond 64-bit integers, non-finite numbers, lone surrogates: pymongo would fail to send them (a 500)."""
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor([value]))


def test_a_cursor_of_another_length_is_refused():
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor([1, 2]), length=3)


def test_a_value_json_cannot_carry_is_a_programming_error():
    with pytest.raises(TypeError):
        encode_cursor([object()])


def test_link_header_follows_rfc_8288():
    header = link_header({"next": "/api/v1/properties?cursor=abc", "first": "/api/v1/properties"})
    assert header == '</api/v1/properties?cursor=abc>; rel="next", </api/v1/properties>; rel="first"'


def test_a_cursor_reads_back_in_its_scope_with_dates_as_stored():
    scope = query_scope("properties", "-created_at", [])
    item_id = ObjectId("6750c3e2a1b2c3d4e5f60718")
    assert read_cursor(make_cursor(scope, MOMENT, item_id), scope, object, ObjectId) == [
        MOMENT.replace(tzinfo=None),
        item_id,
    ]


@pytest.mark.parametrize(
    ("made_for", "kinds"),
    [
        (query_scope("rooms", "6750c3e2a1b2c3d4e5f60718"), (str,)),  # another collection
        (query_scope("cities", "city", "sai"), (str,)),  # another prefix
        (query_scope("cities", "city", ""), (ObjectId,)),  # a key of another kind
        (query_scope("cities", "city", ""), (str, str)),  # another length
    ],
)
def test_a_cursor_of_another_scope_or_shape_is_invalid_naming_cursor(made_for, kinds):
    cursor = make_cursor(made_for, "lyon")
    with pytest.raises(Invalid) as refused:
        read_cursor(cursor, query_scope("cities", "city", ""), *kinds)
    assert list(refused.value.errors) == ["cursor"]
