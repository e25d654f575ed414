"""Pipelines and stages, opportunities, kanban, forecast, quotas and sales records (helper S1).

``modules.sales.plugin`` gathers what this part gives through the functions below;
each imports its code only when called, so importing the plugin stays cheap.
"""

from __future__ import annotations

from typing import Any

# Imported first on purpose: importing a submodule sets it as an attribute of this package, which
# would replace the function ``models`` below if ``models.py`` were first imported after it.
from modules.sales.pipeline import models as _models_module  # noqa: F401


def models() -> list[type]:
    return _models_module.all_models()


def install_data(demo: bool) -> None:
    """The default "Sales" pipeline always; with ``demo`` a second pipeline, opportunities and quotas."""
    from core import toolkit
    from modules.sales.pipeline import services
    from modules.sales.pipeline.models import Pipeline

    if toolkit.db.session.scalar(toolkit.sa.select(Pipeline.id).limit(1)) is None:
        services.install_default_pipeline()
    if demo:
        from modules.sales.pipeline import demo as demo_data

        demo_data.load()


def blueprints() -> list[Any]:
    from modules.sales.pipeline import views

    return views.blueprints()


def menu_items() -> list[Any]:
    from modules.sales.pipeline import views

    return views.menu_items()


def api_resources() -> list[Any]:
    from modules.sales.pipeline import api

    return api.api_resources()


def timeline_entries(object: str, record_id: int, limit: int) -> list[dict[str, Any]]:  # noqa: A002
    from modules.sales.pipeline import customers

    return customers.timeline_entries(object, record_id, limit)


def merge_records(object: str, target_id: int, source_ids: list[int]) -> int:  # noqa: A002
    from modules.sales.pipeline import customers

    return customers.merge_records(object, target_id, source_ids)


def personal_data_export(subject: dict[str, Any]) -> dict[str, Any]:
    from modules.sales.pipeline import customers

    return customers.personal_data_export(subject)


def personal_data_erase(subject: dict[str, Any]) -> int:
    from modules.sales.pipeline import customers

    return customers.personal_data_erase(subject)
