"""Kinds of property (flat, house...), referenced by their slug."""

import mongoengine as me

DEFAULT_PROPERTY_TYPES = (
    ("flat", "Flat", "An apartment in a shared building."),
    ("house", "House", "A detached or semi-detached house."),
    ("studio", "Studio", "A single main room with kitchenette and bathroom."),
    ("loft", "Loft", "A large open-plan space, often a converted industrial building."),
    ("villa", "Villa", "A large house with garden, often with a pool."),
    ("land", "Land", "A plot of land, built on or not."),
    ("commercial", "Commercial", "Premises for a shop, an office or a workshop."),
    ("parking", "Parking", "A parking space or a garage box."),
)


class PropertyType(me.Document):
    """A kind of property; properties store its slug."""

    meta = {
        "collection": "property_types",
        "indexes": [{"fields": ["slug"], "unique": True}],
    }

    slug = me.StringField(required=True, max_length=40)
    label = me.StringField(required=True, max_length=80)
    description = me.StringField(max_length=500, default="")
