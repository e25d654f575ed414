from __future__ import annotations

from typing import Any

from core import toolkit


@toolkit.hookimpl
def spec_owner_panels(record_id: int) -> list[dict[str, Any]]:
    return [{"title": f"panel for {record_id}"}]
