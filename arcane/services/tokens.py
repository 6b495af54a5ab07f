"""The list of revoked tokens."""

import contextlib
import datetime as dt

from mongoengine import NotUniqueError

from arcane.models import RevokedToken


def revoke_token(jti: str, expires_at: dt.datetime) -> None:
    """Refuse the token with this id from now on (revoking twice is harmless)."""
    with contextlib.suppress(NotUniqueError):
        RevokedToken(jti=jti, expires_at=expires_at).save()


def revoke_session(session_id: str, expires_at: dt.datetime) -> None:
    """Refuse every token of this session from now on: its access and refresh tokens."""
    revoke_token(_session_entry(session_id), expires_at)


def is_token_revoked(jti: str, session_id: str | None = None) -> bool:
    """True when the token with this id, or its session, was revoked."""
    revoked = [jti] if session_id is None else [jti, _session_entry(session_id)]
    # Checked on every authenticated request: a count on the unique jti index (0, 1 or 2) is the
    # cheapest query mongoengine can make, no document built.
    return RevokedToken.objects(jti__in=revoked).count() > 0


def _session_entry(session_id: str) -> str:
    # Sessions share the list with tokens, under a prefix no token id (a UUID) can have.
    return f"session:{session_id}"
