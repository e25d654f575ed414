from __future__ import annotations

from core import toolkit


@toolkit.hookimpl
def crm_models() -> list[type]:
    from beta.models import Note

    return [Note]
