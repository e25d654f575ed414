"""The kanban board of a pipeline, in a fixed number of queries whatever the number of opportunities.

- one ``GROUP BY stage_id`` gives every column's count and total (index
  ``(pipeline_id, status, stage_id, amount)``);
- one ``UNION ALL`` of per-column ``LIMIT`` subqueries gives the first cards of
  every column (index ``(stage_id, status, kanban_rank, id)``), with customer and
  salesperson names joined in.

Open stages show open opportunities; won and lost stages show those closed in
the last ``CLOSED_DAYS`` days (all-time won deals would bury the board).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from core import toolkit
from core.toolkit import sa
from modules.sales.pipeline.models import Opportunity, Pipeline, Stage

db = toolkit.db

#: cards per column on the first load and per "load more"
PAGE = 20
#: won/lost columns show opportunities closed in this many days
CLOSED_DAYS = 30


@dataclass
class Column:
    stage: Stage
    count: int = 0
    total: Decimal = Decimal("0")
    cards: list[Any] = field(default_factory=list)
    more: bool = False

    @property
    def last(self) -> Any:
        return self.cards[-1] if self.cards else None


def closed_since() -> Any:
    return toolkit.utcnow() - timedelta(days=CLOSED_DAYS)


def _column_filter(stage: Stage) -> Any:
    """Which opportunities a column shows (open ones, or recently closed ones in a closed stage)."""
    if stage.closed:
        status = "won" if stage.is_won else "lost"
        return sa.and_(Opportunity.status == status, Opportunity.closed_at >= closed_since())
    return Opportunity.status == "open"


def _card_select(stage: Stage) -> sa.Select[Any]:
    from modules.contacts.models import Company, Contact

    User = toolkit.User
    stmt = (
        sa.select(
            Opportunity.id, Opportunity.name, Opportunity.stage_id, Opportunity.amount, Opportunity.currency,
            Opportunity.expected_close, Opportunity.probability, Opportunity.priority, Opportunity.status,
            Opportunity.version, Opportunity.kanban_rank, Opportunity.next_step, Opportunity.next_step_date,
            Company.name.label("company_name"), Contact.first_name.label("contact_first"),
            Contact.last_name.label("contact_last"), User.name.label("owner_name"),
        )
        .select_from(Opportunity)
        .outerjoin(Company, Company.id == Opportunity.company_id)
        .outerjoin(Contact, Contact.id == Opportunity.contact_id)
        .outerjoin(User, User.id == Opportunity.owner_id)
        .where(Opportunity.stage_id == stage.id, _column_filter(stage))
    )
    return toolkit.scope(stmt, "sales.opportunity")


def _ordered(stmt: sa.Select[Any], stage: Stage, after: tuple[float, int] | None) -> sa.Select[Any]:
    if after is not None:
        rank, last_id = after
        stmt = stmt.where(sa.or_(
            Opportunity.kanban_rank > rank, sa.and_(Opportunity.kanban_rank == rank, Opportunity.id > last_id)
        ))
    return stmt.order_by(Opportunity.kanban_rank, Opportunity.id).limit(PAGE + 1)


def aggregates(pipeline_id: int, stages: list[Stage]) -> dict[int, tuple[int, Decimal]]:
    """``{stage_id: (count, total amount)}`` of what each column shows, in one statement."""
    open_ids = [s.id for s in stages if not s.closed]
    closed = [s for s in stages if s.closed]
    parts = []
    base = sa.select(Opportunity.stage_id, sa.func.count().label("n"),
                     sa.func.coalesce(sa.func.sum(Opportunity.amount), 0).label("total"))
    if open_ids:
        parts.append(toolkit.scope(
            base.where(Opportunity.pipeline_id == pipeline_id, Opportunity.status == "open"),
            "sales.opportunity",
        ).group_by(Opportunity.stage_id))
    if closed:
        since = closed_since()
        parts.append(toolkit.scope(
            base.where(Opportunity.stage_id.in_([s.id for s in closed]),
                       Opportunity.status.in_(("won", "lost")), Opportunity.closed_at >= since),
            "sales.opportunity",
        ).group_by(Opportunity.stage_id))
    if not parts:
        return {}
    stmt = parts[0] if len(parts) == 1 else sa.union_all(*parts)
    return {row[0]: (int(row[1]), Decimal(row[2] or 0)) for row in db.session.execute(stmt)}


def board(pipeline: Pipeline) -> list[Column]:
    """Every column of ``pipeline`` with its count, total and first ``PAGE`` cards (three statements)."""
    stages = list(db.session.scalars(
        sa.select(Stage).where(Stage.pipeline_id == pipeline.id).order_by(Stage.sequence, Stage.id)
    ))
    if not stages:
        return []
    sums = aggregates(pipeline.id, stages)
    columns = {s.id: Column(s, *sums.get(s.id, (0, Decimal("0")))) for s in stages}
    subqueries = [_ordered(_card_select(s), s, None).subquery() for s in stages]
    stmt = sa.union_all(*[sa.select(sq) for sq in subqueries])
    rows: dict[int, list[Any]] = {s.id: [] for s in stages}
    for row in db.session.execute(stmt):
        rows[row.stage_id].append(row)
    for stage_id, cards in rows.items():
        cards.sort(key=lambda r: (r.kanban_rank, r.id))
        columns[stage_id].more = len(cards) > PAGE
        columns[stage_id].cards = cards[:PAGE]
    return list(columns.values())


def more_cards(stage: Stage, after: tuple[float, int]) -> Column:
    """The next cards of one column after the card at ``after`` (rank, id)."""
    rows = list(db.session.execute(_ordered(_card_select(stage), stage, after)))
    return Column(stage, cards=rows[:PAGE], more=len(rows) > PAGE)


def column_totals(stage_ids: list[int]) -> dict[int, tuple[int, Decimal]]:
    """Count and total of some columns (after a move), through the same filters as the board."""
    stages = list(db.session.scalars(sa.select(Stage).where(Stage.id.in_(stage_ids))))
    if not stages:
        return {}
    return {k: v for k, v in aggregates(stages[0].pipeline_id, stages).items() if k in stage_ids}


def rank_between(above_id: int | None, below_id: int | None, stage_id: int) -> float | None:
    """A rank that places a card between its new neighbours in column ``stage_id`` (None: keep it)."""
    ids = [i for i in (above_id, below_id) if i is not None]
    if not ids:
        return None
    ranks = dict(db.session.execute(
        sa.select(Opportunity.id, Opportunity.kanban_rank).where(Opportunity.id.in_(ids),
                                                                 Opportunity.stage_id == stage_id)
    ).all())
    above = ranks.get(above_id) if above_id is not None else None
    below = ranks.get(below_id) if below_id is not None else None
    if above is not None and below is not None:
        return (float(above) + float(below)) / 2
    if above is not None:
        return float(above) + 1.0
    if below is not None:
        return float(below) - 1.0
    return None
