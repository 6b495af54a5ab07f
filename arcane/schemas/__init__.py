"""Request and response schemas (marshmallow). Schemas never touch the database."""
