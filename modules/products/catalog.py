"""Catalog services other code may call: the category tree and related products (cross-selling).

Nothing here needs a request: sales, warranty or a command line can call
these functions inside any application context.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from core import toolkit
from core.toolkit import sa
from modules.products.models import Category, Product, RelatedProduct

db = toolkit.db


@dataclass(frozen=True)
class Related:
    """A product related to another one, as the product page and sales show it."""

    product_id: int
    sku: str
    name: str
    kind: str
    list_price: Decimal
    currency: str
    active: bool


def related_products(product_id: int, kind: str | None = None, *, include_inactive: bool = False) -> list[Related]:
    """Accessories, substitutes and upgrades of a product (``kind`` picks one of them), by kind then SKU.

    Inactive products are left out unless ``include_inactive`` (they cannot be sold).
    """
    stmt = (
        sa.select(Product.id, Product.sku, Product.name, RelatedProduct.kind, Product.list_price, Product.currency,
                  Product.active)
        .join(RelatedProduct, RelatedProduct.related_id == Product.id)
        .where(RelatedProduct.product_id == product_id)
        .order_by(RelatedProduct.kind, Product.sku)
    )
    if kind is not None:
        stmt = stmt.where(RelatedProduct.kind == kind)
    if not include_inactive:
        stmt = stmt.where(Product.active.is_(True))
    return [Related(r.id, r.sku, r.name, r.kind, r.list_price, r.currency, r.active) for r in db.session.execute(stmt)]


def subtree_ids(category_id: int) -> sa.Select[Any]:
    """``SELECT id`` of a category and every category below it (by the materialised path)."""
    path = sa.select(Category.path).where(Category.id == category_id).scalar_subquery()
    return sa.select(Category.id).where(Category.path.like(path + "%"))


def in_category(category_id: int) -> Any:
    """Condition: a product is in the category or one of its subcategories."""
    return Product.category_id.in_(subtree_ids(category_id))


def category_options() -> list[tuple[int, str]]:
    """Every category as ``(id, "Parent / Child")``, in tree order (for pickers and filters)."""
    rows = list(db.session.execute(sa.select(Category.id, Category.name, Category.path, Category.parent_id)))
    names = {r.id: r.name for r in rows}
    labelled = []
    for r in rows:
        trail = [names.get(int(part), "?") for part in r.path.strip("/").split("/") if part.isdigit()]
        labelled.append((r.id, " / ".join(trail) if trail else r.name))
    return sorted(labelled, key=lambda pair: pair[1].lower())


def set_path(record: Category) -> None:
    """Give a saved category its path and move the paths of its subtree along (``prepare`` of form and API)."""
    if record not in db.session:
        db.session.add(record)
    db.session.flush()  # the id of a new category
    parent = db.session.get(Category, record.parent_id) if record.parent_id is not None else None
    new_path = (parent.path if parent is not None else "") + f"{record.id}/"
    old_path = record.path
    if old_path == new_path:
        return
    if old_path:
        db.session.execute(
            sa.update(Category)
            .where(Category.path.like(old_path + "%"), Category.id != record.id)
            .values(path=sa.literal(new_path) + sa.func.substr(Category.path, len(old_path) + 1))
            .execution_options(synchronize_session=False)
        )
    record.path = new_path


def prepare_category(record: Category, _data: dict[str, Any], _creating: bool) -> None:
    set_path(record)


def add_category(name: str, parent: Category | None = None) -> Category:
    """A new category under ``parent`` (demo data, imports); flushed, not committed."""
    category = Category(name=name, parent_id=parent.id if parent is not None else None)
    db.session.add(category)
    set_path(category)
    return category
