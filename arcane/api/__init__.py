"""HTTP layer: one thin Blueprint per resource."""

from arcane.api import health

BLUEPRINTS = (health.blp,)
