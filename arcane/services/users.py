"""Accounts: sign-up, sign-in, profile, password, removal."""

import datetime as dt
import logging

from bson import ObjectId
from bson.errors import InvalidId
from mongoengine import NotUniqueError

from arcane import emails, passwords
from arcane.errors import Conflict, Invalid, NotFound, Unauthorized
from arcane.models import User
from arcane.models.common import utcnow
from arcane.services import properties

PROFILE_FIELDS = ("first_name", "last_name", "birth_date")
BAD_CREDENTIALS = "Invalid email or password."
EMAIL_TAKEN = "An account with this email already exists."
logger = logging.getLogger(__name__)


def create_user(
    *, email: str, password: str, first_name: str, last_name: str, birth_date: dt.date, role: str = "user"
) -> User:
    """Create an account; an email already in use, in any spelling of the same mailbox, is a conflict."""
    try:
        normalised = emails.normalise(email)
    except emails.InvalidEmail as error:
        raise Invalid(errors={"email": [str(error)]}) from None
    user = User(
        email=normalised.address,
        email_key=normalised.key,
        password_hash=passwords.hash_password(password),
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        role=role,
    )
    try:
        return user.save(force_insert=True)
    except NotUniqueError:
        raise Conflict(EMAIL_TAKEN) from None


def authenticate(email: str, password: str) -> User:
    """The account with these credentials; the same error whether the email or the password is wrong."""
    user = _find_by_email(email)
    if not passwords.verify_password(password, user.password_hash if user else None):
        raise Unauthorized(BAD_CREDENTIALS)
    return user


def _find_by_email(email: str) -> User | None:
    user = User.objects(email_key=emails.comparison_key(email)).first()
    if user is None:
        # An account without a key yet (written before the keys existed, by an instance of the
        # previous version during a rolling deploy, or by a tool) still signs in by its address.
        user = User.objects(email=email.strip().lower(), email_key=None).first()
    return user


def get_user(user_id) -> User:
    """The account with this id, or NotFound."""
    try:
        object_id = ObjectId(user_id)
    except (InvalidId, TypeError):
        raise NotFound("User not found.") from None
    # Every authenticated request starts here: iterated rather than first(), which copies the
    # queryset three more times.
    user = next(iter(User.objects(id=object_id)), None)
    if user is None:
        raise NotFound("User not found.")
    return user


def get_token_holder(user_id: str, token_version: int | None) -> User | None:
    """The account a token speaks for, or None when it is gone or the token predates a password change."""
    try:
        user = get_user(user_id)
    except NotFound:
        return None
    return user if user.token_version == token_version else None


def update_profile(user: User, changes: dict) -> User:
    """Change personal details; only the profile fields can be written."""
    updates = {f"set__{field}": changes[field] for field in PROFILE_FIELDS if field in changes}
    if updates:
        User.objects(id=user.id).update_one(**updates, set__updated_at=utcnow())
        user.reload()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Replace the password and invalidate every token issued so far."""
    if not passwords.verify_password(current_password, user.password_hash):
        raise Invalid(errors={"current_password": ["Wrong password."]})
    User.objects(id=user.id).update_one(
        set__password_hash=passwords.hash_password(new_password),
        inc__token_version=1,
        set__updated_at=utcnow(),
    )


def delete_user(user: User) -> None:
    """Remove an account and its listings; its tokens stop working because their holder is gone."""
    # The listings first, each deletion recorded in the change feed; then the account; then a
    # listing that a racing POST /properties created meanwhile, which would outlive its owner.
    properties.delete_properties_of(user.id)
    user.delete()
    properties.delete_properties_of(user.id)


def ensure_admin(*, email: str, password: str, first_name: str, last_name: str, birth_date: dt.date) -> User:
    """Create an administrator, or promote (and re-password) an existing account."""
    user = _find_by_email(email)
    if user is None:
        return create_user(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            birth_date=birth_date,
            role="admin",
        )
    User.objects(id=user.id).update_one(
        set__role="admin",
        set__password_hash=passwords.hash_password(password),
        inc__token_version=1,
        set__updated_at=utcnow(),
    )
    return user.reload()


def migrate_email_keys() -> dict:
    """Give every account without one its email comparison key (idempotent, safe at start-up).

    Two accounts whose addresses are spellings of one mailbox (registered before keys existed)
    cannot share the key: the older keeps it, the other is left without and reported.
    """
    counts = {"migrated": 0, "conflicts": 0}
    for document in User._get_collection().find({"email_key": {"$exists": False}}, {"email": 1}).sort("_id", 1):
        try:
            User.objects(id=document["_id"]).update_one(set__email_key=emails.comparison_key(document["email"]))
        except NotUniqueError:
            counts["conflicts"] += 1
            logger.warning(
                "account %s shares its mailbox with an older account: left without an email key", document["_id"]
            )
        else:
            counts["migrated"] += 1
    return counts
