"""Hook implementations of the products module (only @hookimpl functions live here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core import toolkit


@toolkit.hookimpl
def crm_models() -> list[type]:
    from modules.products import models as m

    return [m.Category, m.Product, m.RelatedProduct, m.PriceList, m.PriceListItem]


@toolkit.hookimpl
def crm_permissions() -> list[Any]:
    return toolkit.load_security("products", Path(__file__).parent)


@toolkit.hookimpl
def crm_blueprints() -> list[Any]:
    from modules.products import views

    return views.blueprints()


@toolkit.hookimpl
def crm_menu_items() -> list[toolkit.MenuItem]:
    from modules.products import views

    return views.menu_items()


@toolkit.hookimpl
def crm_api_resources() -> list[toolkit.ApiResource]:
    from modules.products import api

    return api.api_resources()


@toolkit.hookimpl
def crm_install_data(demo: bool) -> None:
    if demo:
        from modules.products import demo as demo_data

        demo_data.load()


@toolkit.hookimpl
def crm_cli_commands() -> list[Any]:
    from modules.products import cli

    return cli.commands()


@toolkit.hookimpl
def crm_search_providers() -> list[toolkit.SearchProvider]:
    from modules.products import search

    return search.providers()
