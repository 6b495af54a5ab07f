"""Abuse limits (Flask-Limiter): sign-in failures per account and per address, listing creation per user.

Limits come from the settings. The storage is in-memory by default (right for the embedded,
single-process mode); with several workers or instances, point RATELIMIT_STORAGE_URI at a
shared store (``redis://...`` or ``mongodb://...``) so that every worker counts together.
"""

import hashlib
import json
import math
import time

from flask import Flask, current_app, request
from flask_jwt_extended import get_jwt_identity
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from arcane.errors import http_exception
from arcane.services.users import normalise_email
from arcane.settings import Settings

# Headers off: Retry-After goes on the 429 only (see init_app), not on every response.
# The sliding-window counter costs O(1) per check in every storage (memory, Redis, MongoDB); a
# moving window keeps and scans one timestamp per hit, which a busy limit makes expensive.
limiter = Limiter(key_func=get_remote_address, headers_enabled=False, strategy="sliding-window-counter")


def init_app(app: Flask, settings: Settings, render_error) -> None:
    """Bind the limiter to the app, with the configured storage; a breach is a 429 with Retry-After."""
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage_uri
    app.config["ARCANE_RATE_LIMITS"] = {
        "login_account": settings.login_account_limit,
        "login_address": settings.login_address_limit,
        "property_creation": settings.property_creation_limit,
    }
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error):
        breached = limiter.current_limit
        wait = math.ceil(breached.reset_at - time.time()) if breached else 60
        return render_error(http_exception(429, error.description, headers={"Retry-After": str(max(1, wait))}))


def _configured(name: str):
    return lambda: current_app.config["ARCANE_RATE_LIMITS"][name]


def _account_key() -> str:
    email = _email_in_body()
    if email is None:
        return f"address:{get_remote_address()}"
    # Hashed: Flask-Limiter logs its keys, and emails never go to the logs. (surrogatepass: the
    # key is computed before validation, so it must survive a lone surrogate.)
    return "account:" + hashlib.sha256(normalise_email(email).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _email_in_body() -> str | None:
    """The email of a sign-in body, or None for any body that is not one (validation comes later)."""
    try:
        body = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):
        return None
    email = body.get("email") if isinstance(body, dict) else None
    return email if isinstance(email, str) else None


def _user_key() -> str:
    return f"user:{get_jwt_identity()}"


def _failed_sign_in(response) -> bool:
    return response.status_code == 401


def _created(response) -> bool:
    return response.status_code == 201


# Only failures count: a user who signs in correctly is never slowed down.
limit_sign_in_failures = limiter.limit(
    _configured("login_account"),
    key_func=_account_key,
    deduct_when=_failed_sign_in,
    error_message="Too many failed sign-in attempts for this account: try again later.",
    scope="login-account",
)
limit_sign_in_failures_per_address = limiter.limit(
    _configured("login_address"),
    deduct_when=_failed_sign_in,
    error_message="Too many failed sign-in attempts from this address: try again later.",
    scope="login-address",
)
limit_property_creation = limiter.limit(
    _configured("property_creation"),
    key_func=_user_key,
    deduct_when=_created,
    error_message="You have published too many properties recently: try again later.",
    scope="property-creation",
)
