"""Fixtures shared by the sales tests (pipeline, documents, analytics).

``sales_app`` is an app with contacts, products and sales installed (the
default "Sales" pipeline included); ``sales`` wraps it with helpers that
create customers, pipelines and opportunities through the same service code
the pages use (stage history, status and weighted amount stay coherent)::

    def test_something(sales_app, sales):
        company = sales.company("Acme")
        opp = sales.opportunity("Big deal", amount="1000", stage="Proposal", company_id=company)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask

from core import toolkit

SALES_MODULES = ("contacts", "products", "sales")


class SalesHelper:
    """Creates sales rows in ``app``'s database; every method commits and returns ids."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def pipeline(self, name: str | None = None) -> dict[str, Any]:
        """``{"id": .., "stages": {stage name: id}}`` of the pipeline ``name`` (default: the first one)."""
        from modules.sales.pipeline.models import Pipeline, Stage

        with self.app.app_context():
            stmt = toolkit.sa.select(Pipeline).order_by(Pipeline.sequence, Pipeline.id)
            if name is not None:
                stmt = stmt.where(Pipeline.name == name)
            pipeline = toolkit.db.session.scalars(stmt.limit(1)).one()
            stages = toolkit.db.session.execute(
                toolkit.sa.select(Stage.name, Stage.id).where(Stage.pipeline_id == pipeline.id)
                .order_by(Stage.sequence)
            ).all()
            return {"id": pipeline.id, "name": pipeline.name, "stages": {n: i for n, i in stages}}

    def new_pipeline(self, name: str, currency: str = "EUR") -> dict[str, Any]:
        from modules.sales.pipeline import services

        with self.app.app_context():
            services.install_default_pipeline(name=name, currency=currency, sequence=20)
            toolkit.db.session.commit()
        return self.pipeline(name)

    def company(self, name: str = "Acme Ltd", tier: str = "standard", owner_id: int | None = None) -> int:
        from modules.contacts.models import Company

        with self.app.app_context():
            company = Company(name=name, name_key=name.lower(), tier=tier, owner_id=owner_id)
            toolkit.db.session.add(company)
            toolkit.db.session.commit()
            return company.id

    def contact(self, first: str = "Ada", last: str = "Lovelace", company_id: int | None = None) -> int:
        from modules.contacts.models import Contact

        with self.app.app_context():
            contact = Contact(first_name=first, last_name=last, name_key=f"{last} {first}".lower(),
                              company_id=company_id)
            toolkit.db.session.add(contact)
            toolkit.db.session.commit()
            return contact.id

    def opportunity(
        self,
        name: str = "Deal",
        *,
        amount: str | Decimal = "1000.00",
        stage: str | None = None,
        pipeline: str | None = None,
        company_id: int | None = None,
        contact_id: int | None = None,
        owner_id: int | None = None,
        department_id: int | None = None,
        expected_close: date | None = None,
        lost_reason: str | None = None,
        closed_at: datetime | None = None,
        **extra: Any,
    ) -> int:
        """An opportunity created as the form would (stage default: the first open one)."""
        from modules.sales.pipeline import services
        from modules.sales.pipeline.models import Opportunity

        info = self.pipeline(pipeline)
        if company_id is None and contact_id is None:
            company_id = self.company(f"Customer of {name}")
        with self.app.app_context():
            opp = Opportunity(
                name=name, pipeline_id=info["id"], stage_id=info["stages"][stage] if stage else None,
                company_id=company_id, contact_id=contact_id, amount=Decimal(amount), owner_id=owner_id,
                department_id=department_id, expected_close=expected_close, lost_reason=lost_reason,
                currency="EUR", probability_manual=False, **extra,
            )
            services.prepare_opportunity(opp, {}, True)
            if closed_at is not None:
                opp.closed_at = closed_at
            toolkit.db.session.commit()
            return opp.id

    def get(self, opportunity_id: int) -> Any:
        """The opportunity row (detached) as it is stored now."""
        from modules.sales.pipeline.models import Opportunity

        with self.app.app_context():
            opp = toolkit.db.session.get(Opportunity, opportunity_id)
            toolkit.db.session.expunge(opp)
            return opp

    def count(self, model: type, *where: Any) -> int:
        with self.app.app_context():
            stmt = toolkit.sa.select(toolkit.sa.func.count()).select_from(model)
            for condition in where:
                stmt = stmt.where(condition)
            return int(toolkit.db.session.scalar(stmt) or 0)


class EventLog:
    """Records every domain event the app publishes (after commit), as core hands them to ``crm_event_published``."""

    def __init__(self) -> None:
        self.events: list[toolkit.Event] = []

    @toolkit.hookimpl
    def crm_event_published(self, event: toolkit.Event) -> None:
        self.events.append(event)

    def names(self) -> list[str]:
        return [e.name for e in self.events]


def api_headers(app: Flask, user: Any) -> dict[str, str]:
    """``Authorization`` header with a fresh personal API token of ``user``."""
    from core.security.tokens import create_token

    with app.app_context():
        _row, token = create_token(toolkit.db.session.get(toolkit.User, user.id), "test")
        toolkit.db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def sales_app(make_app: Callable[..., Flask]) -> Flask:
    """An app with contacts, products and sales installed (no demo data)."""
    return make_app(SALES_MODULES)


@pytest.fixture
def sales(sales_app: Flask) -> SalesHelper:
    return SalesHelper(sales_app)


@pytest.fixture
def sales_events(sales_app: Flask) -> EventLog:
    """The domain events ``sales_app`` publishes from now on."""
    log = EventLog()
    sales_app.extensions["crm"].pm.register(log, name="sales-test-event-log")
    return log
