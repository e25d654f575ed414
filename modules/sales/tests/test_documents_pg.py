"""Gap-free invoice numbers with concurrent issuers (PostgreSQL: two connections in two threads).

The counter row is locked from the moment one transaction takes a number until
it commits or rolls back: a second issuer waits, then takes the next number;
a rolled-back issue gives its number back. SQLite serialises writers with its
database lock, so these tests need PostgreSQL (``CRM_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
from flask import Flask

from core import toolkit
from modules.sales.tests.test_documents import accepted_order, make_setup, quote_via_api

pytestmark = pytest.mark.skipif(
    not (os.environ.get("CRM_TEST_DATABASE_URL") or "").startswith("postgresql"),
    reason="concurrent issuers need PostgreSQL (set CRM_TEST_DATABASE_URL)",
)


@pytest.fixture
def setup(sales_app: Flask, sales: Any, make_user: Any) -> dict[str, Any]:
    return make_setup(sales_app, sales, make_user)


def _drafts(setup: dict[str, Any], how_many: int) -> list[int]:
    api = setup["api"]
    order = accepted_order(api, quote_via_api(api, setup["gold_company"],
                                              [{"product_id": setup["widget"], "quantity": str(how_many)}]))
    line = order["lines"][0]["id"]
    ids = []
    for _ in range(how_many):
        response = api("POST", "/invoices", json={"order_id": order["id"],
                                                  "lines": [{"order_line_id": line, "quantity": "1"}]})
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    return ids


def _issue(app: Flask, invoice_id: int, *, hold: float = 0.0, rollback: bool = False,
           started: threading.Event | None = None, out: dict[str, Any]) -> None:
    from modules.sales.documents import services
    from modules.sales.documents.models import Invoice

    with app.app_context():
        try:
            invoice = toolkit.db.session.get(Invoice, invoice_id)
            services.issue_invoice(invoice)
            out["number"] = invoice.number
            if started is not None:
                started.set()
            time.sleep(hold)
            if rollback:
                toolkit.db.session.rollback()
            else:
                toolkit.db.session.commit()
            out["done_at"] = time.monotonic()
        except Exception as exc:  # reported to the test thread
            out["error"] = exc
            if started is not None:
                started.set()
        finally:
            toolkit.db.session.remove()


def test_two_concurrent_issuers_wait_for_each_other_and_get_consecutive_numbers(
    sales_app: Flask, setup: dict[str, Any],
) -> None:
    first_id, second_id = _drafts(setup, 2)
    first: dict[str, Any] = {}
    second: dict[str, Any] = {}
    holding = threading.Event()
    a = threading.Thread(target=_issue, args=(sales_app, first_id),
                         kwargs={"hold": 0.8, "started": holding, "out": first})
    a.start()
    assert holding.wait(10)
    begun = time.monotonic()
    b = threading.Thread(target=_issue, args=(sales_app, second_id), kwargs={"out": second})
    b.start()
    a.join(20)
    b.join(20)
    assert "error" not in first and "error" not in second, (first, second)
    year = toolkit.utcnow().year
    assert first["number"] == f"INV-{year}-00001"
    assert second["number"] == f"INV-{year}-00002"
    # the second issuer waited for the first to commit
    assert second["done_at"] >= first["done_at"]
    assert second["done_at"] - begun >= 0.5


def test_a_rolled_back_issue_gives_its_number_back(sales_app: Flask, setup: dict[str, Any]) -> None:
    from modules.sales.documents.models import Invoice

    first_id, second_id = _drafts(setup, 2)
    first: dict[str, Any] = {}
    second: dict[str, Any] = {}
    holding = threading.Event()
    a = threading.Thread(target=_issue, args=(sales_app, first_id),
                         kwargs={"hold": 0.5, "rollback": True, "started": holding, "out": first})
    a.start()
    assert holding.wait(10)
    b = threading.Thread(target=_issue, args=(sales_app, second_id), kwargs={"out": second})
    b.start()
    a.join(20)
    b.join(20)
    year = toolkit.utcnow().year
    assert first["number"] == second["number"] == f"INV-{year}-00001"
    with sales_app.app_context():
        stored = {i.id: (i.number, i.status) for i in toolkit.db.session.scalars(toolkit.sa.select(Invoice))}
    assert stored[first_id] == (None, "draft")
    assert stored[second_id] == (f"INV-{year}-00001", "sent")


def test_many_parallel_issuers_leave_no_gap_and_no_duplicate(sales_app: Flask, setup: dict[str, Any]) -> None:
    ids = _drafts(setup, 6)
    results: list[dict[str, Any]] = [{} for _ in ids]
    threads = [threading.Thread(target=_issue, args=(sales_app, invoice_id), kwargs={"out": out, "hold": 0.05})
               for invoice_id, out in zip(ids, results, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all("error" not in r for r in results), results
    year = toolkit.utcnow().year
    assert sorted(r["number"] for r in results) == [f"INV-{year}-{n:05d}" for n in range(1, 7)]
