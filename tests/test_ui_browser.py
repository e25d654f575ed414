"""The layout in a real browser (headless Chromium): phone width, drop-downs, charts, no JavaScript.

Chromium comes from Debian (``make browser``); without it these tests skip.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (make browser)", allow_module_level=True)

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def site(addons: Any, make_app: Callable[..., Flask], make_user: Any) -> Iterator[dict[str, str]]:
    """A live server (a thread on 127.0.0.1) with the UI test module and one manager."""
    addons("ui")
    app = make_app(("uidemo",))
    user = make_user(app, "manager", name="Grace Hopper")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"base": f"http://127.0.0.1:{server.port}", "email": user.email, "password": user.password}
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


def _signed_in(browser: Any, site: dict[str, str], **context: Any) -> Any:
    page = browser.new_context(**context).new_page()
    page.goto(site["base"] + "/login")
    page.fill("input[name=email]", site["email"])
    page.fill("input[name=password]", site["password"])
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(site["base"] + "/")
    return page


def test_phone_menu_opens_and_pages_fit_the_screen(browser: Any, site: dict[str, str]) -> None:
    page = _signed_in(browser, site, viewport=PHONE)
    assert not page.is_visible("nav.main-nav")  # collapsed behind the Menu button
    assert page.is_visible("label.nav-toggle-label")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.click("label.nav-toggle-label")
    assert page.is_visible("nav.main-nav") and page.is_visible("form.search-box")
    page.click("li[data-menu=uidemo] summary")
    page.click("text=Gadget reports")
    page.wait_for_url("**/uidemo/reports")
    # widgets stack in one column at phone width
    page.goto(site["base"] + "/")
    boxes = [page.locator(f"section[data-widget='{key}']").bounding_box() for key in ("uidemo.kpi", "uidemo.chart")]
    assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"]
    assert abs(boxes[0]["x"] - boxes[1]["x"]) < 1


def test_desktop_menu_dropdown_and_chart(browser: Any, site: dict[str, str]) -> None:
    page = _signed_in(browser, site, viewport=DESKTOP)
    assert page.is_visible("nav.main-nav") and not page.is_visible("label.nav-toggle-label")
    assert not page.is_visible("text=Gadget reports")
    page.click("li[data-menu=uidemo] summary")
    assert page.is_visible("text=Gadget reports")
    page.click("h1")  # a click outside closes the drop-down (JavaScript)
    assert not page.is_visible("text=Gadget reports")
    # Chart.js drew the canvas; the table stays for screen readers only
    page.wait_for_function("document.querySelector('canvas[data-chart]').dataset.drawn === '1'")
    assert page.is_visible("section[data-widget='uidemo.chart'] canvas")
    fallback = page.locator("section[data-widget='uidemo.chart'] .chart-table-wrap")
    assert "visually-hidden" in (fallback.get_attribute("class") or "")
    assert fallback.bounding_box()["width"] <= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_everything_works_without_javascript(browser: Any, site: dict[str, str]) -> None:
    page = _signed_in(browser, site, viewport=PHONE, java_script_enabled=False)
    # the phone menu is a checkbox and a label: no script needed
    page.click("label.nav-toggle-label")
    assert page.is_visible("nav.main-nav")
    # the chart's figures are a plain table
    assert page.is_visible("section[data-widget='uidemo.chart'] table")
    assert not page.is_visible("section[data-widget='uidemo.chart'] canvas")
    # the language switcher submits with its button
    page.select_option("#language-select", "de")
    page.click("button.language-submit")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Übersicht"
    assert page.get_attribute("html", "lang") == "de"


def test_drag_and_drop_saves_the_new_order(browser: Any, site: dict[str, str]) -> None:
    from uidemo import plugin  # the test module's in-memory board

    plugin.BOARD.update(todo=["a", "b", "c"], done=[])
    page = _signed_in(browser, site, viewport=DESKTOP)
    page.goto(site["base"] + "/uidemo/board")
    page.wait_for_selector("#col-todo[data-sortable-ready]")
    with page.expect_response("**/uidemo/board/order") as answer:
        page.drag_and_drop("#col-todo li[data-id=c]", "#col-done")
    assert answer.value.status == 204
    assert plugin.BOARD == {"todo": ["a", "b"], "done": ["c"]}
