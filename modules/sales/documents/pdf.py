"""Quotes and invoices as PDF, drawn with fpdf2 (pure-Python; the ``sales`` extra).

The PDF carries what the printable page shows: header, customer, lines and
totals. fpdf2's built-in fonts know Latin-1 only; when a Unicode TrueType font
is available (``CRM_SALES_PDF_FONT``, else DejaVu Sans where the system has it)
it is used, with a Chinese system font (WenQuanYi, Droid Sans Fallback, Noto
CJK) as fallback for the glyphs it lacks; without one, characters outside
Latin-1 print as ``?``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import current_app

FALLBACK_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
#: fonts with Chinese glyphs, used for characters the main font lacks (the first one found)
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)


def _font_path() -> str | None:
    configured = current_app.config.get("CRM_SALES_PDF_FONT") or os.environ.get("CRM_SALES_PDF_FONT")
    for candidate in ([configured] if configured else []) + list(FALLBACK_FONTS):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def render(*, title: str, reference: str, facts: Sequence[tuple[str, str]], customer: str,
           headings: Sequence[str], rows: Sequence[Sequence[str]], totals: Sequence[tuple[str, str]],
           notes: str | None = None, footer: str = "") -> bytes:
    """A one-document PDF; every argument is already formatted text in the reader's language."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(f"{title} {reference}")
    font = _font_path()
    if font:
        pdf.add_font("doc", "", font)
        family, bold = "doc", ""
        cjk = next((path for path in CJK_FONTS if Path(path).is_file()), None)
        if cjk:
            pdf.add_font("cjk", "", cjk)
            pdf.set_fallback_fonts(["cjk"])
    else:
        family, bold = "helvetica", "B"

    def text(value: Any) -> str:
        value = str(value if value is not None else "")
        return value if font else value.encode("latin-1", "replace").decode("latin-1")

    pdf.add_page()
    pdf.set_font(family, bold, 18)
    pdf.cell(0, 10, text(f"{title} {reference}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 10)
    pdf.multi_cell(0, 5, text(customer), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in facts:
        pdf.cell(45, 6, text(label))
        pdf.cell(0, 6, text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (70, 20, 25, 15, 15, 35)[: len(headings)]
    pdf.set_font(family, bold, 9)
    for width, heading in zip(widths, headings, strict=False):
        pdf.cell(width, 7, text(heading), border="B", align="L" if width == widths[0] else "R")
    pdf.ln()
    pdf.set_font(family, "", 9)
    for row in rows:
        for width, value in zip(widths, row, strict=False):
            label = text(value)
            while width == widths[0] and label and pdf.get_string_width(label) > width - 2:
                label = label[:-1]
            pdf.cell(width, 6, label, align="L" if width == widths[0] else "R")
        pdf.ln()
    pdf.ln(3)
    pdf.set_font(family, bold, 10)
    for label, value in totals:
        pdf.cell(sum(widths) - 35, 6, text(label), align="R")
        pdf.cell(35, 6, text(value), align="R", new_x="LMARGIN", new_y="NEXT")
    if notes:
        pdf.ln(4)
        pdf.set_font(family, "", 9)
        pdf.multi_cell(0, 5, text(notes), new_x="LMARGIN", new_y="NEXT")
    if footer:
        pdf.ln(6)
        pdf.set_font(family, "", 8)
        pdf.multi_cell(0, 4, text(footer), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
