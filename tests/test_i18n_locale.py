"""Languages: profile choice, switcher, browser default; per-locale formatting; module catalogs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from core.testing import csrf_token


@pytest.fixture
def ui_app(addons: Any, make_app: Callable[..., Flask]) -> Flask:
    addons("ui")
    return make_app(("uidemo",))


def lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    assert match, "no <html lang>"
    return match.group(1)


def stored_locale(app: Flask, user_id: int) -> str | None:
    from core.extensions import db
    from core.security.models import User

    with app.app_context():
        return db.session.scalar(sa.select(User.locale).where(User.id == user_id))


@pytest.mark.parametrize(
    ("header", "expected", "title"),
    [
        ("de-DE,de;q=0.9,en;q=0.5", "de", "Übersicht"),
        ("zh-CN,zh;q=0.9", "zh-CN", "仪表板"),
        ("zh-TW", "zh-CN", "仪表板"),
        ("fr-FR, en;q=0.4", "en", "Dashboard"),
        ("", "en", "Dashboard"),
    ],
)
def test_browser_language_is_the_default(
    ui_app: Flask, client_as: Any, header: str, expected: str, title: str
) -> None:
    page = client_as(ui_app, "user").get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert lang(page) == expected
    assert f"<h1>{title}</h1>" in page


def test_configured_default_when_the_browser_asks_for_none_we_have(
    addons: Any, make_app: Callable[..., Flask], client_as: Any
) -> None:
    app = make_app((), config={"BABEL_DEFAULT_LOCALE": "de"})
    page = client_as(app, "user").get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert lang(page) == "de" and "<h1>Übersicht</h1>" in page


def test_profile_choice_wins_over_the_browser(ui_app: Flask, client_as: Any) -> None:
    client = client_as(ui_app, "user")
    german = {"Accept-Language": "de"}
    response = client.post(
        "/profile", data={"locale": "zh_CN", "timezone": "", "csrf_token": csrf_token(client, "/profile")},
        headers=german,
    )
    assert response.status_code == 302
    assert stored_locale(ui_app, client.user.id) == "zh_CN"
    page = client.get("/profile", headers=german).get_data(as_text=True)
    assert lang(page) == "zh-CN"
    assert "<h1>个人资料</h1>" in page
    assert "已保存" in page  # the confirmation flash, in the new language

    # back to "as my browser prefers"
    client.post("/profile", data={"locale": "", "csrf_token": csrf_token(client, "/profile")})
    assert stored_locale(ui_app, client.user.id) is None
    assert lang(client.get("/", headers=german).get_data(as_text=True)) == "de"


def test_language_switcher_stores_the_choice_and_returns_to_the_page(ui_app: Flask, client_as: Any) -> None:
    client = client_as(ui_app, "user")
    response = client.post(
        "/language", data={"locale": "de", "next": "/uidemo/", "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/uidemo/")
    assert stored_locale(ui_app, client.user.id) == "de"
    page = client.get("/uidemo/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert lang(page) == "de"
    assert "Abmelden" in page  # the user menu's "Log out"


def test_language_switcher_refuses_foreign_redirects_and_unknown_languages(ui_app: Flask, client_as: Any) -> None:
    client = client_as(ui_app, "user")
    token = csrf_token(client, "/")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/language", data={"locale": "de", "next": target, "csrf_token": token})
        assert response.headers["Location"] in ("/", "http://localhost/")
    client.post("/language", data={"locale": "xx", "next": "/", "csrf_token": token})
    assert stored_locale(ui_app, client.user.id) == "de"


def test_anonymous_visitor_switches_the_login_page(ui_app: Flask, make_user: Any) -> None:
    make_user(ui_app, "admin")
    client = ui_app.test_client()
    response = client.post(
        "/language", data={"locale": "zh_CN", "next": "/login", "csrf_token": csrf_token(client, "/login")}
    )
    assert response.status_code == 302
    assert lang(client.get("/login").get_data(as_text=True)) == "zh-CN"


def test_language_forms_need_the_csrf_token(ui_app: Flask, client_as: Any) -> None:
    client = client_as(ui_app, "user")
    assert client.post("/profile", data={"locale": "de"}).status_code == 400
    assert client.post("/language", data={"locale": "de"}).status_code == 400
    assert stored_locale(ui_app, client.user.id) is None


def test_profile_rejects_an_unknown_language(ui_app: Flask, client_as: Any) -> None:
    client = client_as(ui_app, "user")
    response = client.post("/profile", data={"locale": "xx", "csrf_token": csrf_token(client, "/profile")})
    assert response.status_code == 422 and "Unknown language." in response.get_data(as_text=True)


def test_profile_needs_a_login(ui_app: Flask, make_user: Any) -> None:
    make_user(ui_app, "admin")
    response = ui_app.test_client().get("/profile")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    ("header", "total", "price", "day"),
    [
        ("en", "1,234,567.5", "€1,234.50", "Mar 9, 2024"),
        ("de", "1.234.567,5", "1.234,50\xa0€", "09.03.2024"),
        ("zh-CN", "1,234,567.5", "€1,234.50", "2024年3月9日"),
    ],
)
def test_numbers_currency_and_dates_follow_the_language(
    ui_app: Flask, client_as: Any, header: str, total: str, price: str, day: str
) -> None:
    page = client_as(ui_app, "user").get("/uidemo/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<p class="total">{total}</p>' in page
    assert f'<p class="price">{price}</p>' in page
    assert f'<p class="day">{day}</p>' in page


def test_module_catalogs_are_merged_with_cores(ui_app: Flask, client_as: Any) -> None:
    client = client_as(ui_app, "user")
    german = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "<summary>Apparate</summary>" in german and "Alle Apparate" in german  # the module's catalog
    assert "Abmelden" in german  # core's catalog
    chinese = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "<summary>小工具</summary>" in chinese and "退出登录" in chinese


def test_catalogs_are_not_shared_between_apps(
    addons: Any, make_app: Callable[..., Flask], client_as: Any
) -> None:
    """An app without the module, asked first, must not hide the module's catalog from the next app."""
    bare = make_app(())
    assert lang(client_as(bare, "user").get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)) == "de"
    addons("ui")
    full = make_app(("uidemo",))
    page = client_as(full, "user").get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "<summary>Apparate</summary>" in page


def test_toolkit_formatting_outside_templates(ui_app: Flask) -> None:
    from decimal import Decimal

    from core import toolkit

    with ui_app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert toolkit.format_number(1234.5) == "1.234,5"
        assert toolkit.format_currency(Decimal("3.5"), "USD") == "3,50\xa0$"
        assert toolkit.format_number(None) == ""
