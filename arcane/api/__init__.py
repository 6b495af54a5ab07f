"""HTTP layer: one thin Blueprint per resource."""

from arcane.api import auth, cities, health, properties, property_types, rooms, users

BLUEPRINTS = (health.blp, auth.blp, users.blp, property_types.blp, properties.blp, rooms.blp, cities.blp)
