"""The kanban: column counts and totals, first cards and "load more", moves by drag and drop (JSON) and by the
card's plain form, refusals (closed opportunity, lost without reason, stale version) that write nothing,
won/lost status with their events, and a query count that does not grow with the cards."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask

from core import toolkit
from core.testing import csrf_token, sql_statements
from modules.sales.pipeline.models import Opportunity, StageHistory


def columns(html: str) -> dict[str, tuple[int, str, int]]:
    """``{stage name: (count, total text, number of cards shown)}`` read from the board's HTML."""
    found = {}
    for part in html.split('<section class="kanban-column')[1:]:
        name = re.search(r"<h2 id=\"stage-\d+\">([^<]+)</h2>", part).group(1)
        count = int(re.search(r"data-count>(\d+)<", part).group(1))
        total = re.search(r"data-total>([^<]+)<", part).group(1)
        found[name] = (count, total, len(re.findall(r'class="kanban-card[^"]*" data-id=', part)))
    return found


def board(client: Any, pipeline_id: int) -> str:
    response = client.get(f"/sales/pipelines/{pipeline_id}/kanban")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def move(client: Any, opp_id: int, stage_id: int, *, version: int, js: bool = True, **extra: Any) -> Any:
    data = {"csrf_token": csrf_token(client, "/sales/opportunities/"), "stage_id": str(stage_id),
            "version": str(version), **{k: str(v) for k, v in extra.items()}}
    headers = {"X-Requested-With": "fetch", "Accept": "application/json"} if js else {}
    return client.post(f"/sales/opportunities/{opp_id}/move", data=data, headers=headers)


def test_columns_show_count_and_total_of_what_they_hold(sales_app: Flask, sales: Any, client_as: Any) -> None:
    p = sales.pipeline()
    for amount in ("100.00", "250.50"):
        sales.opportunity("New deal", amount=amount, stage="New")
    sales.opportunity("Proposal deal", amount="1000", stage="Proposal")
    sales.opportunity("Won deal", amount="40", stage="Won")
    sales.opportunity("Lost deal", amount="70", stage="Lost", lost_reason="Price")
    old = sales.opportunity("Won long ago", amount="999", stage="Won")
    with sales_app.app_context():  # closed 90 days ago: not on the board
        toolkit.db.session.get(Opportunity, old).closed_at = toolkit.utcnow() - timedelta(days=90)
        toolkit.db.session.commit()
    cols = columns(board(client_as(sales_app, "admin"), p["id"]))
    assert cols["New"][0] == 2 and "350.50" in cols["New"][1] and cols["New"][2] == 2
    assert cols["Qualified"][:1] == (0,)
    assert cols["Proposal"][0] == 1 and "1,000.00" in cols["Proposal"][1]
    assert cols["Won"][0] == 1 and "40.00" in cols["Won"][1]
    assert cols["Lost"][0] == 1 and "70.00" in cols["Lost"][1]


