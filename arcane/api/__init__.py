"""HTTP layer: one thin Blueprint per resource."""

from arcane.api import auth, health, property_types, users

BLUEPRINTS = (health.blp, auth.blp, users.blp, property_types.blp)
