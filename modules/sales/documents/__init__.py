"""Sales, part 'documents': quotes, orders, contracts, invoices and payments (see modules/sales/plugin.py).

Each function returns what this part gives to one of the module's hooks; the
imports stay inside them so that importing the part is cheap.
"""

from __future__ import annotations

from typing import Any

# Imported first on purpose: importing a submodule sets it as an attribute of this package, which
# would replace the function ``models`` below if ``models.py`` were first imported after it.
from modules.sales.documents import models as _models_module  # noqa: F401


def models() -> list[type]:
    return list(_models_module.MODELS)


def blueprints() -> list[Any]:
    from modules.sales.documents import views

    return views.blueprints()


def menu_items() -> list[Any]:
    from modules.sales.documents import views

    return views.menu_items()


def api_resources() -> list[Any]:
    from modules.sales.documents import api

    return api.api_resources()


def search_providers() -> list[Any]:
    from modules.sales.documents import search

    return search.providers()


def tasks() -> list[Any]:
    from modules.sales.documents import jobs

    return jobs.tasks()


def schedules() -> list[Any]:
    from modules.sales.documents import jobs

    return jobs.schedules()


def timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:  # noqa: A002
    from modules.sales.documents import timeline

    return timeline.timeline_entries(object, record_id, limit)


def install_data(demo: bool) -> None:
    from modules.sales.documents import demo as demo_data

    demo_data.install_data(demo)


def merge_records(object: str, target_id: int, source_ids: list[int]) -> int:  # noqa: A002
    from modules.sales.documents import timeline

    return timeline.merge_records(object, target_id, source_ids)


def personal_data_export(subject: dict[str, Any]) -> dict[str, Any] | None:
    from modules.sales.documents import timeline

    return timeline.personal_data_export(subject)


def personal_data_erase(subject: dict[str, Any]) -> int:
    from modules.sales.documents import timeline

    return timeline.personal_data_erase(subject)


def opportunity_panels(opportunity_id: int) -> list[dict[str, Any]]:
    from modules.sales.documents import views

    return views.opportunity_panels(opportunity_id)
