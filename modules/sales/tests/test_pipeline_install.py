"""Installing sales (with contacts and products) creates its tables and the default "Sales" pipeline."""

from __future__ import annotations

from decimal import Decimal

from core import toolkit


def test_install_gives_the_default_pipeline_with_its_stages(sales_app, sales):
    info = sales.pipeline()
    assert info["name"] == "Sales"
    assert list(info["stages"]) == ["New", "Qualified", "Proposal", "Negotiation", "Won", "Lost"]
    from modules.sales.pipeline.models import Stage

    with sales_app.app_context():
        rows = {s.name: s for s in toolkit.db.session.scalars(toolkit.sa.select(Stage))}
        assert (rows["Proposal"].probability, rows["Proposal"].forecast_category) == (50, "best_case")
        assert rows["Won"].is_won and not rows["Won"].is_lost and rows["Won"].probability == 100
        assert rows["Lost"].is_lost and rows["Lost"].probability == 0


def test_new_opportunity_takes_probability_and_weighted_amount_from_its_stage(sales):
    opp_id = sales.opportunity("Fleet renewal", amount="1234.50", stage="Negotiation")
    opp = sales.get(opp_id)
    assert (opp.status, opp.probability, opp.weighted_amount) == ("open", 75, Decimal("925.88"))
    from modules.sales.pipeline.models import StageHistory

    assert sales.count(StageHistory, StageHistory.opportunity_id == opp_id) == 1
