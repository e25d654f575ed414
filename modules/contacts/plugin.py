"""Hook implementations of the contacts module (only @hookimpl functions live here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import toolkit


@toolkit.hookimpl
def crm_models() -> list[type]:
    from modules.contacts import models as m

    return [m.Company, m.Contact, m.Consent, m.Tag, m.ContactTag, m.CompanyTag, m.CustomField, m.Assignment,
            m.Interaction, m.Task, m.Segment]


@toolkit.hookimpl
def crm_permissions() -> list[Any]:
    return toolkit.load_security("contacts", Path(__file__).parent)
