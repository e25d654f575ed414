"""The contacts list (HTML page and REST API) costs the same number of SQL statements for 10 and 1,000 rows.

A query per row (a lazy load of the company, the owner, tags or consent)
is invisible with ten customers and ruinous with a million; counting the
statements the server runs for one page catches it. Checked for an
administrator (no record rule) and for a user whose rule is "own".
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, url_for

from core import toolkit
from core.testing import query_plan, sql_statements

pytestmark = pytest.mark.crm_modules("contacts")

#: a page: 50 rows, default sort, one filter
FILTER = "stage=customer"
API = "/api/v1/contacts?lifecycle_stage=customer&limit=50"


counted = sql_statements  # every statement the app's engine runs inside the block


def list_url(app: Flask) -> str:
    """The contacts list page, wherever the module mounts it."""
    for bp in app.blueprints.values():
        crud = getattr(bp, "crm_crud", None)
        if crud is not None and crud.model.__tablename__ == "contacts_contact":
            with app.test_request_context():
                return url_for(f"{bp.name}.list")
    raise AssertionError("no contacts list page registered")


def add_customers(app: Flask, owners: list[int], count: int, start: int) -> None:
    """``count`` customers per owner at a company, with a tag and a consent each (what could be lazy-loaded)."""
    from modules.contacts.models import Company, Consent, Contact, ContactTag, Tag

    now = datetime(2025, 1, 1)
    with app.app_context():
        session = toolkit.db.session
        tag = session.scalar(sa.select(Tag).where(Tag.name == "vip"))
        if tag is None:
            tag = Tag(name="vip")
            session.add(tag)
        company = Company(name=f"Acme {start}", name_key=f"acme {start}", owner_id=owners[0])
        session.add(company)
        session.flush()
        rows = []
        for owner in owners:
            for i in range(start, start + count):
                rows.append({
                    "first_name": "Ann", "last_name": f"Lee{i}", "name_key": f"ann lee{i}",
                    "email": f"ann.{owner}.{i}@example.com", "email_key": f"ann.{owner}.{i}@example.com",
                    "phone": f"+4930{owner:03d}{i:05d}", "phone_key": f"+4930{owner:03d}{i:05d}",
                    "company_id": company.id, "lifecycle_stage": "customer", "tier": "gold", "custom": {},
                    "owner_id": owner, "created_at": now, "updated_at": now + timedelta(minutes=i), "version": 1,
                })
        session.execute(sa.insert(Contact), rows)
        ids = session.scalars(sa.select(Contact.id).where(Contact.id.not_in(sa.select(ContactTag.contact_id))))
        ids = list(ids)
        session.execute(sa.insert(ContactTag), [{"contact_id": i, "tag_id": tag.id} for i in ids])
        session.execute(sa.insert(Consent), [
            {"contact_id": i, "channel": "email", "granted": True, "at": now, "source": "test"} for i in ids
        ])
        session.commit()


def queries(app: Flask, client: Any, url: str, headers: dict[str, str] | None = None) -> int:
    client.get(url, headers=headers)  # per-app caches (templates, compiled statements) warm up once
    with counted(app) as statements:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(statements)


def bearer(app: Flask, user_id: int) -> dict[str, str]:
    from core.security.tokens import create_token

    with app.app_context():
        _row, token = create_token(toolkit.db.session.get(toolkit.User, user_id), "query-count")
        toolkit.db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("role", ["admin", "user"])
def test_list_page_and_api_cost_the_same_queries_for_10_and_1000_rows(app: Flask, client_as: Any, role: str) -> None:
    client = client_as(app, role)
    other = client_as(app, "user").user
    owners = [client.user.id, other.id]
    page = f"{list_url(app)}?{FILTER}"
    headers = bearer(app, client.user.id)

    add_customers(app, owners, 5, 0)
    few_page, few_api = queries(app, client, page), queries(app, client, API, headers)
    assert "Lee4" in client.get(page).get_data(as_text=True)
    assert len(client.get(API, headers=headers).get_json()["data"]) == (10 if role == "admin" else 5)

    add_customers(app, owners, 495, 5)
    assert queries(app, client, page) == few_page
    assert queries(app, client, API, headers) == few_api
    data = client.get(API, headers=headers).get_json()["data"]
    assert len(data) == 50
    if role == "user":
        assert {row["owner_id"] for row in data} == {client.user.id}
    # a fixed handful: session user, grants, page, capped count, joins instead of per-row loads
    assert few_page <= 10
    assert few_api <= 8


def test_a_sellers_stage_filtered_page_counts_from_the_owner_index(app: Flask, client_as: Any) -> None:
    """A user who sees only their own customers counts a stage-filtered page from
    ``ix_contacts_contact_owner_updated`` alone (contacts_0009). With the stage outside that
    index every candidate row was read from the table: 6 ms on SQLite and a table scan of
    13 ms on PostgreSQL at a million people."""
    client = client_as(app, "user")
    add_customers(app, [client.user.id, client_as(app, "user").user.id], 20, 0)
    page = f"{list_url(app)}?{FILTER}"
    with app.app_context():
        engine = toolkit.db.engine
    dialect = engine.dialect.name
    if dialect == "postgresql":  # what autovacuum does to a table: index-only scans need its visibility map
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE contacts_contact")
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(page)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    counts = [(s, p) for s, p in seen if "count(" in s.lower() and re.search(r"FROM contacts_contact\b", s)]
    assert len(counts) == 1, seen
    statement, parameters = counts[0]
    assert "owner_id" in statement and "lifecycle_stage" in statement, statement
    plan = query_plan(engine, statement, parameters)
    assert "ix_contacts_contact_owner_updated" in plan, plan
    assert ("COVERING INDEX" if dialect == "sqlite" else "Index Only Scan") in plan, plan
