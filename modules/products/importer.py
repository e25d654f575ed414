"""Importing products and price lists from CSV: the same schemas as the forms and the API, all or nothing.

Products (one per row): ``sku, name, category, type, unit, cost, list_price,
currency, tax_rate, active, description``; ``category`` is a path of names
such as ``Hardware/Laptops`` (created when missing); the other columns are the
API's fields. Price lists (one price per row): ``pricelist, currency, tier,
channel, valid_from, valid_to, sku, min_quantity, unit_price``; rows with the
same ``pricelist`` name form one list. Every row is checked; when any row is
bad nothing is written and every problem is reported with its line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError

from core import toolkit
from core.toolkit import _, sa
from modules.products import catalog
from modules.products.models import Category, PriceList, Product
from modules.products.schemas import PriceListSchema, ProductSchema

db = toolkit.db
PRODUCT_COLUMNS = ("sku", "name", "category", "type", "unit", "cost", "list_price", "currency", "tax_rate",
                   "active", "description")
PRICE_COLUMNS = ("pricelist", "currency", "tier", "channel", "valid_from", "valid_to", "sku", "min_quantity",
                 "unit_price")


@dataclass
class ImportResult:
    created: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, message)

    @property
    def ok(self) -> bool:
        return not self.errors


def _flatten(line: int, messages: Any, prefix: str = "") -> list[tuple[int, str, str]]:
    if isinstance(messages, dict):
        return [e for key, value in messages.items() for e in _flatten(line, value, f"{prefix}{key}")]
    if isinstance(messages, list):
        return [e for value in messages for e in _flatten(line, value, prefix)]
    text = str(messages)
    if text in ("Missing data for required field.", "Field may not be null."):
        text = _("This field is required.")
    return [(line, prefix or "-", text)]


def read_csv(path: str) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _category(path: str) -> int | None:
    parent: Category | None = None
    for name in [part.strip() for part in path.split("/") if part.strip()]:
        found = db.session.scalar(sa.select(Category).where(
            Category.name == name, Category.parent_id.is_(None) if parent is None else Category.parent_id == parent.id))
        parent = found if found is not None else catalog.add_category(name[:100], parent)
    return parent.id if parent is not None else None


def import_products(rows: Iterable[dict[str, str]], *, commit: bool = True) -> ImportResult:
    result = ImportResult()
    seen: dict[str, int] = {}
    schema = ProductSchema()
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        unknown = set(row) - set(PRODUCT_COLUMNS)
        if unknown:
            result.errors.append((line, ", ".join(sorted(unknown)), "Unknown column."))
            continue
        data = {k: v for k, v in row.items() if k != "category" and v != ""}
        if "active" in data:
            data["active"] = data["active"].lower() in ("1", "true", "yes", "y", "x")
        sku = data.get("sku", "").upper()
        if sku in seen:
            result.errors.append((line, "sku", f"The SKU {sku} is already on line {seen[sku]} of this file."))
            continue
        seen[sku] = line
        try:
            loaded = schema.load(data)
        except ValidationError as exc:
            result.errors.extend(_flatten(line, exc.messages))
            continue
        if result.errors:
            continue  # keep checking, write nothing more
        product = Product(**{k: v for k, v in loaded.items() if k != "related_rows"})
        product.category_id = _category(row.get("category", "")) if row.get("category") else None
        db.session.add(product)
        db.session.flush()
        result.created += 1
    _finish(result, commit)
    return result


def import_price_lists(rows: Iterable[dict[str, str]], *, commit: bool = True) -> ImportResult:
    result = ImportResult()
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in enumerate(rows, start=2):
        unknown = set(row) - set(PRICE_COLUMNS)
        if unknown:
            result.errors.append((line, ", ".join(sorted(unknown)), "Unknown column."))
            continue
        groups.setdefault(row.get("pricelist", ""), []).append((line, row))
    schema = PriceListSchema()
    for name, lines in groups.items():
        first_line, head = lines[0]
        skus = {row.get("sku", "").upper() for _l, row in lines}
        ids = dict(db.session.execute(sa.select(Product.sku, Product.id).where(Product.sku.in_(skus))).all())
        items, bad = [], False
        for line, row in lines:
            sku = row.get("sku", "").upper()
            if sku not in ids:
                result.errors.append((line, "sku", f"There is no product with the SKU {sku}."))
                bad = True
                continue
            items.append({"product_id": ids[sku], "min_quantity": row.get("min_quantity") or "1",
                          "unit_price": row.get("unit_price", "")})
        if bad:
            continue
        data = {"name": name, "currency": head.get("currency", ""), "customer_tier": head.get("tier") or None,
                "channel": head.get("channel") or None, "valid_from": head.get("valid_from", ""),
                "valid_to": head.get("valid_to") or None, "items": items}
        try:
            loaded = schema.load(data)
        except ValidationError as exc:
            result.errors.extend(_flatten(first_line, exc.messages))
            continue
        record = PriceList(**{k: v for k, v in loaded.items() if k != "item_rows"})
        record.item_rows = loaded.get("item_rows") or []
        db.session.add(record)
        db.session.flush()  # the next list of the file is checked against this one
        result.created += 1
    _finish(result, commit)
    return result


def _finish(result: ImportResult, commit: bool) -> None:
    if result.errors or not commit:
        db.session.rollback()
        if result.errors:
            result.created = 0
    else:
        db.session.commit()
