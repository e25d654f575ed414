"""The top menu and the breadcrumbs derived from it.

Modules declare ``MenuItem`` entries; here they become a tree the current
user may see: items whose permission the user lacks are left out, a heading
whose children are all hidden disappears, siblings are ordered by ``order``
then key. The tree is built once per request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, has_request_context, request, url_for
from werkzeug.routing import BuildError

from core.declarations import MenuItem
from core.security.access import can

log = logging.getLogger("crm.ui")


@dataclass
class MenuNode:
    """One visible menu entry; ``url`` is ``None`` for a heading that only opens a drop-down."""

    key: str
    label: str
    url: str | None
    children: list[MenuNode] = field(default_factory=list)
    active: bool = False
    icon: str = ""


def has_endpoint(name: str) -> bool:
    """Whether a view with this endpoint exists (a module that is not installed has none)."""
    return name in current_app.view_functions


def _url(item: MenuItem) -> str | None:
    if not item.endpoint:
        return None
    if not has_endpoint(item.endpoint):
        log.warning("menu item %s points to unknown endpoint %s; hidden", item.key, item.endpoint)
        return None
    try:
        return url_for(item.endpoint)
    except BuildError:
        log.warning("menu item %s: endpoint %s needs URL arguments; hidden", item.key, item.endpoint)
        return None


def build_menu(items: dict[str, MenuItem], user: Any = None) -> list[MenuNode]:
    """The menu tree ``user`` (default: the current user) may see."""
    if not getattr(user, "is_authenticated", False):
        return []
    by_parent: dict[str | None, list[MenuItem]] = {}
    for item in items.values():
        by_parent.setdefault(item.parent, []).append(item)

    def branch(parent: str | None, depth: int) -> list[MenuNode]:
        nodes = []
        for item in sorted(by_parent.get(parent, []), key=lambda i: (i.order, i.key)):
            if item.permission and not can(item.permission, user):
                continue
            children = branch(item.key, depth + 1) if depth < 5 else []
            url = _url(item)
            if url is None and not children:
                continue
            nodes.append(MenuNode(item.key, str(item.label), url, children, icon=item.icon))
        return nodes

    tree = branch(None, 0)
    if has_request_context():
        _mark_active(tree, request.path)
    return tree


def _walk(nodes: list[MenuNode], trail: tuple[MenuNode, ...] = ()) -> list[tuple[MenuNode, ...]]:
    paths = []
    for node in nodes:
        paths.append((*trail, node))
        paths.extend(_walk(node.children, (*trail, node)))
    return paths


def _mark_active(tree: list[MenuNode], path: str) -> None:
    """Mark the entry whose URL is the longest prefix of ``path`` (``/contacts/12`` → Contacts), and its parents."""
    best: tuple[MenuNode, ...] = ()
    best_len = -1
    for trail in _walk(tree):
        url = trail[-1].url
        if url is None:
            continue
        target = url.split("?", 1)[0]
        matches = path == target or (target != "/" and path.startswith(target.rstrip("/") + "/"))
        if matches and len(target) > best_len:
            best, best_len = trail, len(target)
    for node in best:
        node.active = True


def active_trail(tree: list[MenuNode]) -> list[MenuNode]:
    """The active entry and its parents, top first (empty when no entry matches the page)."""
    for trail in _walk(tree):
        if trail[-1].active and not any(child.active for child in trail[-1].children):
            return list(trail)
    return []


def current_menu() -> list[MenuNode]:
    """The current user's menu, built once per request (templates call this)."""
    if "crm_menu" not in g:
        from flask_login import current_user

        user = current_user if getattr(current_app, "login_manager", None) is not None else None
        g.crm_menu = build_menu(current_app.extensions["crm"].registry.menu, user)
    return g.crm_menu


def menu_breadcrumbs() -> list[tuple[str, str | None]]:
    """Breadcrumbs from the menu position of the page, for views that set none."""
    return [(node.label, node.url) for node in active_trail(current_menu())]
