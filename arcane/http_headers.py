"""Response headers every client gets: security headers, caching of private data, CORS."""

from flask import Flask, request
from flask_cors import CORS

from arcane.settings import Settings

# JSON responses run no script and embed nothing.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The documentation pages: scripts only from the service itself, never inline or eval'd.
# ReDoc injects its styles (styled-components) and loads a data: icon font; Swagger UI's CSS
# shows data: SVG icons. No worker: ReDoc searches in a blob: worker only where eval is allowed,
# and falls back to the page otherwise. `make check-docs` renders both pages under this policy.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'none'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
EXPOSED_HEADERS = ["Location", "ETag", "X-Pagination", "X-Request-ID", "Retry-After"]
ALLOWED_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key", "X-Request-ID"]
# Blueprints whose answers carry tokens (RFC 6749 section 5.1) or personal data (sign-up, /users/me):
# never stored, whatever the request sent.
PRIVATE_BLUEPRINTS = frozenset({"auth", "users"})


def init_app(app: Flask, settings: Settings) -> None:
    """Add the security headers to every response, and CORS for the configured origins only."""
    if settings.cors_origins:
        CORS(
            app,
            origins=list(settings.cors_origins),
            expose_headers=EXPOSED_HEADERS,
            allow_headers=ALLOWED_HEADERS,
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            max_age=600,
        )
    strict_transport = settings.env == "production"

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Content-Security-Policy"] = DOCS_POLICY if request.path.startswith("/docs/") else API_POLICY
        if request.blueprint in PRIVATE_BLUEPRINTS or "Authorization" in request.headers:
            # Tokens and personal data must not linger in shared caches or the browser's.
            headers["Cache-Control"] = "no-store"
        if strict_transport:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response
