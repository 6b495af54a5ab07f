"""Domain errors, and their mapping to the one JSON error shape.

Services raise the domain errors below; they know nothing of HTTP. The mapping turns
them, and the database's own failures, into HTTP exceptions that the Api's single
handler renders as ``{"code", "status", "message", "errors"}``.
"""

import logging

import mongoengine
import pymongo.errors
from werkzeug.exceptions import HTTPException, default_exceptions

from arcane.database import OUTAGES

logger = logging.getLogger(__name__)


class ArcaneError(Exception):
    """Base class of the errors services raise."""

    status_code = 500
    default_message = "The request failed."

    def __init__(self, message: str | None = None, *, errors: dict | None = None, headers=None):
        self.message = message or self.default_message
        self.errors = errors
        self.headers = headers or {}
        super().__init__(self.message)


class NotFound(ArcaneError):
    status_code = 404
    default_message = "Resource not found."


class Unauthorized(ArcaneError):
    status_code = 401
    default_message = "Authentication required."


class Forbidden(ArcaneError):
    status_code = 403
    default_message = "You are not allowed to do this."


class Conflict(ArcaneError):
    status_code = 409
    default_message = "The request conflicts with the current state of the resource."


class PreconditionFailed(ArcaneError):
    status_code = 412
    default_message = "The resource has changed since you read it: read it again for its new ETag."


class Invalid(ArcaneError):
    """Input that is well-formed but breaks a rule; ``errors`` maps fields to messages."""

    status_code = 422
    default_message = "The request is not valid."


class DatabaseUnavailable(ArcaneError):
    status_code = 503
    default_message = "The database is unavailable. Try again shortly."


def http_exception(status_code: int, message: str, *, errors=None, headers=None) -> HTTPException:
    """Build the werkzeug exception that the Api's error handler renders."""
    error = default_exceptions[status_code](description=message)
    error.data = {"message": message, "headers": headers or {}}
    if errors:
        error.data["errors"] = errors
    return error


def _from_domain(error: ArcaneError) -> HTTPException:
    return http_exception(error.status_code, error.message, errors=error.errors, headers=error.headers)


def _from_database_outage(error: Exception) -> HTTPException:
    logger.error("database unavailable: %s", type(error).__name__)
    return http_exception(503, DatabaseUnavailable.default_message, headers={"Retry-After": "5"})


def _from_not_unique(error: Exception) -> HTTPException:
    return http_exception(409, Conflict.default_message)


def _from_document_invalid(error: mongoengine.ValidationError) -> HTTPException:
    errors = {field: str(message) for field, message in (error.to_dict() or {}).items()}
    return http_exception(422, Invalid.default_message, errors=errors or None)


def register_error_handlers(app, render) -> None:
    """Route every domain and database error to ``render`` (the Api's HTTP error handler)."""
    mappings = [
        (ArcaneError, _from_domain),
        (mongoengine.NotUniqueError, _from_not_unique),
        (pymongo.errors.DuplicateKeyError, _from_not_unique),
        (mongoengine.ValidationError, _from_document_invalid),
        (OUTAGES, _from_database_outage),
    ]
    for exception_types, convert in mappings:
        types = exception_types if isinstance(exception_types, tuple) else (exception_types,)
        for exception_type in types:
            app.register_error_handler(exception_type, _chain(convert, render))


def _chain(convert, render):
    def handle(error):
        return render(convert(error))

    return handle
