"""Sign-in and token schemas."""

import marshmallow as ma

from arcane.schemas.fields import NamedEnum
from arcane.smorest import Schema


class TokenRequestSchema(Schema):
    """Credentials exchanged for tokens."""

    email = ma.fields.String(
        required=True, validate=ma.validate.Length(max=254), metadata={"example": "camille@example.com"}
    )
    password = ma.fields.String(
        required=True,
        load_only=True,
        validate=ma.validate.Length(max=128),
        metadata={"example": "correct horse battery"},
    )


class AccessTokenSchema(Schema):
    """A fresh access token."""

    access_token = ma.fields.String(required=True, dump_only=True)
    token_type = NamedEnum(
        "TokenType",
        ["Bearer"],
        description="How to present the token: in an `Authorization: Bearer <token>` header.",
        required=True,
        dump_only=True,
    )
    expires_in = ma.fields.Integer(
        required=True, dump_only=True, metadata={"description": "Seconds until the access token expires."}
    )


class TokenPairSchema(AccessTokenSchema):
    """An access token and the refresh token that renews it."""

    refresh_token = ma.fields.String(required=True, dump_only=True)
