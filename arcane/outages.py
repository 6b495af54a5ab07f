"""Database outages: requests that need the database fail fast (503) while it is down or hung."""

from flask import Flask, current_app, g, request

from arcane import database
from arcane.errors import DatabaseUnavailable
from arcane.settings import SETTINGS_EXTENSION

# Everything under /api needs the database (the token holder is looked up in it), and so does
# /ready; /health and the documentation never touch it.
API_PREFIX = "/api/"
READY_ENDPOINT = "health.Ready"


def init_app(app: Flask) -> None:
    """Put the breaker (database.Breaker) in front of every request that needs the database."""
    app.extensions[database.BREAKER_EXTENSION] = database.Breaker()
    if app.extensions[SETTINGS_EXTENSION].embedded:
        return  # the embedded database lives in this process: it cannot be down

    @app.before_request
    def fail_fast_during_outages():
        if request.url_rule is None:
            return  # an unknown route or method is a 404 or 405 whatever the database's state
        if not (request.path.startswith(API_PREFIX) or request.endpoint == READY_ENDPOINT):
            return
        if not current_app.extensions[database.BREAKER_EXTENSION].allow():
            raise DatabaseUnavailable()
        g.database_gate = True

    @app.after_request
    def close_after_success(response):
        if g.get("database_gate") and not g.get("database_outage"):
            current_app.extensions[database.BREAKER_EXTENSION].succeeded()
        return response
