"""A search matching thousands of customers shows the same first page as one matching a few.

Above ``DENSE_SEARCH`` matches the list reads in sort order and filters
instead of collecting every match through the search indexes (what keeps
a one-letter search fast at a million rows); the page must not change.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from core import toolkit
from core.ui.lists import DENSE_SEARCH

pytestmark = pytest.mark.crm_modules("contacts")
PAGE = "/contacts/contacts/"


def add(app: Flask, owner: int, names: list[str], start: datetime) -> None:
    from modules.contacts.models import Contact

    rows = [{
        "first_name": None, "last_name": name, "name_key": name.lower(), "lifecycle_stage": "customer",
        "tier": "standard", "custom": {}, "owner_id": owner, "created_at": start,
        "updated_at": start + timedelta(seconds=i), "version": 1,
    } for i, name in enumerate(names)]
    with app.app_context():
        toolkit.db.session.execute(sa.insert(Contact), rows)
        toolkit.db.session.commit()


def shown(html: str) -> list[str]:
    return re.findall(r'<tr data-id="\d+">.*?<a href="[^"]+">([^<]+)</a>', html, re.S)


def test_many_and_few_matches_list_the_newest_matching_customers_first(app: Flask, client_as: Any) -> None:
    client = client_as(app, "admin")
    start = datetime(2025, 1, 1)
    many = [f"Lee{i:05d}" if i % 3 else f"Other{i:05d}" for i in range(int(DENSE_SEARCH * 1.6))]
    add(app, client.user.id, many, start)
    add(app, client.user.id, ["Leeward", "Leek"], start - timedelta(days=1))

    dense = client.get(PAGE + "?q=lee").get_data(as_text=True)
    expected = [n for n in reversed(many) if n.startswith("Lee")][:50]
    assert shown(dense) == expected
    assert "1,000+" in dense

    sparse = client.get(PAGE + "?q=leew").get_data(as_text=True)
    assert shown(sparse) == ["Leeward"]
