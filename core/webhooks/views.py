"""Admin pages: ``/admin/webhooks`` (subscriptions) and each webhook's delivery log.

The secret is shown to administrators on the webhook's page (the receiver
needs it to verify signatures); everyone else never reaches these pages.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from core.events import acting_user_id
from core.extensions import db
from core.i18n import gettext as _
from core.security.access import require
from core.webhooks.delivery import WebhookUrlError, check_url, forget_cache, ping
from core.webhooks.models import Webhook, WebhookDelivery
from core.webhooks.signing import new_secret

bp = Blueprint("core_webhooks", __name__, url_prefix="/admin/webhooks")
PATTERN = re.compile(r"^[A-Za-z0-9_.*?\[\]-]{1,120}$")
PAGE = 50


def parse_events(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,]+", text or "") if part]


def _validate(form: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(clean values, field errors)."""
    errors: dict[str, str] = {}
    values = {"url": (form.get("url") or "").strip(), "events": (form.get("events") or "").strip(),
              "description": (form.get("description") or "").strip()[:200]}
    try:
        values["url"] = check_url(values["url"])
        if len(values["url"]) > 500:
            errors["url"] = _("The URL is too long.")
    except WebhookUrlError:
        errors["url"] = _("Enter an absolute http:// or https:// URL.")
    patterns = parse_events(values["events"])
    if not patterns:
        errors["events"] = _("Name at least one event, e.g. contact.* or *.")
    elif any(not PATTERN.match(p) for p in patterns):
        errors["events"] = _("Event patterns may use letters, digits, '.', '_', '-' and the wildcards * and ?.")
    return values, errors


def _hook_or_404(hook_id: int) -> Webhook:
    hook = db.session.get(Webhook, hook_id)
    if hook is None:
        abort(404)
    return hook


@bp.route("", methods=["GET", "POST"])
@require("core.admin")
def index() -> ResponseReturnValue:
    values: dict[str, str] = {"url": "", "events": "", "description": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values, errors = _validate(request.form)
        if not errors:
            hook = Webhook(url=values["url"], events=parse_events(values["events"]), secret=new_secret(),
                           description=values["description"], active=True, created_by=acting_user_id())
            db.session.add(hook)
            db.session.commit()
            forget_cache()
            flash(_("Webhook created. Give its secret to the receiver so it can verify signatures."), "success")
            return redirect(url_for("core_webhooks.detail", hook_id=hook.id))
    hooks = db.session.scalars(sa.select(Webhook).order_by(Webhook.id)).all()
    status = 422 if errors else 200
    return render_template("core/webhooks.html", hooks=hooks, values=values, errors=errors), status


@bp.route("/<int:hook_id>", methods=["GET", "POST"])
@require("core.admin")
def detail(hook_id: int) -> ResponseReturnValue:
    hook = _hook_or_404(hook_id)
    errors: dict[str, str] = {}
    values = {"url": hook.url, "events": ", ".join(hook.events or []), "description": hook.description}
    if request.method == "POST":
        values, errors = _validate(request.form)
        if not errors:
            hook.url, hook.events, hook.description = values["url"], parse_events(values["events"]), values["description"]
            hook.active = request.form.get("active") == "1"
            db.session.commit()
            forget_cache()
            flash(_("Webhook saved."), "success")
            return redirect(url_for("core_webhooks.detail", hook_id=hook.id))
    query = sa.select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
    before = request.args.get("before", type=int)
    if before:
        query = query.where(WebhookDelivery.id < before)
    deliveries = db.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(PAGE + 1)).all()
    more = len(deliveries) > PAGE
    return render_template(
        "core/webhooks_detail.html", hook=hook, values=values, errors=errors,
        deliveries=deliveries[:PAGE], more=more,
    ), 422 if errors else 200


@bp.post("/<int:hook_id>/delete")
@require("core.admin")
def delete(hook_id: int) -> ResponseReturnValue:
    hook = _hook_or_404(hook_id)
    db.session.delete(hook)
    db.session.commit()
    forget_cache()
    flash(_("Webhook deleted."), "success")
    return redirect(url_for("core_webhooks.index"))


@bp.post("/<int:hook_id>/ping")
@require("core.admin")
def send_ping(hook_id: int) -> ResponseReturnValue:
    hook = _hook_or_404(hook_id)
    ping(hook)
    db.session.commit()
    flash(_("A test event is on its way; reload to see the delivery."), "success")
    return redirect(url_for("core_webhooks.detail", hook_id=hook.id))


@bp.post("/<int:hook_id>/secret")
@require("core.admin")
def rotate_secret(hook_id: int) -> ResponseReturnValue:
    hook = _hook_or_404(hook_id)
    hook.secret = new_secret()
    db.session.commit()
    flash(_("New secret made; the old one no longer verifies."), "success")
    return redirect(url_for("core_webhooks.detail", hook_id=hook.id))


@bp.post("/deliveries/<int:delivery_id>/retry")
@require("core.admin")
def retry(delivery_id: int) -> ResponseReturnValue:
    from core.jobs import submit
    from core.models import utcnow

    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        abort(404)
    delivery.status, delivery.next_try_at = "pending", utcnow()
    submit("core.webhook_deliver", {"delivery_id": delivery.id})
    db.session.commit()
    flash(_("Delivery queued again."), "success")
    return redirect(url_for("core_webhooks.detail", hook_id=delivery.webhook_id))
