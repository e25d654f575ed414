"""Line and document amounts: Decimal throughout, each line rounded half-up to cents.

A line's subtotal is ``quantity × unit price − discount %``, rounded to cents;
its tax is the subtotal × tax rate, rounded to cents; a document's amounts are
the sums of its lines' rounded amounts (so the printed lines add up to the
printed totals).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(quantity: Decimal, unit_price: Decimal, discount: Decimal, tax_rate: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, tax, total) of one line."""
    gross = Decimal(quantity) * Decimal(unit_price)
    subtotal = money(gross - gross * Decimal(discount or 0) / HUNDRED)
    tax = money(subtotal * Decimal(tax_rate or 0) / HUNDRED)
    return subtotal, tax, subtotal + tax


def compute_line(line: Any) -> None:
    line.subtotal, line.tax_amount, line.total = line_amounts(line.quantity, line.unit_price, line.discount,
                                                              line.tax_rate)


def compute_document(doc: Any) -> None:
    """Recompute every line and the document's untaxed, tax and total amounts."""
    untaxed = tax = Decimal("0.00")
    for line in doc.lines:
        compute_line(line)
        untaxed += line.subtotal
        tax += line.tax_amount
    doc.amount_untaxed, doc.amount_tax, doc.amount_total = untaxed, tax, untaxed + tax
