"""Fields shared by the schemas."""

import datetime as dt
import re

import marshmallow as ma
from bson import ObjectId

from arcane import emails

OLDEST_BIRTH_DATE = dt.date(1900, 1, 1)
OBJECT_ID = re.compile(r"[0-9a-f]{24}")


# What a text must not contain, as regular expression classes: control characters (Unicode
# category Cc; a multi-line text keeps tab and line feed), and the bidirectional formatting
# characters that make text display in another order than it is stored (CVE-2021-42574).
BIDI_CONTROLS = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
CONTROLS = r"\x00-\x1f\x7f-\x9f" + BIDI_CONTROLS
MULTILINE_CONTROLS = r"\x00-\x08\x0b-\x1f\x7f-\x9f" + BIDI_CONTROLS


class Text(ma.fields.String):
    """A string with no control or bidirectional formatting characters, trimmed once checked.

    The checks apply to the string as sent, so that the documented ``maxLength`` and ``pattern``
    say exactly what is accepted; a required text must not be blank.
    """

    default_error_messages = {
        "control": "Must not contain control or bidirectional formatting characters.",
        "too_long": "Longer than maximum length {max_length}.",
    }

    def __init__(self, *, min_length: int = 1, max_length: int, multiline: bool = False, **kwargs):
        validators = [ma.validate.Length(min=min_length, max=max_length)]
        metadata = {"pattern": text_pattern(multiline=multiline, blank=min_length == 0), **kwargs.pop("metadata", {})}
        super().__init__(validate=validators, metadata=metadata, **kwargs)
        self.forbidden = re.compile(f"[{MULTILINE_CONTROLS if multiline else CONTROLS}]")
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.forbidden.search(text):
            raise self.make_error("control")
        if len(text) > self.max_length:
            raise self.make_error("too_long", max_length=self.max_length)
        return text.strip()


def text_pattern(*, multiline: bool, blank: bool) -> str:
    """The documented pattern of a Text: no control characters and, unless blank is allowed, a visible one."""
    other = f"[^{MULTILINE_CONTROLS if multiline else CONTROLS}]"
    if blank:
        return f"^{other}*$"
    visible = f"[^\\s{CONTROLS}]"
    return f"^{other}*{visible}{other}*$"


def validate_birth_date(value: dt.date) -> None:
    """A birth date lies in the past, and not before 1900."""
    if value < OLDEST_BIRTH_DATE:
        raise ma.ValidationError("Must not be before 1900-01-01.")
    if value >= dt.datetime.now(dt.UTC).date():
        raise ma.ValidationError("Must be in the past.")


class EmailAddress(ma.fields.String):
    """An email address a mailbox can be registered under, loaded in its normal form (arcane.emails).

    Refused: quoted local parts, domain literals, and characters no registrable mailbox has
    (invisible ones such as a soft hyphen, control and bidirectional characters).
    """

    def __init__(self, **kwargs):
        metadata = {"format": "email", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return emails.normalise(text).address
        except emails.InvalidEmail as error:
            raise ma.ValidationError(str(error)) from None


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

    def __init__(self, **kwargs):
        metadata = {"pattern": f"^{OBJECT_ID.pattern}$", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not OBJECT_ID.fullmatch(text):
            raise self.make_error("invalid_id")
        return ObjectId(text)


class NamedEnum(ma.fields.String):
    """A string among fixed choices that the OpenAPI document defines once, as the schema ``component``.

    Every field of one component is documented as a reference to it, so that a client generator
    makes one type (one ``RoomKind`` enum) instead of one per schema that uses it.
    """

    def __init__(self, component: str, choices, *, description: str, **kwargs):
        self.component = component
        self.choices = tuple(choices)
        self.component_description = description
        super().__init__(validate=ma.validate.OneOf(self.choices), **kwargs)
