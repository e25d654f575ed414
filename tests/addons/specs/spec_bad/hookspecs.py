"""Hooks this module defines for the modules that build on it."""

from __future__ import annotations

from core import toolkit


@toolkit.hookspec
def crm_stolen_name(record_id: int) -> None:
    """A name outside spec_bad's namespace."""
