"""From events to signed HTTP POSTs, with retries and backoff.

``on_event`` (core's ``crm_event_published``) writes one pending delivery
per matching active webhook and submits ``core.webhook_deliver`` for it,
after the commit. ``deliver`` claims a due delivery, POSTs it and records
the answer; on failure it schedules the next attempt after the next delay
of ``CRM_WEBHOOK_BACKOFF`` (default 10 s, 1 min, 5 min, 30 min, 2 h, then it
gives up). A ``core.webhook_sweep`` schedule delivers whatever is due, so a
retry whose timer was lost (a restarted process) still happens.

HTTP goes through the standard library (``urllib.request``): one POST with
a timeout needs no extra dependency. Redirects are not followed (a signed
body must not be re-sent elsewhere) and only http/https URLs are accepted.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from core.events import Event
from core.extensions import db
from core.models import utcnow
from core.webhooks.models import Webhook, WebhookDelivery
from core.webhooks.signing import HEADER, header_value

log = logging.getLogger("crm.webhooks")

DEFAULT_BACKOFF = (10, 60, 300, 1800, 7200)
DEFAULT_TIMEOUT = 10.0
#: a claimed delivery is not picked up by the sweeper for this long (the POST is in flight)
LEASE = timedelta(minutes=5)
USER_AGENT = "crm-suite-webhooks/1"

_cache_lock = threading.Lock()
_cache: dict[str, tuple[float, list[tuple[int, tuple[str, ...]]]]] = {}
CACHE_SECONDS = 5.0


class WebhookUrlError(ValueError):
    """The URL is not an absolute http(s) URL."""


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlError(url)
    return url


def forget_cache() -> None:
    """Webhooks changed: the next event reads them again (other processes within seconds)."""
    with _cache_lock:
        _cache.clear()


def _active_hooks() -> list[tuple[int, tuple[str, ...]]]:
    key = str(db.engine.url)
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    rows = db.session.execute(sa.select(Webhook.id, Webhook.events).where(Webhook.active.is_(True))).all()
    hooks = [(hook_id, tuple(events or ())) for hook_id, events in rows]
    with _cache_lock:
        _cache[key] = (now, hooks)
    return hooks


def matches(patterns: tuple[str, ...] | list[str], name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def event_body(event: Event) -> str:
    data = {
        "id": event.id, "event": event.name, "occurred_at": event.occurred_at.isoformat() + "Z",
        "module": event.module, "object": event.object, "record_id": event.record_id,
        "user_id": event.user_id, "data": event.payload,
    }
    return json.dumps(data, separators=(",", ":"), sort_keys=True, default=str)


def on_event(event: Event) -> int:
    """Queue a delivery of ``event`` to every active webhook subscribed to it."""
    targets = [hook_id for hook_id, patterns in _active_hooks() if matches(patterns, event.name)]
    if not targets:
        return 0
    body = event_body(event)
    now = utcnow()
    for hook_id in targets:
        queue_delivery(hook_id, event.id, event.name, event.module, body, now)
    return len(targets)


def queue_delivery(hook_id: int, event_id: str, event_name: str, module: str, body: str,
                   now: datetime | None = None) -> WebhookDelivery:
    from core.jobs import submit

    delivery = WebhookDelivery(
        webhook_id=hook_id, module=module, event_id=event_id, event_name=event_name, body=body,
        status="pending", attempts=0, last_error="", next_try_at=now or utcnow(), created_at=now or utcnow(),
    )
    db.session.add(delivery)
    db.session.flush()
    submit("core.webhook_deliver", {"delivery_id": delivery.id})
    return delivery


def backoff() -> tuple[float, ...]:
    return tuple(current_app.config.get("CRM_WEBHOOK_BACKOFF") or DEFAULT_BACKOFF)


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> tuple[int | None, str]:
    """POST without following redirects; (status code or None, error text)."""
    check_url(url)
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, f"HTTP {exc.code} {exc.reason}"[:500]
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"[:500]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def deliver(delivery_id: int, now: datetime | None = None) -> str:
    """Attempt one due delivery; return its status afterwards (``skipped`` when not due)."""
    now = now or utcnow()
    table = WebhookDelivery.__table__
    claimed = db.session.execute(
        sa.update(table)
        .where(table.c.id == delivery_id, table.c.status == "pending",
               sa.or_(table.c.next_try_at.is_(None), table.c.next_try_at <= now))
        .values(next_try_at=now + LEASE)
    ).rowcount
    db.session.commit()
    if not claimed:
        return "skipped"
    delivery = db.session.get(WebhookDelivery, delivery_id)
    hook = db.session.get(Webhook, delivery.webhook_id) if delivery else None
    if delivery is None or hook is None:
        return "skipped"
    delivery.attempts += 1
    if not hook.active:
        delivery.status, delivery.last_error, delivery.next_try_at = "failed", "webhook is disabled", None
        db.session.commit()
        return delivery.status
    body = delivery.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        HEADER: header_value(hook.secret, body),
        "X-CRM-Event": delivery.event_name,
        "X-CRM-Event-Id": delivery.event_id,
        "X-CRM-Delivery": str(delivery.id),
    }
    timeout = float(current_app.config.get("CRM_WEBHOOK_TIMEOUT", DEFAULT_TIMEOUT))
    code, error = post(hook.url, body, headers, timeout)
    delivery.last_status_code = code
    delivery.last_error = error
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.next_try_at = "success", now, None
    else:
        delays = backoff()
        if delivery.attempts > len(delays):
            delivery.status, delivery.next_try_at = "failed", None
            log.warning("webhook %s: delivery %s failed for good: %s", hook.id, delivery.id, error)
        else:
            delay = float(delays[delivery.attempts - 1])
            delivery.next_try_at = now + timedelta(seconds=delay)
            from core.jobs import submit

            submit("core.webhook_deliver", {"delivery_id": delivery.id}, countdown=delay)
    db.session.commit()
    return delivery.status


def deliver_due(now: datetime | None = None, limit: int = 100) -> int:
    """Attempt every pending delivery due at ``now`` (the sweeper; tests pass a future ``now``)."""
    now = now or utcnow()
    ids = db.session.scalars(
        sa.select(WebhookDelivery.id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_try_at <= now)
        .order_by(WebhookDelivery.next_try_at, WebhookDelivery.id)
        .limit(limit)
    ).all()
    db.session.commit()
    for delivery_id in ids:
        deliver(delivery_id, now)
    return len(ids)


def ping(hook: Webhook) -> WebhookDelivery:
    """Queue a ``webhook.ping`` delivery to one webhook (the admin's "send test" button)."""
    import uuid

    event = Event(name="webhook.ping", payload={"webhook_id": hook.id}, module="core")
    return queue_delivery(hook.id, uuid.uuid4().hex, event.name, "core", event_body(event))
