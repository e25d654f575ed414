"""Training the win model on the database and writing ``learned_probability`` of open opportunities.

``retrain()`` is the ``sales.retrain_win_model`` task (weekly, and on demand
from the model page). It streams the closed opportunities in the order they
were closed: the first 80 % train a model whose AUC is measured on the last
20 % (a time-based holdout: the model is judged on deals that closed after
everything it learned from, as it will be used); a second model counts all of
them and is the one stored and applied. Then every open opportunity gets
``learned_probability`` (percent) in batches of set-based UPDATEs, without
touching ``version`` or ``updated_at``: the figure is derived, and a retrain
must not make someone's open form conflict.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from core import toolkit
from core.toolkit import sa
from modules.sales.analytics.winmodel import WinModel, amount_cuts, auc, empty_model

#: share of the closed opportunities (the latest closed) kept out of training to measure the AUC
HOLDOUT = 0.2
BATCH = 5000
#: rows fetched from the cursor at a time while streaming
FETCH = 10_000


def _models() -> tuple[Any, ...]:
    from modules.contacts.models import Company, Contact
    from modules.sales.pipeline.models import Opportunity, Stage, StageHistory

    return Opportunity, Stage, StageHistory, Company, Contact


def _features_select(closed: bool) -> sa.Select[Any]:
    """id, status, stage reached, channel, source, customer tier, amount, owner (and closed_at)."""
    Opportunity, Stage, StageHistory, Company, Contact = _models()
    stage: Any = Opportunity.stage_id
    if closed:
        closing = sa.select(Stage.id).where(sa.or_(Stage.is_won.is_(True), Stage.is_lost.is_(True)))
        before = (
            sa.select(StageHistory.from_stage_id)
            .where(StageHistory.opportunity_id == Opportunity.id, StageHistory.to_stage_id.in_(closing))
            .order_by(StageHistory.changed_at.desc()).limit(1).scalar_subquery()
        )
        # a deal created directly in a won/lost stage has no stage before it: "not known", never the
        # closing stage itself (that would tell the model the answer)
        current = sa.case((Opportunity.stage_id.in_(closing), None), else_=Opportunity.stage_id)
        stage = sa.func.coalesce(before, current)
    tier = sa.func.coalesce(Company.tier, Contact.tier)
    stmt = (
        sa.select(Opportunity.id, Opportunity.status, stage, Opportunity.channel, Opportunity.source, tier,
                  Opportunity.amount, Opportunity.owner_id)
        .select_from(Opportunity)
        .outerjoin(Company, Company.id == Opportunity.company_id)
        .outerjoin(Contact, Contact.id == Opportunity.contact_id)
    )
    if closed:
        return stmt.where(Opportunity.status.in_(("won", "lost"))).order_by(Opportunity.closed_at, Opportunity.id)
    return stmt.where(Opportunity.status == "open")


def _sample(row: Any) -> dict[str, Any]:
    _id, status, stage, channel, source, tier, amount, owner = row[:8]
    return {"stage": stage, "channel": channel, "source": source, "tier": tier,
            "amount": amount if amount is None or isinstance(amount, Decimal) else Decimal(str(amount)),
            "owner": owner, "won": status == "won"}


def _stream(stmt: sa.Select[Any]) -> Iterator[Any]:
    result = toolkit.db.session.execute(stmt.execution_options(yield_per=FETCH))
    yield from result


def closed_before(cutoff: datetime | None = None, *, after: bool = False) -> sa.Select[Any]:
    """The closed opportunities' features, optionally only those closed before (or from) ``cutoff``."""
    Opportunity = _models()[0]
    stmt = _features_select(closed=True)
    if cutoff is not None:
        stmt = stmt.where(Opportunity.closed_at >= cutoff if after else Opportunity.closed_at < cutoff)
    return stmt


def train_on(stmt: sa.Select[Any]) -> WinModel:
    """A model counted from the rows of ``stmt`` (two passes: amounts for the bands, then the counts)."""
    amounts = [Decimal(str(a)) for a in _amounts(stmt)]
    model = empty_model(amount_cuts(amounts))
    del amounts
    for row in _stream(stmt):
        sample = _sample(row)
        model.add(sample, sample["won"])
    return model


def _amounts(stmt: sa.Select[Any]) -> array:
    Opportunity = _models()[0]
    found = array("d")
    subquery = stmt.with_only_columns(Opportunity.amount).order_by(None)
    for (amount,) in _stream(subquery):
        if amount is not None:
            found.append(float(amount))
    return found


