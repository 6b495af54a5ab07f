"""Domain errors, and the one table that maps them to HTTP.

Services raise the domain errors below; they know nothing of HTTP. ``ERROR_TABLE`` alone gives
each of them, and each of the database's own failures, its status, message and field errors,
which the Api's single handler renders as ``{"code", "status", "message", "errors"}``.
"""

import logging

import mongoengine
import pymongo.errors
from flask import current_app, g
from limits.errors import StorageError
from werkzeug.exceptions import HTTPException, default_exceptions

from arcane.database import BREAKER_EXTENSION, OUTAGES

logger = logging.getLogger(__name__)
DATABASE_UNAVAILABLE = "The database is unavailable. Try again shortly."


class ArcaneError(Exception):
    """Base class of the errors services raise: a message for a human, and messages per field."""

    default_message = "The request failed."

    def __init__(self, message: str | None = None, *, errors: dict | None = None):
        self.message = message or self.default_message
        self.errors = errors
        super().__init__(self.message)


class NotFound(ArcaneError):
    default_message = "Resource not found."


class Unauthorized(ArcaneError):
    default_message = "Authentication required."


class Forbidden(ArcaneError):
    default_message = "You are not allowed to do this."


class Conflict(ArcaneError):
    default_message = "The request conflicts with the current state of the resource."


class PreconditionFailed(ArcaneError):
    default_message = "The resource has changed since you read it: read it again for its new ETag."


class Invalid(ArcaneError):
    """Input that is well-formed but breaks a rule; ``errors`` maps fields to messages."""

    default_message = "The request is not valid."


class TooManyRequests(ArcaneError):
    """A limit is spent; ``retry_after`` says in how many seconds to try again."""

    default_message = "Too many requests: try again later."

    def __init__(self, message: str | None = None, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseUnavailable(ArcaneError):
    """The database is down or hung: the request is refused without waiting for it."""

    default_message = DATABASE_UNAVAILABLE


def http_exception(status_code: int, message: str, *, errors=None, headers=None) -> HTTPException:
    """Build the werkzeug exception that the Api's error handler renders."""
    error = default_exceptions[status_code](description=message)
    error.data = {"message": message, "headers": headers or {}}
    if errors:
        error.data["errors"] = errors
    return error


def _as_raised(error: ArcaneError):
    return error.message, error.errors, None


def _not_unique(error: Exception):
    return Conflict.default_message, None, None


def _document_invalid(error: mongoengine.ValidationError):
    errors = {field: str(message) for field, message in (error.to_dict() or {}).items()}
    return Invalid.default_message, errors or None, None


def _retry_later(error: TooManyRequests):
    return error.message, None, {"Retry-After": str(error.retry_after)}


def _limits_store_outage(error: StorageError):
    logger.error("rate limit store unavailable: %s", type(error.storage_error).__name__)
    return "The service is unavailable. Try again shortly.", None, {"Retry-After": "5"}


def _unavailable(error: DatabaseUnavailable):
    return error.message, None, {"Retry-After": "5"}


def _database_outage(error: Exception):
    logger.error("database unavailable: %s", type(error).__name__)
    breaker = current_app.extensions.get(BREAKER_EXTENSION)
    if breaker is not None:
        breaker.failed()
        g.database_outage = True
    return DATABASE_UNAVAILABLE, None, {"Retry-After": "5"}


# Error type, HTTP status, and how to describe it: (message, field errors, headers).
ERROR_TABLE = (
    (Unauthorized, 401, _as_raised),
    (Forbidden, 403, _as_raised),
    (NotFound, 404, _as_raised),
    (Conflict, 409, _as_raised),
    (PreconditionFailed, 412, _as_raised),
    (Invalid, 422, _as_raised),
    (TooManyRequests, 429, _retry_later),
    (mongoengine.NotUniqueError, 409, _not_unique),
    (pymongo.errors.DuplicateKeyError, 409, _not_unique),
    (mongoengine.ValidationError, 422, _document_invalid),
    (DatabaseUnavailable, 503, _unavailable),
    *((outage, 503, _database_outage) for outage in OUTAGES),
    (StorageError, 503, _limits_store_outage),
)


def register_error_handlers(app, render) -> None:
    """Render every error of the table with ``render`` (the Api's HTTP error handler)."""
    for error_type, status_code, describe in ERROR_TABLE:
        app.register_error_handler(error_type, _handler(status_code, describe, render))


def _handler(status_code: int, describe, render):
    def handle(error):
        message, errors, headers = describe(error)
        return render(http_exception(status_code, message, errors=errors, headers=headers))

    return handle
