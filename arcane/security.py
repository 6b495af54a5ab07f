"""JWT wiring: token issue, identity and user lookup, revocation, and 401s in the one error shape."""

import datetime as dt
import uuid

from flask import current_app
from flask_jwt_extended import JWTManager, create_access_token, create_refresh_token, get_jwt

from arcane.http_errors import http_exception
from arcane.models import User
from arcane.services import tokens, users

TOKEN_VERSION_CLAIM = "ver"  # noqa: S105 (a claim name, not a secret)
# The sign-in a token belongs to: its access and refresh tokens, and the access tokens refreshed from it.
SESSION_CLAIM = "sid"
jwt = JWTManager()


def init_app(app, render_error) -> None:
    """Attach flask-jwt-extended to the app, with every failure rendered as a JSON 401."""
    jwt.init_app(app)

    def unauthorized(message, *, token_at_fault=True):
        # Loaders must return a response: aborting from one would give a 500.
        challenge = f'Bearer error="invalid_token", error_description="{message}"' if token_at_fault else "Bearer"
        error = http_exception(401, message, headers={"WWW-Authenticate": challenge})
        return current_app.make_response(render_error(error))

    # RFC 6750 §3.1: a request with no token gets the bare challenge, a bad token invalid_token.
    jwt.unauthorized_loader(
        lambda reason: unauthorized("Missing bearer token in the Authorization header.", token_at_fault=False)
    )
    jwt.invalid_token_loader(lambda reason: unauthorized("Invalid token."))
    jwt.expired_token_loader(lambda header, payload: unauthorized("The token has expired."))
    jwt.revoked_token_loader(lambda header, payload: unauthorized("The token has been revoked."))
    jwt.user_lookup_error_loader(lambda header, payload: unauthorized("The token no longer grants access."))
    jwt.needs_fresh_token_loader(lambda header, payload: unauthorized("A fresh token is required."))
    jwt.token_verification_failed_loader(lambda header, payload: unauthorized("Invalid token."))

    @jwt.token_verification_loader
    def token_expires(header, payload) -> bool:
        # Every token this service issues expires: one without "exp" was not made here.
        return "exp" in payload

    @jwt.token_in_blocklist_loader
    def token_revoked(header, payload) -> bool:
        return tokens.is_token_revoked(payload["jti"], payload.get(SESSION_CLAIM))

    @jwt.user_lookup_loader
    def load_token_holder(header, payload) -> User | None:
        return users.get_token_holder(payload["sub"], payload.get(TOKEN_VERSION_CLAIM))


def issue_access_token(user: User, session_id: str) -> dict:
    """A new access token for the user in this session, with its lifetime."""
    claims = {TOKEN_VERSION_CLAIM: user.token_version, SESSION_CLAIM: session_id}
    lifetime = current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]
    return {
        "access_token": create_access_token(identity=str(user.id), additional_claims=claims),
        "token_type": "Bearer",
        "expires_in": int(lifetime.total_seconds()),
    }


def issue_token_pair(user: User) -> dict:
    """Access and refresh tokens of a new session, for a user who just proved who they are."""
    session_id = uuid.uuid4().hex
    claims = {TOKEN_VERSION_CLAIM: user.token_version, SESSION_CLAIM: session_id}
    return {
        **issue_access_token(user, session_id),
        "refresh_token": create_refresh_token(identity=str(user.id), additional_claims=claims),
    }


def refresh_access_token(user: User) -> dict:
    """A new access token in the session of the refresh token that authenticated this request."""
    # A refresh token issued before sessions existed starts one.
    return issue_access_token(user, get_jwt().get(SESSION_CLAIM) or uuid.uuid4().hex)


def end_current_session() -> None:
    """Revoke the token that authenticated this request, and every other token of its session."""
    payload = get_jwt()
    tokens.revoke_token(payload["jti"], dt.datetime.fromtimestamp(payload["exp"], dt.UTC))
    if SESSION_CLAIM in payload:
        # No token of the session outlives its refresh token, issued with the session's first tokens.
        lifetime = current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
        tokens.revoke_session(payload[SESSION_CLAIM], dt.datetime.fromtimestamp(payload["iat"], dt.UTC) + lifetime)
