"""User accounts."""

import mongoengine as me

from arcane.models.common import utcnow

ROLES = ("user", "admin")


class User(me.Document):
    """A person who can sign in; ``email`` is stored normalised, ``email_key`` compares mailboxes."""

    meta = {
        "collection": "users",
        "indexes": [
            {"fields": ["email"], "unique": True},
            # Sparse: accounts from before the key existed have none until migrate-emails runs.
            {"fields": ["email_key"], "unique": True, "sparse": True},
        ],
    }

    email = me.StringField(required=True, max_length=254)
    # One value per mailbox, whatever its spelling (arcane.emails): what uniqueness and sign-in compare.
    email_key = me.StringField(max_length=254)
    password_hash = me.StringField(required=True)
    first_name = me.StringField(required=True, max_length=100)
    last_name = me.StringField(required=True, max_length=100)
    birth_date = me.DateField(required=True)
    role = me.StringField(required=True, choices=ROLES, default="user")
    # Bumped whenever every token issued so far must stop working (password change).
    token_version = me.IntField(required=True, default=0)
    created_at = me.DateTimeField(required=True, default=utcnow)
    updated_at = me.DateTimeField(required=True, default=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"
