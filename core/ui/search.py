"""Global search: the layout's search box asks every search provider the user may use.

Each installed module may declare ``SearchProvider`` entries; the results
page shows one group per provider that found something. A provider that
fails shows an error line in its group and is logged; the other groups still
show.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from core.declarations import SearchHit, SearchProvider
from core.extensions import db
from core.security.access import can, require
from core.ui import SIGNED_IN

log = logging.getLogger("crm.ui")

#: hits per provider on the results page
LIMIT = 10
MAX_QUERY = 200


@dataclass
class SearchGroup:
    key: str
    label: str
    hits: list[SearchHit] = field(default_factory=list)
    failed: bool = False


def usable_providers(providers: dict[str, SearchProvider], user: Any) -> list[SearchProvider]:
    """Providers whose permission ``user`` has (no permission: every logged-in user)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [p for p in providers.values() if p.permission is None or can(p.permission, user)]


def run_search(query: str, user: Any, limit: int = LIMIT) -> list[SearchGroup]:
    """Ask each usable provider; groups that found nothing are left out."""
    query = query.strip()[:MAX_QUERY]
    if not query:
        return []
    groups = []
    for provider in usable_providers(current_app.extensions["crm"].registry.search_providers, user):
        group = SearchGroup(provider.key, str(provider.label))
        try:
            group.hits = list(provider.search(query, user, limit))[:limit]
        except Exception:
            log.exception("search provider %s failed for query %r", provider.key, query)
            db.session.rollback()
            group.failed = True
        if group.hits or group.failed:
            groups.append(group)
    return groups


@require(SIGNED_IN)
def search() -> ResponseReturnValue:
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    groups = run_search(query, user)
    return render_template("core/search.html", query=query, groups=groups)
