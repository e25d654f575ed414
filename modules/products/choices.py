"""Stored values and their labels (the values are a contract with sales; see models.py)."""

from __future__ import annotations

from typing import Any

from core.toolkit import _l

PRODUCT_TYPES: dict[str, Any] = {"goods": _l("Goods"), "service": _l("Service"), "subscription": _l("Subscription")}
RELATION_KINDS: dict[str, Any] = {"accessory": _l("Accessory"), "substitute": _l("Substitute"),
                                  "upgrade": _l("Upgrade")}
RELATION_HEADINGS: dict[str, Any] = {"accessory": _l("Accessories"), "substitute": _l("Substitutes"),
                                     "upgrade": _l("Upgrades")}
TIERS: dict[str, Any] = {"standard": _l("Standard"), "silver": _l("Silver"), "gold": _l("Gold"),
                         "platinum": _l("Platinum")}
CHANNELS: dict[str, Any] = {"telesales": _l("Telesales"), "mobile": _l("Mobile"), "ecommerce": _l("E-commerce"),
                            "partner": _l("Partner"), "field": _l("Field sales"), "web": _l("Web")}
