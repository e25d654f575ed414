"""Normalising what people type: phone numbers to E.164, e-mail addresses, names.

The normalised forms are what duplicate detection and search compare, so
"+49 (30) 1234-5678", "030 12345678" (with region DE) and "+493012345678" are
one number, and "Ann.Lee@Example.COM " is "ann.lee@example.com".
"""

from __future__ import annotations

import os
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context

from core.toolkit import _

DEFAULT_REGION = "US"
#: where national numbers (no +country code) are from when a record has no country
REGION_SETTING = "CRM_CONTACTS_PHONE_REGION"


class InvalidValue(ValueError):
    """A value that cannot be normalised; the message is shown to the user."""


def phone_region() -> str:
    """The installation's home region for phone numbers: ``CRM_CONTACTS_PHONE_REGION`` (app config or
    environment), else ``DEFAULT_REGION``."""
    configured = current_app.config.get(REGION_SETTING) if has_app_context() else None
    value = configured or os.environ.get(REGION_SETTING) or DEFAULT_REGION
    return str(value).upper()


def phone_e164(raw: str | None, region: str | None = None) -> str | None:
    """``raw`` as E.164 (``+4930123456``); ``None`` for empty input; raise when it is not a number."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, (region or phone_region()).upper())
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(_("'%(value)s' is not a phone number.", value=text)) from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidValue(_("'%(value)s' is not a possible phone number.", value=text))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_address(raw: str | None) -> str | None:
    """A syntactically valid address with a normalised domain; ``None`` for empty input."""
    if raw is None or not raw.strip():
        return None
    try:
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidValue(_("'%(value)s' is not a valid e-mail address: %(reason)s", value=raw.strip(), reason=str(exc))) from exc
    return result.normalized


def email_key(address: str | None) -> str | None:
    return address.lower() if address else None


def name_key(*parts: str | None) -> str:
    """Lower-case, accent-free, single-spaced: the key for prefix search and sorting."""
    text = " ".join(p.strip() for p in parts if p and p.strip())
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())[:200]


def _cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def person_name(first: str | None, last: str | None) -> str:
    """A person's name as it is written: "Ann Lee", but "王伟" (family name first, no space) in Chinese."""
    first, last = (first or "").strip(), (last or "").strip()
    if first and last and _cjk(first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)
