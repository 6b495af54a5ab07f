"""Arcane: a REST microservice for real-estate listings."""
