"""Hooks this module defines for the modules that build on it."""

from __future__ import annotations

from typing import Any

from core import toolkit


@toolkit.hookspec
def spec_owner_panels(record_id: int) -> list[dict[str, Any]]:
    """Extra panels for a record of spec_owner."""
