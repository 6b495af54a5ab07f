"""Fields shared by the schemas."""

import datetime as dt
import unicodedata

import marshmallow as ma

OLDEST_BIRTH_DATE = dt.date(1900, 1, 1)


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
