"""Consent history on a contact's timeline: every time consent was given or withdrawn, with its source.

The rows themselves are written by ``Contact.consent`` (forms, API, imports);
the detail page shows the current state per channel, the timeline the whole
history, which is what a data-protection question asks for.
"""

from __future__ import annotations

from typing import Any

from core import toolkit
from core.toolkit import _, sa
from modules.contacts import choices


def timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:
    if object != "contacts.contact":
        return []
    from modules.contacts.models import Consent

    rows = toolkit.db.session.execute(
        sa.select(Consent.channel, Consent.granted, Consent.at, Consent.source)
        .where(Consent.contact_id == record_id).order_by(Consent.id.desc()).limit(limit)
    )
    entries = []
    for channel, granted, at, source in rows:
        name = str(choices.CHANNELS.get(channel, channel))
        title = (_("Consent to contact by %(channel)s given", channel=name) if granted
                 else _("Consent to contact by %(channel)s withdrawn", channel=name))
        entries.append({"when": at, "title": title, "detail": source, "kind": "consent"})
    return entries
