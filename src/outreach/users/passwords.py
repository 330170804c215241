"""Password hashing with argon2id (argon2-cffi's defaults: RFC 9106 low-memory profile,
64 MiB, 3 passes, 4 lanes).

argon2-cffi is imported on first use so ``outreach --help`` stays fast. The test
suite sets ``OUTREACH_PASSWORD_PROFILE=cheapest`` (argon2-cffi's profile meant
for tests) so hundreds of sign-ins stay fast on a busy machine; a hash made that
way is still argon2id and is upgraded at the next sign-in of a server running
the default profile (``needs_rehash``).
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

from ..errors import UserError
from ..i18n import _

MIN_LENGTH = 10
# Each hash or check takes 64 MiB for a moment: at most two at once, so a burst of
# sign-in attempts queues instead of exhausting the server's memory.
_AT_ONCE = threading.BoundedSemaphore(2)
MAX_LENGTH = 1024


def make_hasher(profile: str = ""):
    """argon2id with the RFC 9106 low-memory profile, or ``cheapest`` for tests only."""
    from argon2 import PasswordHasher, profiles

    if profile == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


@lru_cache(maxsize=1)
def _hasher():
    return make_hasher(os.environ.get("OUTREACH_PASSWORD_PROFILE", "").strip().lower())


def check_strength(password: str, *, name: str = "") -> None:
    """Refuse passwords a guessing attack finds first (length, the name itself)."""
    if len(password) < MIN_LENGTH:
        raise UserError(_("the password must have at least {n} characters", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        raise UserError(_("the password is too long (at most {n} characters)", n=MAX_LENGTH))
    if name and password.strip().lower() == name.lower():
        raise UserError(_("the password must not be the user name"))


def hash_password(password: str) -> str:
    with _AT_ONCE:
        return _hasher().hash(password)


def verify(stored: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong or malformed hash."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        with _AT_ONCE:
            return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher().check_needs_rehash(stored)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when the name is unknown, so timing does not tell."""
    return hash_password("not a password: equalises sign-in timing")
