"""A record's timeline: what every installed module knows happened to it.

Modules (and the audit trail) answer the ``crm_timeline_entries`` hook; this
merges their answers newest first. Detail pages, the API and other modules
use ``timeline_for`` so the merge rules live in one place.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import current_app

log = logging.getLogger("crm.timeline")


def _sort_key(entry: dict[str, Any]) -> datetime:
    """Naive datetimes are UTC in this code base; aware ones are converted, so both compare."""
    when = entry.get("when")
    if not isinstance(when, datetime):
        return datetime.min
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def timeline_for(object: str, record_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Entries (dicts with ``when``, ``title``, ``detail``, ``kind``, optional ``url``) for one record.

    Each module returns at most ``limit`` entries, so the merged list is cut to
    ``limit`` after sorting and no module's entries crowd out newer ones. A
    module that has nothing to say returns ``None`` or ``[]``; one that fails is
    logged and left out, so the rest of the timeline still shows.
    """
    pm = current_app.extensions["crm"].pm
    entries: list[dict[str, Any]] = []
    for impl in pm.hook.crm_timeline_entries.get_hookimpls():
        args = {"object": object, "record_id": record_id, "limit": limit}
        try:
            answer = impl.function(**{name: args[name] for name in impl.argnames})
        except Exception:
            # one module's broken timeline must not take every detail page down with it
            log.exception("module '%s': crm_timeline_entries failed for %s #%s", impl.plugin_name, object, record_id)
            continue
        entries.extend(answer or [])
    entries.sort(key=_sort_key, reverse=True)
    return entries[:limit]
