"""The importer's fast row check agrees with the schema forms and the API use, and matches headers in three languages."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from modules.contacts.import_fields import Cell, Limits, RowChecker, suggest_mapping

pytestmark = pytest.mark.crm_modules("contacts")

#: (field, value): values in the forms the schema takes (the importer also takes labels, names and local formats)
CASES = [
    ("email", "ann.lee@example.com"), ("email", "Ann.Lee@Example.COM"), ("email", "ann@"), ("email", "a..b@x.com"),
    ("email", "x@localhost.test"), ("email", "o'neil@example.ie"), ("email", "user@münchen.de"),
    ("phone", "+49 30 1234567"), ("phone", "(415) 555-0100"), ("phone", "12"), ("phone", "call me"),
    ("mobile", "+86 138 0013 8000"), ("mobile", "0170 1234567"),
    ("tier", "gold"), ("tier", "diamond"), ("lifecycle_stage", "loyal"), ("lifecycle_stage", "vip"),
    ("gender", "female"), ("gender", "x"), ("age_group", "25_34"), ("age_group", "twenties"),
    ("source_channel", "referral"), ("risk_rating", "low"), ("preferred_channel", "sms"),
    ("first_name", "x" * 100), ("first_name", "x" * 101), ("last_name", "x" * 100), ("last_name", "x" * 101),
    ("position", "y" * 101), ("postal_code", "1" * 20), ("postal_code", "1" * 21), ("interests", "z" * 1001),
    ("street", "s" * 200), ("city", "c" * 101), ("country", "DE"), ("country", "de"),
    ("birthday", "1980-05-17"), ("birthday", "1899-12-31"), ("birthday", "2999-01-01"), ("birthday", "1980-02-30"),
    ("annual_spend", "1234.56"), ("annual_spend", "-1"), ("annual_spend", "1000000000000"),
    ("annual_spend", "abc"),
]


def _schema(row: dict[str, str]) -> tuple[dict | None, set[str]]:
    from modules.contacts.schemas import LenientContactSchema

    try:
        return LenientContactSchema().load(row), set()
    except ValidationError as exc:
        return None, set(exc.messages)


@pytest.mark.parametrize(("field", "value"), CASES)
def test_fast_check_agrees_with_the_schema(app, field, value) -> None:
    headers = ["last_name", field] if field != "last_name" else ["last_name"]
    cells = [Cell(i, name, name) for i, name in enumerate(headers)]
    raw = ["Lee", value] if field != "last_name" else [value]
    if field in ("phone", "mobile") and value.startswith("0"):
        headers.append("country")
        cells.append(Cell(2, "country", "country"))
        raw.append("DE")
    with app.test_request_context():
        checker = RowChecker(cells, Limits.from_schema())
        fast, problems = checker.check(raw)
        loaded, errors = _schema(dict(zip(headers, raw, strict=True)))
    assert (fast is None) == (loaded is None), (field, value, problems, errors)
    if fast is None:
        assert {column for column, _message in problems} == errors
        return
    for key in {field, "country"} & set(loaded):
        expected = loaded[key]
        assert fast.values.get(key) == expected, key


@pytest.mark.parametrize(("headers", "expected"), [
    (["First Name", "Last Name", "E-mail Address", "Mobile Phone", "ZIP", "Company"],
     ["first_name", "last_name", "email", "mobile", "postal_code", "company"]),
    (["Vorname", "Nachname", "E-Mail", "Telefon", "Handy", "Straße", "PLZ", "Ort", "Land", "Firma", "Geburtsdatum"],
     ["first_name", "last_name", "email", "phone", "mobile", "street", "postal_code", "city", "country", "company",
      "birthday"]),
    (["名", "姓", "邮箱", "电话", "手机号码", "地址", "城市", "省份", "邮编", "公司名称", "职位", "备注", "标签"],
     ["first_name", "last_name", "email", "phone", "mobile", "street", "city", "region", "postal_code", "company",
      "position", "notes", "tags"]),
    (["姓名", "电子邮件", "客户等级"], ["full_name", "email", "tier"]),
    (["Name", "Email", "Mail"], ["full_name", "email", None]),
    (["Kundennummer", "Lieblingsfarbe"], [None, None]),
])
def test_headers_are_recognised_in_english_german_and_chinese(headers, expected) -> None:
    mapping = suggest_mapping(headers)
    assert [mapping.get(h) for h in headers] == expected


def test_custom_fields_are_matched_by_key_or_label() -> None:
    mapping = suggest_mapping(["Mitgliedsnummer", "member_no", "VIP seit"],
                              custom=[("member_no", "Mitgliedsnummer"), ("vip_since", "VIP seit")])
    assert mapping == {"Mitgliedsnummer": "custom.member_no", "VIP seit": "custom.vip_since"}