def test_first_twenty_cards_then_load_more(sales_app: Flask, sales: Any, client_as: Any) -> None:
    p = sales.pipeline()
    company = sales.company("Bulk buyer")
    ids = [sales.opportunity(f"Deal {i:02d}", amount="10", stage="New", company_id=company) for i in range(25)]
    client = client_as(sales_app, "admin")
    html = board(client, p["id"])
    assert columns(html)["New"][0] == 25 and columns(html)["New"][2] == 20
    more = re.search(r'hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
    rest = client.get(more, headers={"HX-Request": "true"}).get_data(as_text=True)
    shown = set(map(int, re.findall(r'class="kanban-card[^"]*" data-id="(\d+)"', html + rest)))
    assert shown == set(ids)
    assert "hx-get" not in rest
    assert "<html" not in rest
    assert "<html" in client.get(more).get_data(as_text=True)  # without JavaScript: a page of its own


def test_drag_and_drop_move_writes_history_and_returns_new_column_totals(
    sales_app: Flask, sales: Any, client_as: Any
) -> None:
    p = sales.pipeline()
    opp_id = sales.opportunity("Moving deal", amount="300", stage="New")
    neighbour = sales.opportunity("Neighbour", amount="5", stage="Qualified")
    with sales_app.app_context():
        row = toolkit.db.session.get(Opportunity, opp_id)
        row.stage_entered_at = toolkit.utcnow() - timedelta(hours=5)
        toolkit.db.session.commit()
    client = client_as(sales_app, "admin")
    version = sales.get(opp_id).version
    response = move(client, opp_id, p["stages"]["Qualified"], version=version, below_id=neighbour)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["ok"] and body["status"] == "open" and body["probability"] == 25
    assert body["columns"][str(p["stages"]["Qualified"])]["count"] == 2
    assert body["columns"][str(p["stages"]["New"])]["count"] == 0
    opp = sales.get(opp_id)
    assert opp.stage_id == p["stages"]["Qualified"] and opp.weighted_amount == Decimal("75.00")
    assert opp.kanban_rank < sales.get(neighbour).kanban_rank  # dropped above its neighbour
    with sales_app.app_context():
        last = toolkit.db.session.scalars(sa.select(StageHistory).where(StageHistory.opportunity_id == opp_id)
                                          .order_by(StageHistory.id.desc())).first()
        assert (last.from_stage_id, last.to_stage_id) == (p["stages"]["New"], p["stages"]["Qualified"])
        assert 5 * 3600 <= last.seconds_in_from_stage < 5 * 3600 + 120
        assert last.changed_by_id == client.user.id


def test_card_form_moves_without_javascript(sales_app: Flask, sales: Any, client_as: Any) -> None:
    p = sales.pipeline()
    opp_id = sales.opportunity("Plain form deal", stage="New")
    client = client_as(sales_app, "admin")
    html = board(client, p["id"])
    assert f'action="/sales/opportunities/{opp_id}/move"' in html and 'name="stage_id"' in html
    response = move(client, opp_id, p["stages"]["Negotiation"], version=sales.get(opp_id).version, js=False,
                    next=f"/sales/pipelines/{p['id']}/kanban")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/sales/pipelines/{p['id']}/kanban")
    assert sales.get(opp_id).stage_id == p["stages"]["Negotiation"]
    assert "moved" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_moving_into_won_closes_and_publishes(sales_app: Flask, sales: Any, client_as: Any, sales_events: Any) -> None:
    p = sales.pipeline()
    opp_id = sales.opportunity("Winner", amount="800", stage="Negotiation")
    client = client_as(sales_app, "admin")
    response = move(client, opp_id, p["stages"]["Won"], version=sales.get(opp_id).version)
    assert response.status_code == 200
    opp = sales.get(opp_id)
    assert (opp.status, opp.probability, opp.weighted_amount) == ("won", 100, Decimal("800.00"))
    assert opp.closed_at is not None
    won = [e for e in sales_events.events if e.name == "opportunity.won"]
    assert len(won) == 1 and won[0].payload["id"] == opp_id and won[0].payload["amount"] == "800.00"


def test_closed_opportunity_cannot_move_and_nothing_is_written(
    sales_app: Flask, sales: Any, client_as: Any, sales_events: Any
) -> None:
    p = sales.pipeline()
    opp_id = sales.opportunity("Done deal", stage="Won")
    sales_events.events.clear()
    before = sales.get(opp_id)
    history = sales.count(StageHistory, StageHistory.opportunity_id == opp_id)
    client = client_as(sales_app, "admin")
    response = move(client, opp_id, p["stages"]["New"], version=before.version)
    assert response.status_code == 409
    assert "won or lost opportunity cannot be moved" in response.get_json()["message"]
    plain = move(client, opp_id, p["stages"]["New"], version=before.version, js=False)
    assert plain.status_code == 302
    assert "cannot be moved" in client.get(plain.headers["Location"]).get_data(as_text=True)
    after = sales.get(opp_id)
    assert (after.stage_id, after.status, after.version) == (before.stage_id, "won", before.version)
    assert sales.count(StageHistory, StageHistory.opportunity_id == opp_id) == history
    assert [n for n in sales_events.names() if n.startswith("opportunity.")] == []


def test_lost_needs_a_reason(sales_app: Flask, sales: Any, client_as: Any, sales_events: Any) -> None:
    p = sales.pipeline()
    opp_id = sales.opportunity("Shaky deal", stage="Proposal")
    client = client_as(sales_app, "admin")
    version = sales.get(opp_id).version
    refused = move(client, opp_id, p["stages"]["Lost"], version=version)
    assert refused.status_code == 422 and refused.get_json()["field"] == "lost_reason"
    assert sales.get(opp_id).status == "open" and sales.get(opp_id).version == version
    done = move(client, opp_id, p["stages"]["Lost"], version=version, lost_reason="Went with a competitor")
    assert done.status_code == 200
    opp = sales.get(opp_id)
    assert (opp.status, opp.lost_reason, opp.probability) == ("lost", "Went with a competitor", 0)
    assert opp.closed_at is not None
    assert [n for n in sales_events.names() if n.startswith("opportunity.")] == ["opportunity.lost"]


def test_stale_version_is_a_conflict_not_an_overwrite(sales_app: Flask, sales: Any, client_as: Any) -> None:
    p = sales.pipeline()
    opp_id = sales.opportunity("Contested", stage="New")
    client = client_as(sales_app, "admin")
    stale = sales.get(opp_id).version
    assert move(client, opp_id, p["stages"]["Qualified"], version=stale).status_code == 200
    second = move(client, opp_id, p["stages"]["Proposal"], version=stale)
    assert second.status_code == 409 and second.get_json()["field"] == "version"
    assert sales.get(opp_id).stage_id == p["stages"]["Qualified"]


def test_a_user_moves_only_own_opportunities(sales_app: Flask, sales: Any, client_as: Any) -> None:
    p = sales.pipeline()
    client = client_as(sales_app, "user")
    mine = sales.opportunity("Mine", stage="New", owner_id=client.user.id)
    theirs = sales.opportunity("Theirs", stage="New")
    html = board(client, p["id"])
    assert "Mine" in html and "Theirs" not in html
    assert columns(html)["New"][0] == 1
    assert move(client, theirs, p["stages"]["Qualified"], version=1).status_code == 404
    assert move(client, mine, p["stages"]["Qualified"], version=sales.get(mine).version).status_code == 200


def _count_statements(app: Flask, client: Any, url: str) -> int:
    with sql_statements(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_kanban_query_count_does_not_grow_with_cards(sales_app: Flask, sales: Any, client_as: Any) -> None:
    p = sales.pipeline()
    client = client_as(sales_app, "user")
    company = sales.company("Many deals")
    for stage in ("New", "Qualified", "Won"):
        sales.opportunity(f"First {stage}", stage=stage, owner_id=client.user.id, company_id=company)
    url = f"/sales/pipelines/{p['id']}/kanban"
    few = _count_statements(sales_app, client, url)
    for i in range(30):
        stage = ("New", "Qualified", "Proposal", "Won")[i % 4]
        sales.opportunity(f"More {i}", stage=stage, owner_id=client.user.id, company_id=sales.company(f"C{i}"))
    many = _count_statements(sales_app, client, url)
    assert many == few
