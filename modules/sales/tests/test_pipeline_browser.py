"""The sales kanban in a real browser: cards dragged with the mouse (SortableJS) against a real server process.

Headless Chromium (Debian's) opens the default "Sales" pipeline as a sales
manager and drags cards between columns with real pointer moves; the column
counts and totals on the page, the stored stage and the stage history are
checked afterwards. Without Chromium the tests skip.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from decimal import Decimal
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
from modules.sales.tests.conftest import SALES_MODULES, SalesHelper

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Chromium is not installed (make browser)", allow_module_level=True)

BROWSER_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
#: wide enough for all six columns of the default pipeline (15rem each) without scrolling sideways
VIEWPORT = {"width": 1600, "height": 1000}


@pytest.fixture
def board_site(tmp_path: Path, crm_template_cache: TemplateCache) -> Iterator[dict[str, Any]]:
    """A server process on a fresh database (contacts, products, sales) with a manager and three open deals."""
    from core.app import create_app

    url = create_database(crm_template_cache.get(SALES_MODULES, False), folder=tmp_path)
    config = {**base_config(url, tmp_path), "TESTING": False}
    app = create_app(config)
    manager = create_user(app, "manager", department="Field sales", name="Ada Byron")
    sales = SalesHelper(app)
    pipeline = sales.pipeline("Sales")
    deals = {
        name: sales.opportunity(name, amount=amount, stage="New", owner_id=manager.id,
                                department_id=manager.department_id)
        for name, amount in (("Boiler retrofit", "1000.00"), ("Roof panels", "2500.50"), ("Heat pump", "400.00"))
    }
    dispose(app)
    try:
        with live_server_process(config, tmp_path) as base:
            yield {"base": base, "email": manager.email, "password": manager.password, "app": app,
                   "sales": sales, "pipeline": pipeline, "deals": deals}
    finally:
        dispose(app)
        drop_database(url)


@pytest.fixture
def page(board_site: dict[str, Any]) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_FLAGS, headless=True)
        page = browser.new_context(locale="en-US", viewport=VIEWPORT).new_page()
        page.set_default_timeout(15_000)
        try:
            base = board_site["base"]
            page.goto(base + "/login")
            page.fill("input[name=email]", board_site["email"])
            page.fill("input[name=password]", board_site["password"])
            page.locator("main form button[type=submit]").first.click()
            page.wait_for_url(base + "/")
            page.goto(f"{base}/sales/pipelines/{board_site['pipeline']['id']}/kanban")
            yield page
        finally:
            browser.close()


def column(page: Any, stage_id: int) -> Any:
    return page.locator(f".kanban-column[data-stage-id='{stage_id}']")


def sums(page: Any, stage_id: int) -> tuple[int, str]:
    col = column(page, stage_id)
    return int(col.locator("[data-count]").inner_text()), col.locator("[data-total]").inner_text().strip()


def card_names(page: Any, stage_id: int) -> list[str]:
    return column(page, stage_id).locator(".kanban-card .kanban-card-title").all_inner_texts()


def drag(page: Any, card: Any, target: Any) -> None:
    """Press on the card's text (not its link or form), move onto ``target`` in steps, hover, and let go.

    SortableJS ignores drag-overs for 30 ms after each reordering it makes on the way, so the pointer
    rests over the target as a hand would before the button is released.
    """
    grip = card.locator(".kanban-card-customer").bounding_box()
    box = target.bounding_box()
    x, y = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
    to_x, to_y = box["x"] + box["width"] / 2, box["y"] + 20
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 8, y + 8, steps=4)  # past the start threshold
    page.mouse.move(to_x, to_y, steps=20)
    page.wait_for_timeout(120)
    page.mouse.move(to_x + 4, to_y + 4, steps=4)
    page.wait_for_timeout(120)
    page.mouse.up()


def history_rows(site: dict[str, Any], opp_id: int) -> list[tuple[int | None, int | None]]:
    from core import toolkit
    from modules.sales.pipeline.models import StageHistory

    with site["app"].app_context():
        rows = toolkit.db.session.execute(
            toolkit.sa.select(StageHistory.from_stage_id, StageHistory.to_stage_id)
            .where(StageHistory.opportunity_id == opp_id).order_by(StageHistory.id)
        ).all()
    dispose(site["app"])  # no idle connection left to the server's SQLite file
    return [tuple(r) for r in rows]


def stored(site: dict[str, Any], opp_id: int) -> Any:
    opp = site["sales"].get(opp_id)
    dispose(site["app"])
    return opp


def test_dragging_a_card_to_qualified_moves_it_and_updates_the_columns(page: Any, board_site: dict[str, Any]) -> None:
    stages = board_site["pipeline"]["stages"]
    new, qualified = stages["New"], stages["Qualified"]
    deal = board_site["deals"]["Roof panels"]
    page.wait_for_function("() => !!window.Sortable")
    assert sums(page, new) == (3, "€3,900.50")
    assert sums(page, qualified) == (0, "€0.00")
    before = stored(board_site, deal)

    card = column(page, new).locator(f".kanban-card[data-id='{deal}']")
    with page.expect_response(f"**/sales/opportunities/{deal}/move") as answer:
        drag(page, card, column(page, qualified).locator(".kanban-cards"))
    assert answer.value.status == 200
    page.wait_for_function("id => document.querySelector(`.kanban-column[data-stage-id='${id}'] [data-count]`)"
                           ".textContent.trim() === '1'", arg=qualified)
    assert sums(page, new) == (2, "€1,400.00")
    assert sums(page, qualified) == (1, "€2,500.50")
    assert card_names(page, qualified) == ["Roof panels"]
    assert "Roof panels moved." in page.locator("#kanban-status").inner_text()
    # the card now carries the new version and its plain form the new stage
    moved = column(page, qualified).locator(f".kanban-card[data-id='{deal}']")
    assert moved.get_attribute("data-version") == str(before.version + 1)
    assert moved.locator("select[name=stage_id]").input_value() == str(qualified)

    # stored: the stage, its probability, one more history row
    opp = stored(board_site, deal)
    assert (opp.stage_id, opp.status, opp.version) == (qualified, "open", before.version + 1)
    assert opp.probability == 25 and opp.amount == Decimal("2500.50")
    assert history_rows(board_site, deal) == [(None, new), (new, qualified)]
    for other in ("Boiler retrofit", "Heat pump"):
        assert stored(board_site, board_site["deals"][other]).stage_id == new

    # the server renders the same figures after a reload
    page.reload()
    assert sums(page, new) == (2, "€1,400.00")
    assert sums(page, qualified) == (1, "€2,500.50")
    assert sorted(card_names(page, new)) == ["Boiler retrofit", "Heat pump"]


def test_dropping_on_lost_needs_a_reason(page: Any, board_site: dict[str, Any]) -> None:
    stages = board_site["pipeline"]["stages"]
    new, lost = stages["New"], stages["Lost"]
    deal = board_site["deals"]["Boiler retrofit"]
    page.wait_for_function("() => !!window.Sortable")
    before = stored(board_site, deal)
    lost_cards = column(page, lost).locator(".kanban-cards")
    prompts: list[str] = []

    # OK on an empty prompt: the server refuses, the card goes back, the message shows
    def answer_empty(dialog: Any) -> None:
        prompts.append(dialog.message)
        dialog.accept("")

    page.once("dialog", answer_empty)
    with page.expect_response(f"**/sales/opportunities/{deal}/move") as answer:
        drag(page, column(page, new).locator(f".kanban-card[data-id='{deal}']"), lost_cards)
    assert answer.value.status == 422
    assert prompts == ["Why was it lost?"]
    status = page.locator("#kanban-status")
    page.wait_for_function("() => document.getElementById('kanban-status').textContent.trim() !== ''")
    assert status.inner_text() == "Give the reason why the opportunity was lost."
    assert "flash-error" in (status.get_attribute("class") or "")
    assert sorted(card_names(page, new)) == ["Boiler retrofit", "Heat pump", "Roof panels"]
    assert card_names(page, lost) == []
    assert sums(page, new) == (3, "€3,900.50") and sums(page, lost) == (0, "€0.00")
    opp = stored(board_site, deal)
    assert (opp.stage_id, opp.status, opp.version, opp.lost_reason) == (new, "open", before.version, None)
    assert history_rows(board_site, deal) == [(None, new)]

    # Cancel: nothing is sent, the card goes back
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url) if "/move" in request.url else None)
    page.once("dialog", lambda dialog: dialog.dismiss())
    drag(page, column(page, new).locator(f".kanban-card[data-id='{deal}']"), lost_cards)
    page.wait_for_timeout(300)
    assert requests == []
    assert card_names(page, lost) == [] and len(card_names(page, new)) == 3
    assert stored(board_site, deal).version == before.version

    # with a reason: lost, the reason stored, the card without its move form
    page.once("dialog", lambda dialog: dialog.accept("Went with a cheaper installer"))
    with page.expect_response(f"**/sales/opportunities/{deal}/move") as answer:
        drag(page, column(page, new).locator(f".kanban-card[data-id='{deal}']"), lost_cards)
    assert answer.value.status == 200
    page.wait_for_function("() => document.getElementById('kanban-status').textContent.includes('is lost')")
    assert status.inner_text() == "Boiler retrofit is lost."
    assert card_names(page, lost) == ["Boiler retrofit"]
    assert sums(page, lost) == (1, "€1,000.00") and sums(page, new) == (2, "€2,900.50")
    assert column(page, lost).locator(f".kanban-card[data-id='{deal}'] form.kanban-move").count() == 0
    opp = stored(board_site, deal)
    assert (opp.stage_id, opp.status, opp.lost_reason) == (lost, "lost", "Went with a cheaper installer")
    assert opp.closed_at is not None and opp.probability == 0
    assert history_rows(board_site, deal) == [(None, new), (new, lost)]
    page.reload()
    assert sums(page, lost) == (1, "€1,000.00") and card_names(page, lost) == ["Boiler retrofit"]
