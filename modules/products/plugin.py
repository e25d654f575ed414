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
