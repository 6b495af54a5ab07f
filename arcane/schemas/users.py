"""Account schemas: sign-up, profile update, password change, private and public views."""

import marshmallow as ma

from arcane.schemas.fields import EmailAddress, Text, validate_birth_date
from arcane.smorest import Schema

PASSWORD_LENGTH = ma.validate.Length(min=8, max=128)


def _name(description, example, *, required=False):
    return Text(max_length=100, required=required, metadata={"description": description, "example": example})


class UserCreateSchema(Schema):
    """Sign-up form."""

    email = EmailAddress(
        required=True,
        validate=ma.validate.Length(max=254),
        metadata={"description": "Unique, compared case-insensitively.", "example": "camille@example.com"},
    )
    password = ma.fields.String(
        required=True,
        load_only=True,
        validate=PASSWORD_LENGTH,
        metadata={"description": "8 to 128 characters.", "example": "correct horse battery"},
    )
    first_name = _name("Given name.", "Camille", required=True)
    last_name = _name("Family name.", "Martin", required=True)
    birth_date = ma.fields.Date(
        required=True,
        validate=validate_birth_date,
        metadata={"description": "ISO date in the past, not before 1900.", "example": "1990-05-17"},
    )


class UserUpdateSchema(Schema):
    """Personal details a user may change; anything else is refused."""

    first_name = _name("Given name.", "Camille")
    last_name = _name("Family name.", "Martin")
    birth_date = ma.fields.Date(validate=validate_birth_date, metadata={"example": "1990-05-17"})


class PasswordChangeSchema(Schema):
    """Password change form."""

    current_password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(max=128))
    new_password = ma.fields.String(required=True, load_only=True, validate=PASSWORD_LENGTH)


class UserPublicSchema(Schema):
    """What anyone may see of a user."""

    id = ma.fields.String(dump_only=True, required=True, metadata={"example": "6750c3e2a1b2c3d4e5f60718"})
    first_name = ma.fields.String(dump_only=True, required=True, metadata={"example": "Camille"})
    last_name = ma.fields.String(dump_only=True, required=True, metadata={"example": "Martin"})


class UserPrivateSchema(UserPublicSchema):
    """What the account holder sees of their own account."""

    email = ma.fields.String(dump_only=True, required=True, metadata={"example": "camille@example.com"})
    birth_date = ma.fields.Date(dump_only=True, required=True, metadata={"example": "1990-05-17"})
    role = ma.fields.String(dump_only=True, required=True, metadata={"enum": ["user", "admin"]})
    created_at = ma.fields.AwareDateTime(dump_only=True, required=True)
    updated_at = ma.fields.AwareDateTime(dump_only=True, required=True)
