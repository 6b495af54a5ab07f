"""Fixtures of the service tests: they call the services directly, on the app's database."""

import datetime as dt

import pytest

from arcane.services import property_types, users


@pytest.fixture
def owner(app):
    """An account that owns what a test publishes, with the default property types in place."""
    property_types.ensure_default_types()
    return users.create_user(
        email="owner@example.com",
        password="correct horse battery",
        first_name="Camille",
        last_name="Martin",
        birth_date=dt.date(1990, 5, 17),
    )
