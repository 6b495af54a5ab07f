"""Swagger UI and ReDoc pages, served with their assets from pinned packages (no CDN)."""

import importlib.resources

from flask import Blueprint, render_template, send_from_directory, url_for

ASSET_MAX_AGE = 86400
SWAGGER_UI_ASSETS = importlib.resources.files("flask_openapi_swagger") / "templates" / "swagger"
REDOC_ASSETS = importlib.resources.files("flask_openapi_redoc") / "templates" / "redoc"

blp = Blueprint(
    "docs",
    __name__,
    url_prefix="/docs",
    static_folder="static/docs",
    static_url_path="/assets/arcane",
)


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
    return send_from_directory(REDOC_ASSETS, filename, max_age=ASSET_MAX_AGE)
