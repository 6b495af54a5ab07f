"""HTTP layer: one thin Blueprint per resource."""

from arcane.api import auth, health, users

BLUEPRINTS = (health.blp, auth.blp, users.blp)
