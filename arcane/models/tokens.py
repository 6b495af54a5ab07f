"""Revoked tokens, kept until they would have expired anyway."""

import mongoengine as me


class RevokedToken(me.Document):
    """The id (``jti``) of a JWT that must no longer be accepted."""

    meta = {
        "collection": "revoked_tokens",
        "indexes": [
            {"fields": ["jti"], "unique": True},
            # MongoDB deletes each entry once its token has expired: the list stays small.
            {"fields": ["expires_at"], "expireAfterSeconds": 0},
        ],
    }

    jti = me.StringField(required=True)
    expires_at = me.DateTimeField(required=True)
