"""Fields shared by the schemas."""

import datetime as dt
import re
import unicodedata

import marshmallow as ma
from bson import ObjectId

OLDEST_BIRTH_DATE = dt.date(1900, 1, 1)
OBJECT_ID = re.compile(r"[0-9a-f]{24}")


class Text(ma.fields.String):
    """A string trimmed of surrounding white space, with no control characters."""

    default_error_messages = {"control": "Must not contain control characters."}

    def __init__(self, *, min_length: int = 1, max_length: int, multiline: bool = False, **kwargs):
        validators = [ma.validate.Length(min=min_length, max=max_length)]
        super().__init__(validate=validators, **kwargs)
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        allowed = {"\n", "\t"} if self.multiline else set()
        if any(unicodedata.category(char) == "Cc" and char not in allowed for char in text):
            raise self.make_error("control")
        return text


def validate_birth_date(value: dt.date) -> None:
    """A birth date lies in the past, and not before 1900."""
    if value < OLDEST_BIRTH_DATE:
        raise ma.ValidationError("Must not be before 1900-01-01.")
    if value >= dt.datetime.now(dt.UTC).date():
        raise ma.ValidationError("Must be in the past.")


class EmailAddress(ma.fields.Email):
    """An email address, trimmed of surrounding white space before it is checked."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class StrictInteger(ma.fields.Integer):
    """A JSON integer: no strings, no floats, no booleans."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class StrictFloat(ma.fields.Float):
    """A finite JSON number: no strings, no booleans, no NaN or infinity."""

    def __init__(self, **kwargs):
        super().__init__(allow_nan=False, **kwargs)

    def _validated(self, value):
        if isinstance(value, bool | str):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class ObjectIdString(ma.fields.String):
    """A MongoDB id given as 24 hexadecimal characters; loads as an ObjectId."""

    default_error_messages = {"invalid_id": "Not a valid id."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not OBJECT_ID.fullmatch(text):
            raise self.make_error("invalid_id")
        return ObjectId(text)
