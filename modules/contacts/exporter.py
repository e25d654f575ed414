"""Exporting contacts: vCard 4.0 of any contact list or segment, and of one contact.

CSV and XLSX of a list are the generic views' (``core.ui.export``); vCard is
added to a list through ``ListView(exports={"vcf": vcard_export})`` (the
contacts list and a segment's people), so it has the same route
(``…/export.vcf``), the same permission check (``contacts.export``) and the
same search, filters and record rules as the other formats.

Rows are read 1,000 at a time in id order (keyset), with their companies and
tags looked up per chunk, and the cards are streamed: memory stays flat for
any number of contacts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from flask import Response, stream_with_context

from core import toolkit
from core.toolkit import db, sa
from modules.contacts.vcard import iter_vcards

CHUNK = 1000
#: the columns a card is made of
CARD_COLUMNS = ("id", "first_name", "last_name", "email", "phone", "mobile", "street", "city", "region",
                "postal_code", "country", "company_id", "position", "birthday", "gender", "notes", "updated_at")


def contact_rows(stmt: sa.Select[Any], chunk: int = CHUNK) -> Iterator[Any]:
    """The contacts ``stmt`` selects (a ``select(Contact)`` with conditions), as rows, in id order."""
    from modules.contacts.models import Contact

    columns = [getattr(Contact, name) for name in CARD_COLUMNS]
    last = 0
    while True:
        page = db.session.execute(
            stmt.with_only_columns(*columns, maintain_column_froms=True)
            .where(Contact.id > last).order_by(None).order_by(Contact.id).limit(chunk)
        ).all()
        yield from page
        if len(page) < chunk:
            return
        last = page[-1].id


def vcard_response(rows: Iterator[Any], name: str) -> Response:
    """A streamed ``text/vcard`` download of ``rows``."""
    response = Response(stream_with_context(iter_vcards(rows, chunk=CHUNK)), mimetype="text/vcard")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{date.today().isoformat()}.vcf"'
    return response


def vcard_export(view: Any, args: Mapping[str, Any]) -> Response:
    """``ListView.exports`` entry: the list's filtered contacts (search, filters, record rules) as vCard."""
    stmt = view.base(view.state(args))
    return vcard_response(contact_rows(stmt), view.object.replace(".", "-"))


def contact_vcard(contact_id: int) -> Response:
    """One contact the user may read, as a vCard (404 otherwise)."""
    from modules.contacts.models import Contact

    toolkit.get_or_404(Contact, contact_id, "contacts.contact", "read")
    stmt = sa.select(Contact).where(Contact.id == contact_id)
    return vcard_response(contact_rows(stmt), f"contact-{contact_id}")


def blueprints() -> list[Any]:
    """``GET /contacts/export/contact/<id>.vcf``: one contact's card (read right and ``contacts.export``)."""
    from flask import Blueprint

    bp = Blueprint("contacts_export", __name__, url_prefix="/contacts/export")

    @bp.get("/contact/<int:contact_id>.vcf")
    @toolkit.require("contacts.export")
    def contact(contact_id: int) -> Response:
        return contact_vcard(contact_id)

    return [bp]
