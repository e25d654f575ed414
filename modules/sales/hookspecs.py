"""Hooks the sales module defines for the modules that build on it (see docs/hooks.md)."""

from __future__ import annotations

from typing import Any

from core import toolkit


@toolkit.hookspec
def sales_opportunity_panels(opportunity_id: int) -> list[dict[str, Any]]:
    """Extra panels on an opportunity's page, e.g. the competitors module's rivals.

    *Called* when an opportunity page is shown, for a user who may read it.
    *Return* a list of dicts with ``title`` (str) and ``html`` (markup you
    rendered with your own template, so it is escaped), newest concerns first.
    """
