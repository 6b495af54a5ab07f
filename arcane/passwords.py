"""Password hashing with argon2, through passlib's CryptContext."""

import functools

from passlib.context import CryptContext

_context = CryptContext(schemes=["argon2"], argon2__memory_cost=19456, argon2__time_cost=2, argon2__parallelism=1)


def configure(*, memory_kib: int, time_cost: int) -> None:
    """Set the argon2 cost (memory in KiB, passes) used for new hashes."""
    _context.update(argon2__memory_cost=memory_kib, argon2__time_cost=time_cost)
    _decoy_hash.cache_clear()


@functools.cache
def _decoy_hash() -> str:
    # Verified against when the account does not exist, so that an unknown email costs as
    # much time as a wrong password and timing tells nothing about which accounts exist.
    return _context.hash("decoy password, never valid")


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return _context.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password; with no hash, spend the same time and answer False."""
    if password_hash is None:
        _context.verify(password, _decoy_hash())
        return False
    return _context.verify(password, password_hash)
