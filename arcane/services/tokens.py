"""The list of revoked tokens."""

import contextlib
import datetime as dt

from mongoengine import NotUniqueError

from arcane.models import RevokedToken


def revoke_token(jti: str, expires_at: dt.datetime) -> None:
    """Refuse the token with this id from now on (revoking twice is harmless)."""
    with contextlib.suppress(NotUniqueError):
        RevokedToken(jti=jti, expires_at=expires_at).save()


def is_token_revoked(jti: str) -> bool:
    """True when the token with this id was revoked."""
    # Checked on every authenticated request: a count on the unique jti index (0 or 1) is the
    # cheapest query mongoengine can make, no document built.
    return RevokedToken.objects(jti=jti).count() > 0
