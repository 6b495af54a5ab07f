"""Structured logs: one JSON line per request, with a request id; never personal data."""

import json
import logging
import re
import time
import uuid

from flask import Flask, g, request
from flask_jwt_extended import get_jwt_identity

REQUEST_ID_HEADER = "X-Request-ID"
ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
access_log = logging.getLogger("arcane.access")


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; ``extra={"fields": {...}}`` adds fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str) -> None:
    """Send every log record to stderr as JSON."""
    handler = logging.StreamHandler()
    formatter = JsonFormatter()
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # werkzeug's development server (flask run, make run) logs its own line per request, with the
    # raw query string and ANSI colours, at INFO: the app's JSON line is the one kept. Its
    # warnings and errors still get through.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def init_app(app: Flask) -> None:
    """Accept or make a request id, echo it, and log each request once it is answered."""

    @app.before_request
    def start_request():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if ACCEPTABLE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers[REQUEST_ID_HEADER] = request_id
        if not access_log.isEnabledFor(logging.INFO):
            return response
        started = g.get("request_started")
        # The route, not the URL: ids and query strings stay out of the logs.
        path = _path_template()
        access_log.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "fields": {
                    "request_id": request_id,
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2) if started else None,
                    "user_id": _user_id(),
                }
            },
        )
        return response


def _path_template() -> str:
    return request.url_rule.rule if request.url_rule is not None else "<unmatched>"


def _user_id() -> str | None:
    try:
        return get_jwt_identity()
    except RuntimeError:
        # No token was verified for this request.
        return None
