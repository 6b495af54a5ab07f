import datetime as dt

import pytest
from bson import ObjectId

from arcane.paging import InvalidCursor, decode_cursor, encode_cursor, link_header

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


def test_a_cursor_of_another_length_is_refused():
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor([1, 2]), length=3)


def test_a_value_json_cannot_carry_is_a_programming_error():
    with pytest.raises(TypeError):
        encode_cursor([object()])


def test_link_header_follows_rfc_8288():
    header = link_header({"next": "/api/v1/properties?cursor=abc", "first": "/api/v1/properties"})
    assert header == '</api/v1/properties?cursor=abc>; rel="next", </api/v1/properties>; rel="first"'
