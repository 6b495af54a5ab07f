"""Domain errors: what services raise, with a message for a human. Flask-free.

They know nothing of HTTP: ``arcane.http_errors`` alone gives each of them its status.
"""


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

    default_message = "The request is not valid: see errors."


class TooManyRequests(ArcaneError):
    """A limit is spent; ``retry_after`` says in how many seconds to try again."""

    default_message = "Too many requests: try again later."

    def __init__(self, message: str | None = None, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseUnavailable(ArcaneError):
    """The database is down or hung: the request is refused without waiting for it."""

    default_message = "The database is unavailable. Try again shortly."
