"""A secret, revocable address from which a calendar app reads the user's tasks.

Calendar apps (phones, Outlook, Thunderbird) subscribe to a URL and cannot
sign in, so the address itself is the key: ``/contacts/tasks/feed/<token>.ics``
with 256 random bits. Only its SHA-256 is stored (``CalendarFeed``); the
address is shown once, when it is made. Making a new one replaces the old
(which stops working at once), "turn off" deletes it, and the feed answers
only while its user is active and may still read tasks.
"""

from __future__ import annotations

import hashlib
import secrets

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core import toolkit
from core.toolkit import _, sa
from modules.contacts.calendar import ics_for
from modules.contacts.models import CalendarFeed

PREFIX = "cal_"
OBJECT = "contacts.task"

bp = Blueprint("contacts_calendar_feed", __name__, url_prefix="/contacts/tasks")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def make_feed(user_id: int) -> str:
    """A new address for ``user_id`` (replacing any old one); returns the token, which is not kept."""
    token = PREFIX + secrets.token_urlsafe(32)
    feed = toolkit.db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user_id))
    if feed is None:
        feed = CalendarFeed(user_id=user_id)
        toolkit.db.session.add(feed)
    feed.token_hash = digest(token)
    feed.created_at = toolkit.utcnow()
    return token


def revoke_feed(user_id: int) -> bool:
    result = toolkit.db.session.execute(sa.delete(CalendarFeed).where(CalendarFeed.user_id == user_id))
    return bool(result.rowcount)


def _page(token: str | None = None) -> ResponseReturnValue:
    feed = toolkit.db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == current_user.id))
    address = url_for("contacts_calendar_feed.feed", token=token, _external=True) if token else None
    return render_template(
        "contacts/task_feed.html", title=_("Subscribe in a calendar app"), feed=feed, address=address,
        breadcrumbs=[(_("Tasks"), url_for("contacts_tasks.list")), (_("My calendar"),
                      url_for("contacts_calendar.month")), (_("Subscribe"), None)],
    )


@toolkit.require(f"{OBJECT}.read")
def subscribe() -> ResponseReturnValue:
    """GET: whether an address exists; POST: make a new one and show it (this once)."""
    if request.method == "POST":
        token = make_feed(current_user.id)
        toolkit.db.session.commit()
        return _page(token)
    return _page()


@toolkit.require(f"{OBJECT}.read")
def revoke() -> ResponseReturnValue:
    if revoke_feed(current_user.id):
        toolkit.db.session.commit()
        flash(_("The subscription address no longer works."), "success")
    return redirect(url_for("contacts_calendar_feed.subscribe"))


@toolkit.public
def feed(token: str) -> ResponseReturnValue:
    """The .ics for whoever holds the address; 404 for anything else (nothing to learn from it)."""
    if not token.startswith(PREFIX) or len(token) > 100:
        abort(404)
    User = toolkit.User
    row = toolkit.db.session.execute(
        sa.select(CalendarFeed.user_id, User).join(User, User.id == CalendarFeed.user_id)
        .where(CalendarFeed.token_hash == digest(token))
    ).first()
    if row is None or not row.User.is_active or not toolkit.can(f"{OBJECT}.read", row.User):
        abort(404)
    body = ics_for(row.user_id, request.host.split(":")[0])
    return Response(body, mimetype="text/calendar", headers={
        "Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer",
    })


bp.add_url_rule("/calendar/subscribe", "subscribe", subscribe, methods=["GET", "POST"])
bp.add_url_rule("/calendar/subscribe/revoke", "revoke", revoke, methods=["POST"])
bp.add_url_rule("/feed/<token>.ics", "feed", feed, methods=["GET"])
