"""Property type schemas."""

import marshmallow as ma

from arcane.schemas.fields import Text
from arcane.smorest import Schema

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def slug_field(**kwargs):
    """A type's slug: lower-case words joined by hyphens."""
    metadata = {"description": "Lower-case words joined by hyphens.", "example": "flat", "pattern": SLUG_PATTERN}
    return ma.fields.String(
        validate=[ma.validate.Length(min=1, max=40), ma.validate.Regexp(SLUG_PATTERN)],
        metadata={**metadata, **kwargs.pop("metadata", {})},
        **kwargs,
    )


class PropertyTypeSchema(Schema):
    """A kind of property, as the API shows it."""

    slug = ma.fields.String(dump_only=True, required=True, metadata={"example": "flat"})
    label = ma.fields.String(dump_only=True, required=True, metadata={"example": "Flat"})
    description = ma.fields.String(
        dump_only=True, required=True, metadata={"example": "An apartment in a shared building."}
    )


class PropertyTypeCreateSchema(Schema):
    """A new kind of property."""

    slug = slug_field(required=True)
    label = Text(required=True, max_length=80, metadata={"example": "Flat"})
    description = Text(
        min_length=0, max_length=500, load_default="", metadata={"example": "An apartment in a shared building."}
    )


class PropertyTypeUpdateSchema(Schema):
    """What an administrator may change on a type (the slug is its identity)."""

    label = Text(max_length=80, metadata={"example": "Apartment"})
    description = Text(min_length=0, max_length=500)
