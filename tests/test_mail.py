"""Outgoing mail: kept in the outbox, sent by a job through a real (local) SMTP server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import pytest
import sqlalchemy as sa

from core import toolkit
from core.extensions import db
from core.mail import MailError, OutboxMail, send_due
from core.models import utcnow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def outbox(app) -> list[OutboxMail]:
    with app.app_context():
        rows = db.session.scalars(sa.select(OutboxMail).order_by(OutboxMail.id)).all()
        db.session.expunge_all()
        return list(rows)


def test_a_mail_is_sent_through_the_smtp_server(make_app, smtp) -> None:
    port, inbox = smtp
    app = make_app(config={"CRM_SMTP_HOST": "127.0.0.1", "CRM_SMTP_PORT": port, "CRM_SMTP_STARTTLS": False,
                           "CRM_MAIL_FROM": "crm@example.test"})
    with app.app_context():
        mail_id = toolkit.send_mail(["ann@example.test", "bob@example.test"], "Your offer", "Plain text",
                                    html="<p>Rich <b>text</b></p>")
    [envelope] = inbox.messages
    assert envelope.mail_from == "crm@example.test"
    assert envelope.rcpt_tos == ["ann@example.test", "bob@example.test"]
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "Your offer"
    parts = {part.get_content_type(): part.get_payload(decode=True).decode() for part in message.walk()
             if not part.is_multipart()}
    assert parts["text/plain"].strip() == "Plain text" and "<b>text</b>" in parts["text/html"]
    [row] = outbox(app)
    assert (row.id, row.status, row.to, row.attempts) == (mail_id, "sent", "ann@example.test, bob@example.test", 1)
    assert row.sent_at is not None


def test_without_an_smtp_host_mail_stays_in_the_outbox(make_app) -> None:
    app = make_app()
    with app.app_context():
        toolkit.send_mail("ann@example.test", "Hello", "Kept for later")
    [row] = outbox(app)
    assert (row.status, row.subject, row.body) == ("logged", "Hello", "Kept for later")


def test_a_refused_send_is_retried_later(make_app, smtp) -> None:
    port, inbox = smtp
    closed = free_port()
    app = make_app(config={"CRM_SMTP_HOST": "127.0.0.1", "CRM_SMTP_PORT": closed, "CRM_SMTP_STARTTLS": False})
    with app.app_context():
        toolkit.send_mail("ann@example.test", "Retry me", "body")
    [row] = outbox(app)
    assert (row.status, row.attempts) == ("queued", 1) and "Connection" in row.error
    app.config["CRM_SMTP_PORT"] = port  # the server is back
    with app.app_context():
        assert send_due(now=utcnow()) == 0  # not due yet
        assert send_due(now=utcnow() + timedelta(minutes=2)) == 1
    [row] = outbox(app)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(inbox.messages) == 1


def test_a_mail_waits_for_the_transaction_and_header_injection_is_refused(addons, make_app) -> None:
    addons("services")
    app = make_app(("jobber",))
    from jobber.models import Note

    with app.app_context():
        db.session.add(Note(title="x"))
        db.session.flush()
        toolkit.send_mail("ann@example.test", "Rolled back", "never")
        db.session.rollback()
        with pytest.raises(MailError):
            toolkit.send_mail("ann@example.test", "Hi\r\nBcc: eve@example.test", "x")
        with pytest.raises(MailError):
            toolkit.send_mail("not-an-address", "Hi", "x")
    assert outbox(app) == []
