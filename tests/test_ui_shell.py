"""The layout: permission-filtered menu, phone menu markup, breadcrumbs, flashes, search, escaping."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from core.testing import csrf_token

ROOT = Path(__file__).resolve().parent.parent
XSS = "<script>alert(1)</script>"


# -- a tiny DOM, enough to assert the structure the CSS relies on --------------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.text = ""

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def find_all(self, pred: Callable[[Node], bool]) -> list[Node]:
        found = [self] if pred(self) else []
        for child in self.children:
            found.extend(child.find_all(pred))
        return found

    def select(self, tag: str = "", cls: str = "", **attrs: str) -> list[Node]:
        return self.find_all(
            lambda n: (not tag or n.tag == tag)
            and (not cls or cls in n.classes)
            and all(n.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        )

    def all_text(self) -> str:
        return self.text + "".join(c.all_text() for c in self.children)


VOID = {"meta", "link", "input", "br", "img", "hr", "source", "area", "base", "col", "embed", "wbr"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_endtag(self, tag: str) -> None:
        node = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data: str) -> None:
        self.cur.text += data


def dom(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    return builder.root


def menu_labels(html: str) -> list[str]:
    nav = dom(html).select("nav", cls="main-nav")
    if not nav:
        return []
    return [" ".join(a.all_text().split()) for a in nav[0].find_all(lambda n: n.tag in ("a", "summary"))]


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def ui_app(addons: Any, make_app: Callable[..., Flask]) -> Flask:
    addons("ui", "basic")
    return make_app(("uidemo", "alpha"))


def _guest_role(app: Flask) -> None:
    """A role an administrator defined, with no grants at all."""
    from core.extensions import db
    from core.security import service

    with app.app_context():
        service.create_role("guest", "Guest")
        db.session.commit()


# -- menu --------------------------------------------------------------------------------


def test_menu_shows_only_what_the_role_may_open(ui_app: Flask, client_as: Any) -> None:
    _guest_role(ui_app)
    user = menu_labels(client_as(ui_app, "user").get("/").get_data(as_text=True))
    manager = menu_labels(client_as(ui_app, "manager").get("/").get_data(as_text=True))
    guest = menu_labels(client_as(ui_app, "guest").get("/").get_data(as_text=True))
    admin = menu_labels(client_as(ui_app, "admin").get("/").get_data(as_text=True))

    assert "Alpha items" in user and "All gadgets" in user
    assert "Gadget reports" not in user  # uidemo.report is for managers
    assert "Settings" not in user and "Modules" not in user
    assert "Gadget reports" in manager
    # no alpha.item.read, no uidemo.gadget.read: the items and the emptied heading disappear
    assert "Alpha items" not in guest and "Gadgets" not in guest and "All gadgets" not in guest
    assert {"Settings", "Modules", "Gadgets", "All gadgets", "Gadget reports", "Alpha items"} <= set(admin)


def test_menu_order_and_dropdown_children(ui_app: Flask, client_as: Any) -> None:
    page = dom(client_as(ui_app, "admin").get("/").get_data(as_text=True))
    top = [li.attrs["data-menu"] for li in page.select("li", cls="menu-item")]
    # uidemo (order 50) before alpha.items (100) before core.settings (1000)
    assert top.index("uidemo") < top.index("alpha.items") < top.index("core.settings")
    heading = page.select("li", cls="menu-item", **{"data-menu": "uidemo"})[0]
    children = [li.attrs["data-menu"] for li in heading.select("li") if li is not heading and "data-menu" in li.attrs]
    assert children == ["uidemo.list", "uidemo.reports"]
    # the drop-down is a <details>: it opens without JavaScript
    assert heading.select("details", cls="dropdown") and heading.select("summary")


def test_active_menu_entry_follows_the_page(ui_app: Flask, client_as: Any) -> None:
    page = dom(client_as(ui_app, "user").get("/uidemo/gadgets/0").get_data(as_text=True))
    active = [li.attrs.get("data-menu") for li in page.find_all(lambda n: n.tag == "li" and "active" in n.classes)]
    assert active == ["uidemo", "uidemo.list"]


def test_anonymous_visitor_gets_no_menu_and_is_sent_to_login(ui_app: Flask, make_user: Any) -> None:
    make_user(ui_app, "admin")  # past the first-run set-up
    response = ui_app.test_client().get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = ui_app.test_client().get("/login").get_data(as_text=True)
    assert menu_labels(page) == []


def test_phone_menu_markup_matches_the_css(ui_app: Flask, client_as: Any) -> None:
    """At phone width the CSS hides .nav-panel until the #nav-toggle checkbox is checked.

    That only works when the checkbox, its label and the panel are siblings in that
    order inside the top bar, and the menu, search and user menu are inside the panel.
    """
    html = client_as(ui_app, "user").get("/").get_data(as_text=True)
    page = dom(html)
    assert page.select("meta", name="viewport")
    bar = page.select("div", cls="topbar-inner")[0]
    kids = bar.children
    toggle = next(i for i, n in enumerate(kids) if n.attrs.get("id") == "nav-toggle")
    assert kids[toggle].tag == "input" and kids[toggle].attrs["type"] == "checkbox"
    assert "nav-toggle" in kids[toggle].classes
    assert kids[toggle + 1].tag == "label" and kids[toggle + 1].attrs["for"] == "nav-toggle"
    panel = kids[toggle + 2]
    assert "nav-panel" in panel.classes
    assert panel.select("nav", cls="main-nav") and panel.select("form", role="search")
    assert panel.select("details", cls="user-menu")

    css = (ROOT / "themes/default/static/crm.css").read_text()
    phone = re.search(r"@media \(max-width: (\d+)px\) \{(.*?)\n\}", css, re.S)
    assert phone, "no phone-width media query"
    rules = phone.group(2)
    assert re.search(r"\.nav-panel \{[^}]*display: none", rules)
    assert re.search(r"\.nav-toggle:checked ~ \.nav-panel \{[^}]*display: flex", rules)
    assert re.search(r"\.nav-toggle-label \{[^}]*display: inline-flex", rules)
    assert re.search(r"\.nav-toggle-label \{ display: none; \}", css)  # hidden on wide screens


def test_user_menu_has_profile_and_a_logout_form_with_csrf(ui_app: Flask, client_as: Any) -> None:
    page = dom(client_as(ui_app, "user").get("/").get_data(as_text=True))
    menu = page.select("details", cls="user-menu")[0]
    assert menu.select("a", href="/profile")
    form = menu.select("form", action="/logout")[0]
    assert form.attrs["method"] == "post"
    assert form.select("input", name="csrf_token")[0].attrs["value"]


# -- breadcrumbs, flashes, escaping --------------------------------------------------


def test_breadcrumbs_from_the_view_and_from_the_menu(ui_app: Flask, client_as: Any) -> None:
    client = client_as(ui_app, "user")
    crumbs = dom(client.get("/uidemo/gadgets/1").get_data(as_text=True)).select("nav", cls="breadcrumbs")[0]
    items = [" ".join(li.all_text().split()) for li in crumbs.select("li")]
    assert items == ["Home", "Gadgets", "Widget <b>bold</b>"]
    assert crumbs.select("a", href="/uidemo/")
    assert "<b>bold</b>" not in client.get("/uidemo/gadgets/1").get_data(as_text=True)

    crumbs = dom(client.get("/uidemo/").get_data(as_text=True)).select("nav", cls="breadcrumbs")[0]
    assert [" ".join(li.all_text().split()) for li in crumbs.select("li")] == ["Home", "Gadgets", "All gadgets"]


def test_flash_messages_show_once_with_their_category(ui_app: Flask, client_as: Any) -> None:
    client = client_as(ui_app, "user")
    page = client.get("/uidemo/echo?text=Saved+it&category=success", follow_redirects=True).get_data(as_text=True)
    flash = dom(page).select("div", cls="flash")
    assert len(flash) == 1 and "flash-success" in flash[0].classes and "Saved it" in flash[0].all_text()
    assert flash[0].attrs["role"] == "status"
    assert not dom(client.get("/uidemo/").get_data(as_text=True)).select("div", cls="flash")
    page = client.get("/uidemo/echo?text=Broken&category=error", follow_redirects=True).get_data(as_text=True)
    assert dom(page).select("div", cls="flash-error")[0].attrs["role"] == "alert"


def test_flash_and_search_query_are_escaped(ui_app: Flask, client_as: Any) -> None:
    client = client_as(ui_app, "user")
    page = client.get("/uidemo/echo", query_string={"text": XSS}, follow_redirects=True).get_data(as_text=True)
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    page = client.get("/search", query_string={"q": XSS}).get_data(as_text=True)
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# -- search ----------------------------------------------------------------------------


def _groups(html: str) -> dict[str, list[str]]:
    page = dom(html)
    return {
        section.attrs["data-provider"]: [" ".join(a.all_text().split()) for a in section.select("a")]
        for section in page.select("section", cls="search-group")
    }


def test_search_groups_hits_by_provider_the_user_may_use(
    ui_app: Flask, client_as: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="crm.ui"):
        page = client_as(ui_app, "user").get("/search?q=spro").get_data(as_text=True)
    groups = _groups(page)
    assert groups["uidemo.gadgets"] == ["Sprocket"]
    assert "uidemo.reports" not in groups  # needs uidemo.report
    # the failing provider shows an error in its own group; the others still show
    assert groups["uidemo.broken"] == [] and "This search failed" in page
    assert "search provider uidemo.broken failed" in caplog.text
    assert dom(page).select("a", href="/uidemo/gadgets/0")

    groups = _groups(client_as(ui_app, "manager").get("/search?q=spro").get_data(as_text=True))
    assert groups["uidemo.reports"] == ["Sprocket"]


def test_search_shows_titles_as_text_and_says_when_nothing_matched(ui_app: Flask, client_as: Any) -> None:
    client = client_as(ui_app, "user")
    page = client.get("/search?q=bold").get_data(as_text=True)
    assert "Widget &lt;b&gt;bold&lt;/b&gt;" in page
    page = client.get("/search?q=zzz-nothing").get_data(as_text=True)
    assert "uidemo.gadgets" not in _groups(page) and "Nothing found for" in page
    page = client.get("/search").get_data(as_text=True)
    assert not dom(page).select("section", cls="search-group")


def test_search_needs_a_login(ui_app: Flask, make_user: Any) -> None:
    make_user(ui_app, "admin")
    response = ui_app.test_client().get("/search?q=x")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_layout_search_box_keeps_the_query(ui_app: Flask, client_as: Any) -> None:
    page = dom(client_as(ui_app, "user").get("/search?q=spro").get_data(as_text=True))
    box = page.select("input", id="global-search")[0]
    assert box.attrs["value"] == "spro" and box.attrs["name"] == "q"
    assert page.select("form", role="search")[0].attrs["action"] == "/search"


def test_logout_through_the_layout_form(ui_app: Flask, client_as: Any) -> None:
    client = client_as(ui_app, "user")
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code in (302, 303)
    assert client.get("/").status_code == 302
