"""``crm products …``: import the catalog and price lists from CSV (returned by ``crm_cli_commands``).

Both commands check every row with the forms' and the API's schemas and write
nothing when any row is bad (exit 1, every problem printed with its line).
"""

from __future__ import annotations

import sys
from typing import Any

import click


@click.group("products")
def products() -> None:
    """Catalog: import products and price lists."""


def _report(result: Any, what: str) -> None:
    errors = result.errors
    for line, field, message in errors:
        click.echo(f"line {line}, {field}: {message}", err=True)
    if errors:
        click.secho(f"Nothing was imported: {len(errors)} problem(s).", fg="red", err=True)
        sys.exit(1)
    click.echo(f"{result.created} {what} imported.")


@products.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=str))
def import_products(file: str) -> None:
    """Import products from a CSV FILE (columns: sku, name, category, type, unit, cost, list_price, currency,
    tax_rate, active, description)."""
    from modules.products import importer

    _report(importer.import_products(importer.read_csv(file)), "products")


@products.command("import-prices")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=str))
def import_prices(file: str) -> None:
    """Import price lists from a CSV FILE, one price per row (columns: pricelist, currency, tier, channel,
    valid_from, valid_to, sku, min_quantity, unit_price)."""
    from modules.products import importer

    _report(importer.import_price_lists(importer.read_csv(file)), "price lists")


def commands() -> list[click.Command]:
    return [products]
