"""MongoDB documents, declared with mongoengine."""

from arcane.models.tokens import RevokedToken
from arcane.models.users import User

DOCUMENTS = (User, RevokedToken)

__all__ = ["DOCUMENTS", "RevokedToken", "User"]
