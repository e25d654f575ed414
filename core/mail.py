"""Outgoing mail: ``send_mail`` writes the outbox row, a background job sends it.

Every mail is first a ``core_mail_outbox`` row, committed with the caller's
transaction, so nothing is lost when the SMTP server is down and a test (or
an admin) can read what was sent. The ``core.send_mail`` job sends it through
the ``CRM_SMTP_*`` server; without ``CRM_SMTP_HOST`` the mail is only logged
and stays in the outbox with status ``logged``. Failed sends are retried
after 1, 5 and 30 minutes (the ``core.sweep`` schedule picks up any retry
whose timer was lost), then marked ``failed`` with the error.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db
from core.models import utcnow

log = logging.getLogger("crm.mail")

STATES = ("queued", "sent", "logged", "failed")
RETRY_DELAYS = (60, 300, 1800)
TIMEOUT = 30


class OutboxMail(db.Model):
    __tablename__ = "core_mail_outbox"
    __table_args__ = (sa.Index("ix_core_mail_outbox_status_next", "status", "next_try_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the module that sent it, when it said so (purging the module deletes its mail)
    module: Mapped[str | None] = mapped_column(sa.String(40), nullable=True, index=True)
    #: recipients, comma-separated
    to: Mapped[str] = mapped_column(sa.Text)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)

    @property
    def recipients(self) -> list[str]:
        return [part.strip() for part in self.to.split(",") if part.strip()]


class MailError(ValueError):
    """A recipient or subject that cannot go into a mail header."""


def _clean(value: str, what: str) -> str:
    if "\r" in value or "\n" in value:
        raise MailError(f"{what} must be one line: {value!r}")
    return value.strip()


def send_mail(to: str | list[str], subject: str, text: str, html: str | None = None, *,
              module: str | None = None) -> int:
    """Queue a mail to ``to`` (an address or a list); return its outbox id.

    Sent by a background job after your transaction commits (at once when
    your transaction has no other writes). ``module`` tags the mail as the
    module's, so purging the module deletes it.
    """
    from core.jobs import own_or_join, submit

    recipients = [to] if isinstance(to, str) else list(to)
    recipients = [_clean(address, "recipient") for address in recipients if address and address.strip()]
    if not recipients or any("@" not in address for address in recipients):
        raise MailError(f"no valid recipient in {to!r}")
    with own_or_join() as session:
        mail = OutboxMail(
            module=module, to=", ".join(recipients), subject=_clean(subject, "subject"), body=text, html=html,
            status="queued", error="", attempts=0, next_try_at=utcnow(), created_at=utcnow(),
        )
        session.add(mail)
        session.flush()
        mail_id = mail.id
        submit("core.send_mail", {"mail_id": mail_id})
    return mail_id


def build_message(mail: OutboxMail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(mail.recipients)
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(mail.body)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


def _smtp_send(config: dict[str, Any], message: EmailMessage) -> None:
    host, port = config["CRM_SMTP_HOST"], int(config.get("CRM_SMTP_PORT") or 587)
    context = ssl.create_default_context()
    if port == 465:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=TIMEOUT)
    with smtp:
        if port != 465 and config.get("CRM_SMTP_STARTTLS", True):
            smtp.starttls(context=context)  # refuses to go on in clear text when the server cannot
        if config.get("CRM_SMTP_USER"):
            smtp.login(config["CRM_SMTP_USER"], config.get("CRM_SMTP_PASSWORD") or "")
        smtp.send_message(message)


def deliver_mail(mail_id: int, now: datetime | None = None) -> str:
    """The ``core.send_mail`` task: send one queued mail; return its status afterwards."""
    from core.jobs import submit

    now = now or utcnow()
    table = OutboxMail.__table__
    claimed = db.session.execute(
        sa.update(table)
        .where(table.c.id == mail_id, table.c.status == "queued",
               sa.or_(table.c.next_try_at.is_(None), table.c.next_try_at <= now))
        .values(next_try_at=now + timedelta(minutes=10))
    ).rowcount
    db.session.commit()
    mail = db.session.get(OutboxMail, mail_id)
    if not claimed or mail is None:
        return mail.status if mail else "missing"
    config = current_app.config
    if not config.get("CRM_SMTP_HOST"):
        mail.status, mail.next_try_at = "logged", None
        log.info("mail %s to %s kept in the outbox (no CRM_SMTP_HOST): %s", mail.id, mail.to, mail.subject)
        db.session.commit()
        return mail.status
    mail.attempts += 1
    try:
        _smtp_send(config, build_message(mail, config.get("CRM_MAIL_FROM") or "crm@localhost"))
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        mail.error = f"{type(exc).__name__}: {exc}"[:500]
        if mail.attempts > len(RETRY_DELAYS):
            mail.status, mail.next_try_at = "failed", None
            log.warning("mail %s failed for good: %s", mail.id, mail.error)
        else:
            delay = RETRY_DELAYS[mail.attempts - 1]
            mail.next_try_at = now + timedelta(seconds=delay)
            submit("core.send_mail", {"mail_id": mail.id}, countdown=delay)
    else:
        mail.status, mail.sent_at, mail.error, mail.next_try_at = "sent", now, "", None
    db.session.commit()
    return mail.status


def send_due(now: datetime | None = None, limit: int = 100) -> int:
    """Send queued mail whose time has come (the sweeper)."""
    now = now or utcnow()
    ids = db.session.scalars(
        sa.select(OutboxMail.id)
        .where(OutboxMail.status == "queued", OutboxMail.next_try_at <= now)
        .order_by(OutboxMail.id)
        .limit(limit)
    ).all()
    db.session.commit()
    for mail_id in ids:
        deliver_mail(mail_id, now)
    return len(ids)
