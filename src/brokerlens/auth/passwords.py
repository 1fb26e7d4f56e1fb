"""Password hashes: argon2id through argon2-cffi, with its current recommended parameters."""

from __future__ import annotations

import functools
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile


@functools.cache
def _dummy_hash() -> str:
    """A hash of a random password, verified against when the username is unknown so that an
    unknown user takes as long to refuse as a wrong password. Made at first use, not at import:
    an argon2 hash costs ~0.2 s, which every command would pay at start-up."""
    return _hasher.hash(secrets.token_urlsafe(16))


# No look-alikes (0/O, 1/l/I) in generated passwords: they are read off a screen and typed.
_LOWER = "abcdefghijkmnopqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_SYMBOLS = "-_.!@#%+="


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; False on a mismatch or an unreadable hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters (rehashed at the next sign-in)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def burn_verification(password: str) -> None:
    """Spend the time of one verification (for unknown usernames)."""
    verify_password(_dummy_hash(), password)


def generate_password(length: int = 16) -> str:
    """A random password holding all four kinds of character (meets the policy for any user)."""
    pools = (_LOWER, _UPPER, _DIGITS, _SYMBOLS)
    chars = [secrets.choice(pool) for pool in pools]
    everything = _LOWER + _UPPER + _DIGITS + _SYMBOLS
    chars += [secrets.choice(everything) for _ in range(length - len(chars))]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


__all__ = [
    "burn_verification",
    "generate_password",
    "hash_password",
    "needs_rehash",
    "verify_password",
]
