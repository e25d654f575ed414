"""What happens to pipelines and opportunities, independent of the page or API that asked.

- ``install_default_pipeline``: the "Sales" pipeline every installation starts with;
- ``prepare_opportunity``: derived values before a create/update is committed
  (probability from the stage unless set by hand, weighted amount, status, stage history);
- ``move``: a stage change from the kanban, the card's fallback form or the API:
  refuses to move a closed (won/lost) opportunity, needs a lost reason for a lost
  stage, writes the stage history row and publishes ``opportunity.won`` /
  ``opportunity.lost`` in the caller's transaction; a stale ``version`` is a conflict.

Nothing here commits: callers commit once, so a refusal writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core import toolkit
from core.toolkit import _, _l, sa
from modules.sales.pipeline.models import Opportunity, OpportunityLine, Pipeline, Stage, StageHistory

db = toolkit.db

#: (name, probability, forecast category, won, lost) of the default pipeline's stages
DEFAULT_STAGES: list[tuple[Any, int, str, bool, bool]] = [
    (_l("New"), 10, "pipeline", False, False),
    (_l("Qualified"), 25, "pipeline", False, False),
    (_l("Proposal"), 50, "best_case", False, False),
    (_l("Negotiation"), 75, "commit", False, False),
    (_l("Won"), 100, "closed", True, False),
    (_l("Lost"), 0, "omitted", False, True),
]


def install_default_pipeline(name: str = "Sales", currency: str = "EUR", sequence: int = 10) -> Pipeline:
    """The "Sales" pipeline with New, Qualified, Proposal, Negotiation, Won and Lost."""
    pipeline = Pipeline(name=name, currency=currency, active=True, sequence=sequence)
    for i, (label, probability, category, won, lost) in enumerate(DEFAULT_STAGES):
        pipeline.stages.append(Stage(
            name=str(label), sequence=(i + 1) * 10, probability=probability, forecast_category=category,
            is_won=won, is_lost=lost,
        ))
    db.session.add(pipeline)
    db.session.flush()
    return pipeline


class MoveError(Exception):
    """A stage change that is refused; ``field`` names the input at fault, ``status`` the HTTP status."""

    def __init__(self, message: str, field: str = "stage_id", status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


@dataclass
class Moved:
    opportunity: Opportunity
    history: StageHistory | None
    event: str | None


def stages_of(pipeline_id: int) -> list[Stage]:
    return list(db.session.scalars(
        sa.select(Stage).where(Stage.pipeline_id == pipeline_id).order_by(Stage.sequence, Stage.id)
    ))


def first_open_stage(pipeline_id: int) -> Stage | None:
    return db.session.scalar(
        sa.select(Stage).where(Stage.pipeline_id == pipeline_id, Stage.is_won.is_(False), Stage.is_lost.is_(False))
        .order_by(Stage.sequence, Stage.id).limit(1)
    )


def event_payload(opp: Opportunity) -> dict[str, Any]:
    return {
        "id": opp.id, "name": opp.name, "amount": str(opp.amount), "currency": opp.currency,
        "company_id": opp.company_id, "contact_id": opp.contact_id, "owner_id": opp.owner_id,
        "stage_id": opp.stage_id, "lost_reason": opp.lost_reason,
    }


def _apply_stage(opp: Opportunity, stage: Stage, now: Any) -> str | None:
    """Status, closing time and probability that follow from entering ``stage``; the event to publish."""
    opp.stage_id = stage.id
    opp.stage_entered_at = now
    if not opp.probability_manual or stage.is_won or stage.is_lost:
        opp.probability = stage.probability
    if stage.is_won:
        opp.status, opp.closed_at, opp.lost_reason = "won", now, None
        opp.probability = 100
        event = "opportunity.won"
    elif stage.is_lost:
        opp.status, opp.closed_at = "lost", now
        opp.probability = 0
        event = "opportunity.lost"
    else:
        opp.status, opp.closed_at = "open", None
        event = None
    opp.recompute()
    return event


def _history(opp: Opportunity, from_stage_id: int | None, to_stage_id: int, since: Any, now: Any) -> StageHistory:
    seconds = int((now - since).total_seconds()) if since is not None and from_stage_id is not None else None
    row = StageHistory(
        opportunity_id=opp.id, from_stage_id=from_stage_id, to_stage_id=to_stage_id, changed_at=now,
        changed_by_id=toolkit.acting_user_id(), seconds_in_from_stage=max(seconds, 0) if seconds is not None else None,
    )
    db.session.add(row)
    return row


def _publish(event: str | None, opp: Opportunity) -> None:
    if event is None:
        return
    toolkit.publish(event, event_payload(opp), module="sales", object="sales.opportunity", record_id=opp.id)


def move(
    opp: Opportunity,
    stage_id: int | None,
    *,
    version: int | None = None,
    lost_reason: str | None = None,
    rank: float | None = None,
) -> Moved:
    """Move ``opp`` to stage ``stage_id`` (same pipeline). Raises ``MoveError``; does not commit."""
    if version is not None and version != opp.version:
        raise MoveError(
            _("Someone else changed this opportunity meanwhile (it is now in another state); "
              "nothing was changed. Reload and try again."), field="version", status=409,
        )
    stage = db.session.get(Stage, stage_id) if stage_id is not None else None
    if stage is None or stage.pipeline_id != opp.pipeline_id:
        raise MoveError(_("Choose a stage of this opportunity's pipeline."))
    if opp.status != "open":
        if stage.id == opp.stage_id:
            return Moved(opp, None, None)
        raise MoveError(
            _("This opportunity is closed (%(status)s); a won or lost opportunity cannot be moved.",
              status=status_label(opp.status)), status=409,
        )
    if stage.is_lost:
        reason = (lost_reason or "").strip()
        if not reason:
            raise MoveError(_("Give the reason why the opportunity was lost."), field="lost_reason")
        if len(reason) > 200:
            raise MoveError(_("At most %(max)s characters.", max=200), field="lost_reason")
        opp.lost_reason = reason
    if rank is not None:
        opp.kanban_rank = rank
    if stage.id == opp.stage_id:
        return Moved(opp, None, None)
    now = toolkit.utcnow()
    previous, since = opp.stage_id, opp.stage_entered_at
    event = _apply_stage(opp, stage, now)
    history = _history(opp, previous, stage.id, since, now)
    _publish(event, opp)
    return Moved(opp, history, event)


def status_label(status: str) -> str:
    return {"open": _("open"), "won": _("won"), "lost": _("lost")}.get(status, status)


def top_rank(stage_id: int) -> float:
    """A rank that puts a card first in its column."""
    lowest = db.session.scalar(sa.select(sa.func.min(Opportunity.kanban_rank)).where(Opportunity.stage_id == stage_id))
    return float(lowest) - 1.0 if lowest is not None else 0.0


def prepare_opportunity(opp: Opportunity, data: dict[str, Any], creating: bool) -> None:
    """Derived values before saving an opportunity from the form or the API (raises ``ValidationError``).

    A new opportunity starts in the first open stage of its pipeline unless a
    stage is given; a stage change on an existing one goes through ``move``.
    """
    with db.session.no_autoflush:
        _prepare(opp, creating)


def _prepare(opp: Opportunity, creating: bool) -> None:
    from marshmallow import ValidationError

    if opp.company_id is None and opp.contact_id is None:
        raise ValidationError({"company_id": [_("Choose a company or a contact (at least one).")]})
    pipeline = db.session.get(Pipeline, opp.pipeline_id) if opp.pipeline_id is not None else None
    if pipeline is None:
        raise ValidationError({"pipeline_id": [_("Choose an existing pipeline.")]})
    if not opp.currency:
        opp.currency = pipeline.currency
    if opp.priority is None:
        opp.priority = 0
    if creating:
        user_id = toolkit.acting_user_id()
        if opp.owner_id is None and user_id is not None:  # an empty salesperson field means "me"
            opp.owner_id = user_id
            if opp.department_id is None:
                opp.department_id = db.session.scalar(
                    sa.select(toolkit.User.department_id).where(toolkit.User.id == user_id))
        stage = db.session.get(Stage, opp.stage_id) if opp.stage_id is not None else first_open_stage(pipeline.id)
        if stage is None or stage.pipeline_id != pipeline.id:
            raise ValidationError({"stage_id": [_("Choose a stage of this opportunity's pipeline.")]})
        if stage.is_lost and not (opp.lost_reason or "").strip():
            raise ValidationError({"lost_reason": [_("Give the reason why the opportunity was lost.")]})
        opp.kanban_rank = top_rank(stage.id)
        if not opp.probability_manual:
            opp.probability = stage.probability
        now = toolkit.utcnow()
        event = _apply_stage(opp, stage, now)
        db.session.add(opp)
        db.session.flush()
        _history(opp, None, stage.id, None, now)
        _publish(event, opp)
        return
    state = sa.inspect(opp)
    for attr in ("owner_id", "department_id"):  # an empty salesperson/team field keeps the current one
        history = getattr(state.attrs, attr).history
        if getattr(opp, attr) is None and history.deleted and history.deleted[0] is not None:
            setattr(opp, attr, history.deleted[0])
    stage_hist = state.attrs.stage_id.history
    pipe_hist = state.attrs.pipeline_id.history
    if pipe_hist.has_changes():
        raise ValidationError({"pipeline_id": [_("An opportunity stays in its pipeline; create a new one instead.")]})
    if stage_hist.has_changes():
        new_stage = opp.stage_id
        old = stage_hist.deleted[0] if stage_hist.deleted else None
        opp.stage_id = old
        try:
            move(opp, new_stage, lost_reason=opp.lost_reason)
        except MoveError as exc:
            raise ValidationError({exc.field: [exc.message]}) from exc
    else:
        stage = db.session.get(Stage, opp.stage_id)
        if stage is not None and not opp.probability_manual and opp.status == "open":
            opp.probability = stage.probability
        opp.recompute()


def line_amount(quantity: Decimal, unit_price: Decimal, discount: Decimal) -> Decimal:
    gross = Decimal(quantity) * Decimal(unit_price)
    return (gross * (Decimal(100) - Decimal(discount or 0)) / Decimal(100)).quantize(Decimal("0.01"))


def customer_tier(opp: Opportunity) -> str | None:
    from modules.contacts.models import Company, Contact

    if opp.company_id is not None:
        return db.session.scalar(sa.select(Company.tier).where(Company.id == opp.company_id))
    if opp.contact_id is not None:
        return db.session.scalar(sa.select(Contact.tier).where(Contact.id == opp.contact_id))
    return None


def add_line(
    opp: Opportunity, product_id: int, quantity: Decimal, *, unit_price: Decimal | None = None,
    discount: Decimal = Decimal("0"),
) -> OpportunityLine:
    """A product line priced by ``price_for`` (customer tier, opportunity channel) unless a price is given.

    Raises ``products.pricing.PricingError`` (its ``field``: product, quantity, pricelist, currency)
    or ``MoveError`` (field ``discount``/``unit_price``) for bad input; does not commit.
    """
    from modules.products.pricing import price_for

    if discount is None or discount < 0 or discount > 100:
        raise MoveError(_("Enter a discount from 0 to 100 percent."), field="discount")
    price = price_for(product_id, quantity, currency=opp.currency, tier=customer_tier(opp), channel=opp.channel)
    if unit_price is not None and unit_price < 0:
        raise MoveError(_("Enter 0 or more."), field="unit_price")
    unit = price.unit_price if unit_price is None else unit_price
    line = OpportunityLine(
        opportunity_id=opp.id, product_id=product_id, quantity=quantity, unit_price=unit, discount=discount,
        amount=line_amount(quantity, unit, discount),
    )
    db.session.add(line)
    return line


def lines_total(opportunity_id: int) -> Decimal:
    total = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(OpportunityLine.amount), 0))
        .where(OpportunityLine.opportunity_id == opportunity_id)
    )
    return Decimal(total or 0).quantize(Decimal("0.01"))
