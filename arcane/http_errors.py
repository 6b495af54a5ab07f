"""The one table that maps the domain errors, and the database's own failures, to HTTP.

``ERROR_TABLE`` alone gives each of them its status, message and field errors, which the Api's
single handler renders as ``{"code", "status", "message", "errors"}``. Kept apart from
``arcane.errors`` so that the services, which raise those, never import Flask.
"""

import logging

import mongoengine
import pymongo.errors
from flask import current_app, g
from limits.errors import StorageError
from werkzeug.exceptions import HTTPException, default_exceptions

from arcane.database import BREAKER_EXTENSION, OUTAGES
from arcane.errors import (
    ArcaneError,
    Conflict,
    DatabaseUnavailable,
    Forbidden,
    Invalid,
    NotFound,
    PreconditionFailed,
    TooManyRequests,
    Unauthorized,
)

logger = logging.getLogger(__name__)


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
    return DatabaseUnavailable.default_message, None, {"Retry-After": "5"}


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
