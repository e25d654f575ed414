"""Loads a row into alpha's table, then fails: the row and its own tables must roll back."""

from __future__ import annotations

from core import toolkit


@toolkit.hookimpl
def crm_install_data(demo: bool) -> None:
    from alpha.models import Item

    toolkit.db.session.add(Item(name="from faildata"))
    toolkit.db.session.flush()
    raise ValueError("demo file is corrupt")
