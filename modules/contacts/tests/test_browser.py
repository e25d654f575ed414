"""The contacts pages in a real browser: headless Chromium (Debian's) against a real server process.

Logs in, creates a company and a contact at it, finds the contact with the
list search and the global search, and switches the language to German.
Chromium comes from Debian (``make browser``); without it the test skips.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.testing import (
    TemplateCache,
    base_config,
    create_database,
    create_user,
    dispose,
    drop_database,
    live_server_process,
)

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (make browser)", allow_module_level=True)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
@pytest.fixture
def live_server(tmp_path: Path, crm_template_cache: TemplateCache) -> Iterator[dict[str, str]]:
    """A server process (Werkzeug, 127.0.0.1, free port) on a fresh database with contacts installed."""
    from core.app import create_app

    url = create_database(crm_template_cache.get(("contacts",), False), folder=tmp_path)
    # a German installation: national numbers typed without +49 are German
    config = {**base_config(url, tmp_path), "TESTING": False, "CRM_CONTACTS_PHONE_REGION": "DE"}
    app = create_app(config)
    admin = create_user(app, "admin", name="Grace Hopper")
    dispose(app)
    try:
        with live_server_process(config, tmp_path) as base:
            yield {"base": base, "email": admin.email, "password": admin.password}
    finally:
        drop_database(url)


@pytest.fixture
def page(live_server: dict[str, str]) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(locale="en-US")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            browser.close()


def test_create_search_and_switch_to_german(page: Any, live_server: dict[str, str]) -> None:
    base = live_server["base"]
    page.goto(base + "/login")
    page.fill("input[name=email]", live_server["email"])
    page.fill("input[name=password]", live_server["password"])
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(base + "/")

    # a company, from the menu
    page.goto(base + "/contacts/companies/")
    page.click("text=New")
    page.fill("#field-name", "Musterfirma GmbH")
    page.fill("#field-phone", "+49 30 1234567")
    page.select_option("#field-tier", "gold")
    page.click("form.record-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/contacts/companies/\d+$"))
    assert page.locator("h1").inner_text() == "Musterfirma GmbH"
    assert "+49301234567" in page.content()

    # a contact working there, with a field error corrected on the way
    page.goto(base + "/contacts/contacts/new")
    page.fill("#field-first_name", "Erika")
    page.fill("#field-last_name", "Mustermann")
    page.fill("#field-mobile", "n/a")
    page.select_option("#field-company_id", label="Musterfirma GmbH")
    page.click("form.record-form button[type=submit]")
    error = page.wait_for_selector("#field-mobile-error")
    assert "is not a phone number" in error.inner_text()
    assert page.locator("#field-first_name").input_value() == "Erika"  # nothing typed is lost
    page.fill("#field-email", "erika.mustermann@example.de")
    page.fill("#field-mobile", "0151 23456789")
    page.fill("#field-country", "DE")
    page.click("form.record-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/contacts/contacts/\d+$"))
    assert page.locator("h1").inner_text() == "Erika Mustermann"
    assert "+4915123456789" in page.content() and "Musterfirma GmbH" in page.content()

    # found by the list search (name prefix, phone as typed) and by the global search box
    page.goto(base + "/contacts/contacts/")
    page.fill("#list-q", "muster")
    page.press("#list-q", "Enter")
    page.wait_for_url("**q=muster*")
    assert page.locator("table.list-table a", has_text="Mustermann").count() == 1
    page.fill("#list-q", "0151 2345")
    page.press("#list-q", "Enter")
    page.wait_for_url("**q=0151*")
    assert page.locator("table.list-table a", has_text="Mustermann").count() == 1
    page.fill("#global-search", "erika.muster")
    page.press("#global-search", "Enter")
    page.wait_for_url("**/search?q=*")
    page.click("text=Erika Mustermann")
    page.wait_for_url(re.compile(r".*/contacts/contacts/\d+$"))

    # German, chosen in the language switcher
    page.goto(base + "/contacts/contacts/")
    page.select_option("#language-select", "de")
    page.wait_for_function("document.documentElement.lang === 'de'")
    assert page.locator("h1").inner_text() == "Kontakte"
    assert "Nachname" in page.locator("table.list-table thead").text_content()
    assert "Kunden" in page.locator("nav").first.text_content()
    page.goto(base + "/contacts/contacts/new")
    assert "Vorname" in page.locator("form.record-form").text_content()
