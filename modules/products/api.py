"""REST resources ``/api/v1/products``, ``/api/v1/price-lists`` and ``/api/v1/product-categories``.

The schemas are the forms' schemas, so the same rules hold on every way in
(SKU unique, money with at most two decimals and never negative, tax rate 0
to 100, no overlapping price lists). Money is sent and returned as decimal
strings (``"19.90"``); numbers are accepted on input.

A price list carries its prices nested as ``items``
(``[{"product_id": 1, "min_quantity": "10.000", "unit_price": "899.00"}]``);
sending ``items`` replaces them as a whole, leaving it out (PATCH) keeps
them. A product carries its related products as ``related``
(``[{"related_id": 7, "kind": "accessory"}]``), replaced the same way.
"""

from __future__ import annotations

from core import toolkit
from modules.products import catalog
from modules.products.models import Category, PriceList, Product
from modules.products.schemas import CategorySchema, PriceListSchema, ProductSchema


def api_resources() -> list[toolkit.ApiResource]:
    return [
        toolkit.ApiResource(
            path="products", model=Product, schema=ProductSchema, object="products.product",
            sortable=("id", "sku", "name", "list_price", "updated_at"),
            filterable=("category_id", "type", "active", "currency"),
            searchable=("sku", "name"),
            search=(toolkit.Search("sku", "prefix"), toolkit.Search("name", "prefix")),
        ),
        toolkit.ApiResource(
            path="price-lists", name="price_lists", model=PriceList, schema=PriceListSchema,
            object="products.pricelist",
            sortable=("id", "name", "valid_from", "updated_at"),
            filterable=("currency", "customer_tier", "channel", "active"),
            searchable=("name",), search=(toolkit.Search("name", "prefix"),),
        ),
        toolkit.ApiResource(
            path="product-categories", name="product_categories", model=Category, schema=CategorySchema,
            object="products.category", sortable=("id", "name", "path"), filterable=("parent_id",),
            searchable=("name",), search=(toolkit.Search("name", "prefix"),), prepare=catalog.prepare_category,
        ),
    ]
