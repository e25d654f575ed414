"""Login throttling: HTTP 429 after 5 failed sign-ins per account and per IP a minute.

Flask-Limiter holds the counters (memory by default, Redis through
``CRM_RATELIMIT_STORAGE_URL`` so all web processes share them). Only
*failed* attempts count, and the check runs before the password is looked
at, so a correct password does not get through once the limit is reached.
A moving window is used: a fixed window would let 10 guesses through around
a minute boundary.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from limits.strategies import MovingWindowRateLimiter

FAILED_LOGINS = "5/minute"


class LoginThrottle:
    """Counts failed sign-ins by account (e-mail) and by client address."""

    def __init__(self, limiter: Limiter, limit: str = FAILED_LOGINS) -> None:
        self.limiter = limiter
        self.item: RateLimitItem = parse(limit)

    def _window(self) -> MovingWindowRateLimiter | None:
        if not self.limiter.enabled:
            return None
        return MovingWindowRateLimiter(self.limiter.storage)  # type: ignore[arg-type]

    @staticmethod
    def _keys(email: str, address: str) -> list[tuple[str, str]]:
        return [("login-account", email.strip().lower()), ("login-ip", address)]

    def blocked(self, email: str, address: str) -> bool:
        window = self._window()
        if window is None:
            return False
        return not all(window.test(self.item, *key) for key in self._keys(email, address))

    def failed(self, email: str, address: str) -> None:
        window = self._window()
        if window is None:
            return
        for key in self._keys(email, address):
            window.hit(self.item, *key)


def init_app(app: Flask) -> None:
    """One limiter per app (its storage lives on the instance)."""
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
        strategy=app.config.get("RATELIMIT_STRATEGY") or "moving-window",
    )
    limiter.init_app(app)
    app.extensions["crm_limiter"] = limiter
    app.extensions["crm_login_throttle"] = LoginThrottle(limiter)


def login_throttle() -> LoginThrottle:
    return current_app.extensions["crm_login_throttle"]


def client_address() -> str:
    return get_remote_address() or "unknown"