def evaluate(model: WinModel, stmt: sa.Select[Any]) -> tuple[float | None, int]:
    """AUC of ``model`` on the closed rows of ``stmt`` and how many there were."""
    scores: array = array("d")
    labels = bytearray()
    for row in _stream(stmt):
        sample = _sample(row)
        scores.append(model.log_odds(sample))
        labels.append(1 if sample["won"] else 0)
    return auc(scores, [bool(y) for y in labels]), len(labels)


def _cutoff(holdout: float) -> datetime | None:
    """closed_at from which the latest ``holdout`` share of closed opportunities were closed."""
    Opportunity = _models()[0]
    closed = Opportunity.status.in_(("won", "lost"))
    total = toolkit.db.session.scalar(sa.select(sa.func.count()).select_from(Opportunity).where(closed)) or 0
    keep = int(total * holdout)
    if keep < 1 or total - keep < 1:
        return None
    value = toolkit.db.session.scalar(
        sa.select(Opportunity.closed_at).where(closed).order_by(Opportunity.closed_at.desc()).offset(keep - 1).limit(1)
    )
    if value is not None and not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value


def predict_open(model: WinModel) -> int:
    """Write ``learned_probability`` (percent, two decimals) of every open opportunity; returns how many."""
    session = toolkit.db.session
    postgres = session.get_bind().dialect.name == "postgresql"
    batch: list[tuple[int, Decimal]] = []
    written = 0
    rows = list(_stream(_features_select(closed=False)))  # fetched first: the UPDATEs share the connection
    for row in rows:
        percent = Decimal(f"{model.predict(_sample(row)) * 100:.2f}")
        batch.append((row[0], percent))
        if len(batch) >= BATCH:
            written += _write(batch, postgres)
            batch = []
    if batch:
        written += _write(batch, postgres)
    return written


def _write(batch: list[tuple[int, Decimal]], postgres: bool) -> int:
    connection = toolkit.db.session.connection()
    if postgres:
        values = ", ".join(["(%s, %s)"] * len(batch))
        params: list[Any] = []
        for id_, percent in batch:
            params.extend((id_, percent))
        connection.exec_driver_sql(
            "UPDATE sales_opportunity AS o SET learned_probability = v.p "
            f"FROM (VALUES {values}) AS v(id, p) WHERE o.id = v.id",
            tuple(params),
        )
    else:
        connection.exec_driver_sql(
            "UPDATE sales_opportunity SET learned_probability = ? WHERE id = ?",
            [(float(percent), id_) for id_, percent in batch],
        )
    return len(batch)


def retrain(user_id: int | None = None, holdout: float = HOLDOUT, commit: bool = True) -> dict[str, Any]:
    """The ``sales.retrain_win_model`` task: measure, train on everything, store, apply to open deals.

    ``commit=False`` leaves the work in the caller's transaction (the demo data at install)."""
    from modules.sales.analytics.tables import WinModelRun

    started = time.perf_counter()
    cutoff = _cutoff(holdout)
    score, holdout_size = None, 0
    if cutoff is not None:
        trial = train_on(closed_before(cutoff))
        score, holdout_size = evaluate(trial, closed_before(cutoff, after=True))
        del trial
    model = train_on(closed_before())
    predicted = predict_open(model) if model.won + model.lost else 0
    run = WinModelRun(
        trained_at=toolkit.utcnow(), trained_by_id=user_id, sample_size=model.won + model.lost, won=model.won,
        lost=model.lost, holdout_size=holdout_size, cutoff=cutoff, auc=score, predicted=predicted,
        seconds=round(time.perf_counter() - started, 2), params=model.to_json(),
    )
    toolkit.db.session.add(run)
    if commit:
        toolkit.db.session.commit()
    else:
        toolkit.db.session.flush()
    return {"sample_size": run.sample_size, "auc": score, "holdout_size": holdout_size, "predicted": predicted,
            "seconds": run.seconds}


def current() -> Any:
    """The newest stored model run, or None."""
    from modules.sales.analytics.tables import WinModelRun

    return toolkit.db.session.scalar(sa.select(WinModelRun).order_by(WinModelRun.id.desc()).limit(1))


def holdout_auc(cutoff: datetime) -> tuple[float | None, int, int]:
    """(AUC, training size, holdout size) of a model trained on deals closed before ``cutoff``,
    judged on those closed from it (the benchmark's figure)."""
    model = train_on(closed_before(cutoff))
    score, size = evaluate(model, closed_before(cutoff, after=True))
    return score, model.won + model.lost, size
