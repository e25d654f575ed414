"""The ``X-CRM-Signature`` header: ``t=<unix time>,v1=<hex HMAC-SHA256>``.

The HMAC key is the webhook's secret and the signed message is
``"<t>." + body``: signing the time stops a captured delivery from being
replayed later (receivers reject old ``t``), signing the exact body bytes
stops tampering. ``docs/webhooks.md`` shows a receiver verifying it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER = "X-CRM-Signature"
#: receivers should refuse signatures older than this many seconds
TOLERANCE = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


def signature(secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return mac.hexdigest()


def header_value(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = TOLERANCE, now: float | None = None) -> bool:
    """What a receiver does: check the HMAC in constant time and that ``t`` is recent."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    return hmac.compare_digest(given, signature(secret, body, timestamp))
