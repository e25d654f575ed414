"""Webhooks: signed HTTP notifications of domain events to URLs an admin subscribed.

See ``docs/webhooks.md`` for the payload and how a receiver verifies
``X-CRM-Signature``.
"""

from __future__ import annotations

from core.webhooks.delivery import deliver, deliver_due, on_event
from core.webhooks.models import Webhook, WebhookDelivery
from core.webhooks.signing import verify

__all__ = ["Webhook", "WebhookDelivery", "deliver", "deliver_due", "on_event", "verify"]
