"""Core's own tasks and schedules (registered by ``core.plugin`` like a module's)."""

from __future__ import annotations

from core.declarations import Schedule, TaskSpec


def webhook_deliver(delivery_id: int) -> str:
    from core.webhooks.delivery import deliver

    return deliver(delivery_id)


def send_mail(mail_id: int) -> str:
    from core.mail import deliver_mail

    return deliver_mail(mail_id)


def sweep() -> dict[str, int]:
    """Webhook deliveries and mail whose retry time has come (timers can be lost on restart)."""
    from core.mail import send_due
    from core.webhooks.delivery import deliver_due

    return {"webhooks": deliver_due(), "mail": send_due()}


def tasks() -> list[TaskSpec]:
    return [
        TaskSpec("core.webhook_deliver", webhook_deliver),
        TaskSpec("core.send_mail", send_mail),
        TaskSpec("core.sweep", sweep),
    ]


def schedules() -> list[Schedule]:
    return [Schedule("core.sweep", task="core.sweep", seconds=60)]
