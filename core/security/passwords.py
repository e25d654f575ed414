"""Password hashing (Argon2id, OWASP parameters) and the password policy.

Policy: at least ``MIN_LENGTH`` characters and not one of the 30,000 most
common passwords. The list is the "passwords" frequency list that the
``zxcvbn`` package ships (Dropbox's strength estimator, kept on PyPI); we
reuse its data instead of keeping a copy of a list in this repository.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.i18n import gettext as _
from core.security.errors import SecurityError

MIN_LENGTH = 12

#: OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1
hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so timing does not tell."""
    return hasher.hash("not-a-real-password-for-timing")


class PasswordPolicyError(SecurityError):
    """The password breaks a rule; the message names the rule."""


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common-password list, loaded on first use (it is large)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def check_policy(password: str) -> None:
    """Raise ``PasswordPolicyError`` naming the rule a password breaks."""
    if len(password) < MIN_LENGTH:
        raise PasswordPolicyError(
            _("The password must be at least %(n)d characters long.", n=MIN_LENGTH)
        )
    if password.lower() in common_passwords():
        raise PasswordPolicyError(
            _("This password is in a list of common passwords; choose one that is harder to guess.")
        )


def hash_password(password: str) -> str:
    """Check the policy, then hash."""
    check_policy(password)
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; never raises for a bad or empty hash."""
    if not password_hash:
        burn_time(password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def burn_time(password: str) -> None:
    """Spend the time of one verification (unknown account), so timing reveals nothing."""
    try:
        hasher.verify(_dummy_hash(), password)
    except VerificationError:
        pass


def rehash(password: str) -> str:
    """Hash an already accepted password again with the current parameters."""
    return hasher.hash(password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters (rehash at next login)."""
    try:
        return hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
