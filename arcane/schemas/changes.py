"""Change feed schemas: its query (a cursor and a page size) and its entries."""

import marshmallow as ma

from arcane.models.changes import CHANGE_KINDS
from arcane.paging import MAX_CURSOR_LENGTH, NOT_A_CURSOR, InvalidCursor, decode_cursor, encode_cursor
from arcane.schemas.properties import PropertySchema
from arcane.smorest import QuerySchema, Schema

CURSOR_EXAMPLE = encode_cursor([0])


class ChangeCursor(ma.fields.String):
    """An opaque cursor of the change feed, loaded as the sequence it resumes after."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            (sequence,) = decode_cursor(super()._deserialize(value, attr, data, **kwargs), length=1)
        except InvalidCursor as error:
            raise ma.ValidationError(str(error)) from None
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
            raise ma.ValidationError(NOT_A_CURSOR)
        return sequence


class ChangeQuerySchema(QuerySchema):
    """Where the feed resumes, and how many entries a page has (no page number: the cursor says where)."""

    pager_parameters = frozenset()

    cursor = ChangeCursor(
        data_key="cursor",
        attribute="after",
        metadata={
            "description": "Resume after the changes already seen: the cursor of the previous page's "
            'Link rel="next". Without it, the feed starts from its oldest entry. A cursor this feed '
            "never reached (another database's) is 422.",
            "example": CURSOR_EXAMPLE,
            # The bounds decode_cursor holds, documented: a Length validator would see the loaded sequence.
            "minLength": 1,
            "maxLength": MAX_CURSOR_LENGTH,
        },
    )
    page_size = ma.fields.Integer(
        strict=False, load_default=20, validate=ma.validate.Range(min=1, max=100), metadata={"example": 20}
    )


class ChangeSchema(Schema):
    """One entry of the change feed: a change of one property, with the listing as it is now."""

    kind = ma.fields.String(dump_only=True, required=True, metadata={"enum": list(CHANGE_KINDS), "example": "updated"})
    property_id = ma.fields.String(dump_only=True, required=True, metadata={"example": "6750c3e2a1b2c3d4e5f60718"})
    revision = ma.fields.Integer(
        dump_only=True,
        required=True,
        metadata={"description": "The revision of the listing in `property`; for a deletion, the one it made."},
    )
    changed_at = ma.fields.AwareDateTime(
        dump_only=True, required=True, metadata={"description": "The writer's clock: informative, not the order."}
    )
    property = ma.fields.Nested(
        PropertySchema,
        dump_only=True,
        required=True,
        allow_none=True,
        metadata={"description": "The listing as GET /api/v1/properties/{id} returns it; null once deleted."},
    )
