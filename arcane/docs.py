"""Swagger UI and ReDoc pages, served with their assets from pinned packages (no CDN)."""

import functools
import importlib.resources

from flask import Blueprint, Flask, current_app, redirect, render_template, request, send_from_directory, url_for

ASSET_MAX_AGE = 86400
SWAGGER_UI_ASSETS = importlib.resources.files("flask_openapi_swagger") / "templates" / "swagger"
REDOC_ASSETS = importlib.resources.files("flask_openapi_redoc") / "templates" / "redoc"
REDOC_BUNDLE = "js/redoc.standalone.js"
# ReDoc 3 fetches its "API docs by Redocly" logo from Redocly's CDN; the docs make no outside request.
REDOC_CDN_LOGOS = ("https://cdn.redoc.ly/redoc/logo-mini-full.svg", "https://cdn.redoc.ly/redoc/logo-mini.svg")
REDOC_LOCAL_LOGO = "images/redoc.svg"

blp = Blueprint(
    "docs",
    __name__,
    url_prefix="/docs",
    static_folder="static/docs",
    static_url_path="/assets/arcane",
)

# The root of the service and /docs, the addresses people type, lead to the interactive documentation.
home = Blueprint("home", __name__)


def init_app(app: Flask) -> None:
    """Serve the documentation pages, and redirect / and /docs to the Swagger UI."""
    app.register_blueprint(blp)
    app.register_blueprint(home)


@home.get("/")
@blp.get("")
@blp.get("/")
def to_swagger_ui():
    """Redirect to the Swagger UI."""
    return redirect(url_for("docs.swagger_ui"))


@blp.get("/swagger")
def swagger_ui():
    """Interactive API documentation (Swagger UI)."""
    return render_template("docs/swagger.html", spec_url=url_for("api-docs.openapi_json"))


@blp.get("/redoc")
def redoc():
    """Reference API documentation (ReDoc)."""
    return render_template("docs/redoc.html", spec_url=url_for("api-docs.openapi_json"))


@blp.get("/assets/swagger-ui/<path:filename>")
def swagger_ui_asset(filename):
    return send_from_directory(SWAGGER_UI_ASSETS, filename, max_age=ASSET_MAX_AGE)


@blp.get("/assets/redoc/<path:filename>")
def redoc_asset(filename):
    if filename == REDOC_BUNDLE:
        return _offline_redoc_bundle()
    return send_from_directory(REDOC_ASSETS, filename, max_age=ASSET_MAX_AGE)


def _offline_redoc_bundle():
    """ReDoc's bundle with its CDN logo replaced by the one it ships, with the caching of the other assets."""
    body = _redoc_bundle_with_logo(url_for("docs.redoc_asset", filename=REDOC_LOCAL_LOGO))
    response = current_app.response_class(body, mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = ASSET_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)


@functools.cache
def _redoc_bundle_with_logo(logo_url: str) -> bytes:
    source = (REDOC_ASSETS / REDOC_BUNDLE).read_text(encoding="utf-8")
    for cdn_logo in REDOC_CDN_LOGOS:
        source = source.replace(cdn_logo, logo_url)
    return source.encode()
