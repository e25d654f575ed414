"""Sales, part 'analytics' (helper S3): KPI widgets, the learned win probability, annual spend feeding
the contacts tier. ``modules.sales.plugin`` gathers what this part gives through the functions below;
each imports its code only when called, so importing the plugin stays cheap.
"""

from __future__ import annotations

from typing import Any


def models() -> list[type]:
    from modules.sales.analytics.tables import all_models

    return all_models()


def blueprints() -> list[Any]:
    from modules.sales.analytics.views import bp

    return [bp]


def menu_items() -> list[Any]:
    from core import toolkit
    from core.toolkit import _l

    return [
        toolkit.MenuItem("sales.reports", _l("Reports"), endpoint="sales_analytics.index",
                         permission="sales.reports", parent="sales", order=80),
        toolkit.MenuItem("sales.win_model", _l("Win probability model"), endpoint="sales_analytics.win_model",
                         permission="sales.win_model", parent="sales", order=85),
    ]


def widgets() -> list[Any]:
    from modules.sales.analytics.kpi_widgets import widgets as found

    return found()


def _retrain(user_id: int | None = None, holdout: float = 0.2) -> dict[str, Any]:
    from modules.sales.analytics.learning import retrain

    return retrain(user_id=user_id, holdout=holdout)


def _refresh() -> dict[str, Any]:
    from modules.sales.analytics.kpis import refresh_kpis

    return refresh_kpis()


def tasks() -> list[Any]:
    from core import toolkit

    return [toolkit.TaskSpec("sales.retrain_win_model", _retrain),
            toolkit.TaskSpec("sales.refresh_kpis", _refresh)]


def schedules() -> list[Any]:
    from core import toolkit

    return [
        # Sunday night: a week of newly closed deals is enough to move the counts
        toolkit.Schedule("sales.win_model_weekly", task="sales.retrain_win_model", crontab="30 2 * * 0"),
        toolkit.Schedule("sales.kpis_hourly", task="sales.refresh_kpis", crontab="15 * * * *"),
    ]


def install_data(demo: bool) -> None:
    """With the demo data (this part runs after the pipeline's and the documents'): the figures
    and the win model are computed at once, so the reports show them before the first hourly run."""
    if demo:
        from modules.sales.analytics.kpis import refresh_kpis
        from modules.sales.analytics.learning import retrain

        refresh_kpis(commit=False)
        retrain(commit=False)


def settings() -> list[Any]:
    from modules.sales.analytics.kpis import settings as found

    return found()
