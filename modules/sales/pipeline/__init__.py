"""Pipelines and stages, opportunities, kanban, forecast, quotas and sales records (helper S1).

``modules.sales.plugin`` gathers what this part gives through the functions below;
each imports its code only when called, so importing the plugin stays cheap.
"""

from __future__ import annotations

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
