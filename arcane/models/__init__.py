"""MongoDB documents, declared with mongoengine."""

from arcane.models.property_types import PropertyType
from arcane.models.tokens import RevokedToken
from arcane.models.users import User

DOCUMENTS = (User, RevokedToken, PropertyType)

__all__ = ["DOCUMENTS", "PropertyType", "RevokedToken", "User"]
