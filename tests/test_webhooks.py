"""Webhooks: a real HTTP receiver gets signed deliveries; a 500 is retried with backoff."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from core import toolkit
from core.extensions import db
from core.models import utcnow
from core.testing import csrf_token
from core.webhooks import Webhook, WebhookDelivery, deliver_due


class Receiver:
    """An HTTP server on 127.0.0.1 answering POSTs with the next status of ``answers``."""

    def __init__(self, answers: list[int]) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": self.headers, "body": body, "path": self.path})
                status = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Any]:
    made: list[Receiver] = []

    def make(*answers: int) -> Receiver:
        made.append(Receiver(list(answers) or [200]))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def app(addons, make_app):
    addons("services")
    return make_app(("jobber",), config={"CRM_WEBHOOK_BACKOFF": (10, 60)})


def add_hook(app, url: str, events: list[str], active: bool = True) -> tuple[int, str]:
    from core.webhooks.delivery import forget_cache
    from core.webhooks.signing import new_secret

    with app.app_context():
        hook = Webhook(url=url, events=events, secret=new_secret(), description="", active=active)
        db.session.add(hook)
        db.session.commit()
        forget_cache()
        return hook.id, hook.secret


def publish_note(app, title: str = "hello") -> str:
    with app.app_context():
        event = toolkit.publish("note.created", {"title": title}, module="jobber", object="jobber.note", record_id=7)
        db.session.commit()
        return event.id


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        rows = db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        db.session.expunge_all()
        return list(rows)


def valid_signature(secret: str, body: bytes, header: str) -> bool:
    """The receiver's check, written out as docs/webhooks.md tells receivers to."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) < 300


def test_an_admin_subscribes_a_url_and_it_receives_a_signed_event(app, client_as, receiver) -> None:
    target = receiver(200)
    admin = client_as(app, "admin")
    response = admin.post("/admin/webhooks", data={
        "url": target.url, "events": "note.*, opportunity.won", "description": "ERP",
        "csrf_token": csrf_token(admin, "/admin/webhooks"),
    })
    assert response.status_code == 302
    page = admin.get(response.headers["Location"])
    with app.app_context():
        hook = db.session.scalars(sa.select(Webhook)).one()
        secret = hook.secret
        assert hook.events == ["note.*", "opportunity.won"]
    assert secret in page.text  # shown to the admin, who gives it to the receiver

    event_id = publish_note(app)
    assert len(target.requests) == 1
    request = target.requests[0]
    headers = request["headers"]
    assert valid_signature(secret, request["body"], headers["X-CRM-Signature"])
    assert not valid_signature("whsec_wrong", request["body"], headers["X-CRM-Signature"])
    payload = json.loads(request["body"])
    assert (payload["id"], payload["event"], payload["data"], payload["record_id"]) == (
        event_id, "note.created", {"title": "hello"}, 7)
    assert headers["X-CRM-Event"] == "note.created" and headers["Content-Type"] == "application/json"
    [delivery] = deliveries(app)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("success", 1, 200)
    log = admin.get(f"/admin/webhooks/{hook.id}")
    assert f'data-delivery="{delivery.id}" data-status="success"' in log.text


def test_a_delivery_answered_with_500_is_retried_with_backoff(app, receiver) -> None:
    target = receiver(500, 200)
    _hook_id, secret = add_hook(app, target.url, ["note.created"])
    publish_note(app)
    [first] = deliveries(app)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert timedelta(seconds=8) < first.next_try_at - first.created_at < timedelta(seconds=12)

    with app.app_context():
        assert deliver_due(now=utcnow()) == 0  # not due yet: nothing is sent
        assert deliver_due(now=utcnow() + timedelta(seconds=11)) == 1
    assert len(target.requests) == 2
    again = target.requests[1]
    assert again["body"] == target.requests[0]["body"]  # the same event, signed afresh
    assert valid_signature(secret, again["body"], again["headers"]["X-CRM-Signature"])
    [done] = deliveries(app)
    assert (done.status, done.attempts, done.last_status_code) == ("success", 2, 200)


def test_a_delivery_gives_up_after_the_last_retry(app, receiver) -> None:
    target = receiver(500)
    add_hook(app, target.url, ["note.*"])
    publish_note(app)
    with app.app_context():
        later = utcnow() + timedelta(seconds=11)
        deliver_due(now=later)
        deliver_due(now=later + timedelta(seconds=61))
        assert deliver_due(now=later + timedelta(days=1)) == 0
    [gone] = deliveries(app)
    assert (gone.status, gone.attempts, gone.next_try_at) == ("failed", 3, None)
    assert len(target.requests) == 3


def test_only_matching_active_webhooks_receive_an_event(app, receiver) -> None:
    wanted, other, off = receiver(200), receiver(200), receiver(200)
    add_hook(app, wanted.url, ["*"])
    add_hook(app, other.url, ["contact.*"])
    add_hook(app, off.url, ["note.*"], active=False)
    publish_note(app)
    assert (len(wanted.requests), len(other.requests), len(off.requests)) == (1, 0, 0)


def test_an_unreachable_receiver_is_logged_and_retried(app, receiver) -> None:
    gone = receiver(200)
    url = gone.url
    gone.close()
    add_hook(app, url, ["note.*"])
    publish_note(app)
    [delivery] = deliveries(app)
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert "Connection refused" in delivery.last_error or "URLError" in delivery.last_error


def test_only_http_urls_and_only_admins(app, client_as) -> None:
    admin = client_as(app, "admin")
    token = csrf_token(admin, "/admin/webhooks")
    for url in ("ftp://example.com/x", "file:///etc/passwd", "not a url"):
        response = admin.post("/admin/webhooks", data={"url": url, "events": "*", "csrf_token": token})
        assert response.status_code == 422
        assert "http:// or https://" in response.text
    assert admin.post("/admin/webhooks", data={"url": "https://example.com/", "events": "",
                                               "csrf_token": token}).status_code == 422
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Webhook)) == 0
    user = client_as(app, "manager")
    assert user.get("/admin/webhooks").status_code == 403
    assert user.post("/admin/webhooks", data={"url": "https://example.com/", "events": "*",
                                              "csrf_token": csrf_token(user, "/jobs")}).status_code == 403


def test_the_admin_sends_a_test_ping_and_deletes_the_webhook(app, client_as, receiver) -> None:
    target = receiver(200)
    hook_id, secret = add_hook(app, target.url, ["note.*"])
    admin = client_as(app, "admin")
    token = csrf_token(admin, f"/admin/webhooks/{hook_id}")
    assert admin.post(f"/admin/webhooks/{hook_id}/ping", data={"csrf_token": token}).status_code == 302
    assert json.loads(target.requests[0]["body"])["event"] == "webhook.ping"
    assert valid_signature(secret, target.requests[0]["body"], target.requests[0]["headers"]["X-CRM-Signature"])
    assert admin.post(f"/admin/webhooks/{hook_id}/delete", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.get(Webhook, hook_id) is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0
