"""Email addresses: one normal form to store, and one comparison key per mailbox.

email-validator checks the syntax a registrable mailbox has (no quoted local part, no domain
literal, no invisible or unsafe characters such as a soft hyphen or a zero-width space) and
normalises the domain through IDNA (full-width letters map to ASCII ones). The comparison key
then folds what still differs between two spellings of one mailbox: Unicode compatibility forms
(NFKC: full-width, ligatures, circled letters) and case, on both sides of the @.
"""

import dataclasses
import unicodedata

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    """An address no registrable mailbox has; the message says why."""


@dataclasses.dataclass(frozen=True)
class Email:
    address: str  # what is stored and shown: email-validator's normal form, in lower case
    key: str  # what two addresses of one mailbox have in common: unique among accounts


def normalise(raw: str) -> Email:
    """The stored form and comparison key of an address, or InvalidEmail."""
    try:
        checked = validate_email(
            raw.strip(),
            check_deliverability=False,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            allow_empty_local=False,
        )
    except EmailNotValidError as error:
        raise InvalidEmail(str(error)) from None
    except UnicodeError:
        raise InvalidEmail("The email address is not valid Unicode.") from None
    local_part = _fold(checked.local_part)
    return Email(
        address=checked.normalized.lower(), key=f"{local_part}@{_fold(checked.ascii_domain or checked.domain)}"
    )


def comparison_key(raw: str) -> str:
    """The comparison key of any string given as an email, valid or not (sign-in, limits, migration)."""
    try:
        return normalise(raw).key
    except InvalidEmail:
        return _fold(raw.strip())


def _fold(text: str) -> str:
    # Casefolding can undo a normal form: normalise again after it.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
