"""Personal API tokens: created once, stored as SHA-256, revocable.

A token is random (256 bits), so a fast hash is enough: unlike a password it
cannot be guessed from a dictionary, and the lookup by hash stays one indexed
query per API request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from core.extensions import db
from core.models import utcnow
from core.security.models import ApiToken, User

TOKEN_PREFIX = "crm_"
#: last_used_at is written at most this often per token (no write per request)
TOUCH_EVERY = timedelta(minutes=1)


class TokenError(LookupError):
    """Unknown token id."""


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for ``user``; return the row and the token text (shown once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        name=(name or "").strip()[:80],
        token_hash=token_digest(token),
        prefix=token[:12],
        created_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def revoke_token(token_id: int, user: User | None = None) -> ApiToken:
    """Revoke a token (only one of ``user``'s when given); revoking twice is harmless."""
    row = db.session.get(ApiToken, token_id)
    if row is None or (user is not None and row.user_id != user.id):
        raise TokenError(token_id)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row


def user_for_token(token: str) -> User | None:
    """The active user owning a valid, non-revoked token; None otherwise."""
    if not token:
        return None
    # token and owner in one query: this runs before every API request
    found = db.session.execute(
        sa.select(ApiToken, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == token_digest(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or not user.active:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now
        db.session.commit()
    return user


def tokens_of(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc()))
    )
