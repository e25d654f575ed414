"""The win model on the database: retrain job (holdout AUC, stored params, learned_probability of open deals),
the model page and who may retrain."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from core import toolkit
from core.toolkit import sa


def _pairs(stmt):
    return {key: value for key, value in toolkit.db.session.execute(stmt)}


@pytest.fixture
def history(sales_app, sales):
    """60 closed deals over 60 days (partners mostly win, telesales mostly lose) and 3 open ones."""
    from modules.sales.pipeline.models import Opportunity, StageHistory

    info = sales.pipeline()
    stages = info["stages"]
    customer = sales.company("Acme")
    rnd = random.Random(3)
    now = datetime.utcnow().replace(microsecond=0)
    with sales_app.app_context():
        session = toolkit.db.session
        for i in range(60):
            channel = "partner" if i % 2 else "telesales"
            won = rnd.random() < (0.85 if channel == "partner" else 0.15)
            closed = now - timedelta(days=60 - i)
            last = "Won" if won else "Lost"
            opp = Opportunity(name=f"Deal {i}", pipeline_id=info["id"], stage_id=stages[last], company_id=customer,
                              amount=Decimal(1000 + i), currency="EUR", status="won" if won else "lost",
                              closed_at=closed, created_at=closed - timedelta(days=10), channel=channel,
                              lost_reason=None if won else "Price", stage_entered_at=closed)
            session.add(opp)
            session.flush()
            session.add(StageHistory(opportunity_id=opp.id, from_stage_id=stages["Proposal"],
                                     to_stage_id=stages[last], changed_at=closed))
        opens = {}
        for channel in ("partner", "telesales", "web"):
            opp = Opportunity(name=f"Open {channel}", pipeline_id=info["id"], stage_id=stages["Proposal"],
                              company_id=customer, amount=Decimal("1030"), currency="EUR", status="open",
                              channel=channel, stage_entered_at=now, version=1)
            session.add(opp)
            session.flush()
            opens[channel] = opp.id
        session.commit()
    sales_app.opens = opens  # type: ignore[attr-defined]
    sales_app.now = now  # type: ignore[attr-defined]
    return sales_app


def test_retrain_stores_the_model_and_scores_open_opportunities(history):
    from modules.sales.analytics.learning import current, retrain
    from modules.sales.analytics.winmodel import WinModel
    from modules.sales.pipeline.models import Opportunity

    with history.app_context():
        versions = _pairs(sa.select(Opportunity.id, Opportunity.version).where(Opportunity.status == "open"))
        result = retrain(user_id=None)
        assert result["sample_size"] == 60 and result["predicted"] == 3
        assert result["holdout_size"] == 12  # the latest 20 % closed
        assert result["auc"] is not None and result["auc"] > 0.75  # channel is the signal
        run = current()
        assert (run.won + run.lost, run.auc) == (60, result["auc"])
        model = WinModel.from_json(run.params)
        assert model.won + model.lost == 60
        learned = _pairs(sa.select(Opportunity.channel, Opportunity.learned_probability)
                         .where(Opportunity.status == "open"))
        assert learned["partner"] > learned["web"] > learned["telesales"]
        assert all(Decimal("0") < v < Decimal("100") for v in learned.values())
        # the stored figure is the model's prediction, in percent with two decimals
        opp = toolkit.db.session.get(Opportunity, history.opens["partner"])
        sample = {"stage": opp.stage_id, "channel": "partner", "amount": Decimal("1030"), "source": None,
                  "tier": "standard", "owner": None}
        assert learned["partner"] == Decimal(f"{model.predict(sample) * 100:.2f}")
        # derived data: no new version, so nobody's open form conflicts
        after = _pairs(sa.select(Opportunity.id, Opportunity.version).where(Opportunity.status == "open"))
        assert after == versions


def test_time_based_holdout_auc_trains_before_and_judges_after(history):
    from modules.sales.analytics.learning import holdout_auc

    with history.app_context():
        cutoff = history.now - timedelta(days=15)
        score, trained, judged = holdout_auc(cutoff)
    assert trained + judged == 60 and judged == 15
    assert score is not None and score > 0.75


def test_retrain_without_closed_deals_stores_an_empty_model(sales_app):
    from modules.sales.analytics.learning import retrain

    with sales_app.app_context():
        result = retrain()
    assert result == {"sample_size": 0, "auc": None, "holdout_size": 0, "predicted": 0,
                      "seconds": result["seconds"]}


def test_model_page_and_retrain_button_need_the_permission(history, client_as):
    from modules.sales.analytics.tables import WinModelRun

    manager = client_as(history, "manager")
    page = manager.get("/sales/analytics/win-model")
    assert page.status_code == 200 and "has not been trained yet" in page.get_data(as_text=True)
    from core.testing import csrf_token

    token = csrf_token(manager, "/sales/analytics/win-model")
    answer = manager.post("/sales/analytics/win-model/retrain", data={"csrf_token": token})
    assert answer.status_code == 302
    with history.app_context():  # the job ran (eagerly in tests) as the manager
        run = toolkit.db.session.scalars(sa.select(WinModelRun)).one()
        assert run.trained_by_id == manager.user.id and run.sample_size == 60
    html = manager.get("/sales/analytics/win-model").get_data(as_text=True)
    assert "Channel" in html and "Closed opportunities learnt from" in html

    rep = client_as(history, "user")
    assert rep.get("/sales/analytics/win-model").status_code == 403
    assert rep.post("/sales/analytics/win-model/retrain",
                    data={"csrf_token": csrf_token(rep, "/")}).status_code == 403
    with history.app_context():
        assert toolkit.db.session.scalar(sa.select(sa.func.count()).select_from(WinModelRun)) == 1


def test_retrain_and_refresh_are_scheduled_tasks(sales_app):
    registry = sales_app.extensions["crm"].registry
    assert "sales.retrain_win_model" in registry.tasks and "sales.refresh_kpis" in registry.tasks
    schedules = {s.task: s for s in registry.schedules.values()}
    assert schedules["sales.retrain_win_model"].crontab == "30 2 * * 0"
    assert schedules["sales.refresh_kpis"].crontab == "15 * * * *"


def test_a_deal_created_already_won_does_not_teach_the_closing_stage(sales_app, sales):
    """Created straight in "Won" (history: none -> Won): its stage reached is "not known", not "Won"."""
    from modules.sales.analytics.learning import closed_before, train_on

    sales.opportunity("Walk-in", stage="Won")
    sales.opportunity("Gone", stage="Lost", lost_reason="Price")
    with sales_app.app_context():
        model = train_on(closed_before())
    assert model.counts["stage"] == {"": [1, 1]}
