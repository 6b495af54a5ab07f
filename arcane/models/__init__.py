"""MongoDB documents, declared with mongoengine."""

from arcane.models.changes import ChangeLogEntry, ChangeSequence
from arcane.models.idempotency import IdempotencyRecord
from arcane.models.properties import Property, Room
from arcane.models.property_types import PropertyType
from arcane.models.tokens import RevokedToken
from arcane.models.users import User

DOCUMENTS = (User, RevokedToken, PropertyType, Property, IdempotencyRecord, ChangeLogEntry, ChangeSequence)

__all__ = [
    "DOCUMENTS",
    "ChangeLogEntry",
    "ChangeSequence",
    "IdempotencyRecord",
    "Property",
    "PropertyType",
    "RevokedToken",
    "Room",
    "User",
]
