"""Arcane: a REST microservice for real-estate listings."""

import datetime as dt
import logging

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from arcane import (
    bodies,
    cli,
    database,
    demo,
    docs,
    http_headers,
    metrics,
    observability,
    outages,
    passwords,
    rate_limits,
    security,
)
from arcane.http_errors import register_error_handlers
from arcane.models import DOCUMENTS
from arcane.services import changes, property_types, users
from arcane.settings import SETTINGS_EXTENSION, Settings
from arcane.smorest import Api, ObjectIdConverter, object_id_parameter_schema

API_VERSION = "1.0.0"
MAX_BODY_BYTES = 1024 * 1024
logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the application for the given settings (read from the environment by default)."""
    settings = settings or Settings.from_env()
    observability.configure_logging(settings.log_level)

    app = Flask(__name__)
    app.config.update(_flask_config(settings))
    app.extensions[SETTINGS_EXTENSION] = settings
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.url_map.converters["objectid"] = ObjectIdConverter

    passwords.configure(memory_kib=settings.password_hash_memory_kib, time_cost=settings.password_hash_time_cost)
    database.connect(settings)
    prepare_database(settings)

    api = Api(app)
    register_error_handlers(app, api.handle_http_exception)
    security.init_app(app, api.handle_http_exception)
    rate_limits.init_app(app, settings)
    api.register_converter(ObjectIdConverter, object_id_parameter_schema)
    from arcane.api import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    docs.init_app(app)
    observability.init_app(app)
    metrics.init_app(app)
    bodies.init_app(app)
    outages.init_app(app)
    http_headers.init_app(app, settings)
    cli.init_app(app)
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    if settings.embedded:
        app.wsgi_app = database.OneRequestAtATime(app.wsgi_app)
    # Outermost: the body is read before the embedded database's lock is taken.
    app.wsgi_app = bodies.BufferedBody(app.wsgi_app, max_bytes=MAX_BODY_BYTES, seconds=settings.body_read_seconds)
    return app


def prepare_database(settings: Settings) -> None:
    """Ready the connected database for the app: indexes, default types, demo data, migrations."""
    if settings.embedded:
        logger.warning(
            "Using the embedded database (mongomock): data lives only as long as this process. "
            "Set MONGODB_URI to use a real MongoDB."
        )
    try:
        database.ensure_indexes(DOCUMENTS)
        property_types.ensure_default_types()
        if settings.seed_demo_data:
            counts = demo.seed()
            logger.info(
                "Demo data loaded: %(users)s users, %(administrators)s administrator, %(properties)s properties "
                "(see the README).",
                counts,
            )
        # Idempotent: once every account has its key, one server-side scan of the users finds none.
        migrated = users.migrate_email_keys()
        if migrated["migrated"] or migrated["conflicts"]:
            logger.info("Email keys given to %(migrated)s accounts (%(conflicts)s conflicts).", migrated)
        # Idempotent: once the old feed is moved into the log, one query finds it empty.
        if moved := changes.migrate_old_feed():
            logger.info("Change feed: %s entries moved into the log.", moved)
        changes.raise_mark_to_log_end()
    except database.OUTAGES:
        # Start anyway: /ready reports the outage, and mongoengine creates the indexes on first use.
        logger.warning("database unreachable at start-up; indexes will be created on first use")


def _flask_config(settings: Settings) -> dict:
    return {
        "DEBUG": settings.debug,
        "PROPAGATE_EXCEPTIONS": False,
        "MAX_CONTENT_LENGTH": MAX_BODY_BYTES,
        "JWT_SECRET_KEY": settings.jwt_secret_key,
        "JWT_ALGORITHM": "HS256",
        "JWT_DECODE_ALGORITHMS": ["HS256"],
        "JWT_TOKEN_LOCATION": ["headers"],
        "JWT_ACCESS_TOKEN_EXPIRES": dt.timedelta(minutes=settings.access_token_minutes),
        "JWT_REFRESH_TOKEN_EXPIRES": dt.timedelta(days=settings.refresh_token_days),
        "API_TITLE": "Arcane",
        "API_VERSION": API_VERSION,
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/docs",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": (
                    "Real-estate listings: people sign up, publish properties with their rooms, "
                    "and anyone browses the listings, in particular those of one city."
                ),
                "license": {"name": "MIT", "url": "https://opensource.org/licenses/MIT"},
                "contact": {"name": "Arcane maintainers"},
            },
            # Relative to the document: "Try it out" calls the server that serves the docs, wherever it runs.
            "servers": [{"url": "/", "description": "The server of this document"}],
        },
    }
