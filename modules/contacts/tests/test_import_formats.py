"""Files as people really have them: legacy encodings, BOM, semicolons, Excel, vCard 3 and 4."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core import toolkit
from modules.contacts.tests.import_helpers import contacts, count, csv_bytes, run_import, xlsx_bytes

pytestmark = pytest.mark.crm_modules("contacts")

CHINESE = [["姓名", "邮箱", "手机", "城市", "国家"],
           ["王小明", "wang.xiaoming@example.cn", "138 0013 8000", "北京", "中国"],
           ["李华", "li.hua@example.cn", "+86 139 0013 9000", "上海", "CN"]]
GERMAN = [["Vorname", "Nachname", "E-Mail", "Telefon", "Straße", "PLZ", "Ort", "Land", "Geburtstag", "Jahresumsatz"],
          ["Jürgen", "Müller", "j.mueller@example.de", "030 1234567", "Hauptstraße 5", "10115", "Berlin",
           "Deutschland", "17.05.1980", "1.234,50"],
          ["Änne", "Schäfer", "a.schaefer@example.de", "+49 89 7654321", "Gärtnerweg 3", "80331", "München",
           "DE", "1975-01-02", "99"]]


def test_gbk_file_is_detected(app) -> None:
    result = run_import(app, csv_bytes(CHINESE, encoding="gbk"))
    assert result.ok and result.created == 2, result.summary()
    assert result.encoding == "gb18030"
    assert contacts(app, "first_name", "last_name", "city", "country", "mobile") == [
        (None, "王小明", "北京", "CN", "+8613800138000"),
        (None, "李华", "上海", "CN", "+8613900139000"),
    ]


def test_gbk_chosen_explicitly(app) -> None:
    result = run_import(app, csv_bytes(CHINESE, encoding="gbk"), encoding="GBK")
    assert result.ok and result.created == 2


def test_latin1_file_with_semicolons_is_detected(app) -> None:
    result = run_import(app, csv_bytes(GERMAN, delimiter=";", encoding="latin-1"))
    assert result.ok, result.summary()
    assert result.delimiter == ";" and result.encoding in ("cp1252", "iso8859-1")
    assert contacts(app, "first_name", "last_name", "street", "city", "country", "phone", "birthday",
                    "annual_spend") == [
        ("Jürgen", "Müller", "Hauptstraße 5", "Berlin", "DE", "+49301234567", date(1980, 5, 17), Decimal("1234.50")),
        ("Änne", "Schäfer", "Gärtnerweg 3", "München", "DE", "+49897654321", date(1975, 1, 2), Decimal("99.00")),
    ]


def test_utf8_with_bom_and_tab_delimiter(app) -> None:
    result = run_import(app, csv_bytes(GERMAN, delimiter="\t", bom=True))
    assert result.ok and result.encoding == "utf-8-sig" and result.delimiter == "\t"
    assert contacts(app, "first_name")[0] == ("Jürgen",), "the BOM must not stick to the first header"


def test_delimiter_can_be_chosen(app) -> None:
    rows = [["Last name", "Notes"], ["Lee", "likes tea; and cake"]]
    result = run_import(app, csv_bytes(rows, delimiter="|"), delimiter="pipe")
    assert result.ok and contacts(app, "notes") == [("likes tea; and cake",)]


def test_quoted_fields_with_newlines_keep_line_numbers(app) -> None:
    data = b'Last name,Notes,E-mail\nLee,"two\nlines",ann@example.com\nStone,x,broken@\n'
    result = run_import(app, data, on_error="skip")
    assert result.created == 1 and [(e.line, e.column) for e in result.errors] == [(4, "E-mail")]
    assert contacts(app, "notes") == [("two\nlines",)]


def test_xlsx(app) -> None:
    data = xlsx_bytes([
        ["First name", "Last name", "Email", "Phone", "Birthday", "Annual spend", "Country"],
        ["Ann", "Lee", "ann@example.com", "+1 415 555 0100", date(1990, 3, 4), 1500.5, "US"],
        [None, None, None, None, None, None, None],
        ["Bob", "Stone", "bob@example", 4930123456, None, 7, "DE"],
    ])
    result = run_import(app, data, filename="people.xlsx", on_error="skip")
    assert result.format == "xlsx"
    assert result.created == 1 and [(e.line, e.column) for e in result.errors] == [(4, "Email")]
    assert contacts(app, "last_name", "birthday", "annual_spend", "phone") == [
        ("Lee", date(1990, 3, 4), Decimal("1500.50"), "+14155550100")]


VCARD3 = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lee;Ann;;;\r\nFN:Ann Lee\r\nORG:Acme Inc.\r\nTITLE:CEO\r\n"
    "TEL;TYPE=CELL:+1 415 555 0100\r\nTEL;TYPE=WORK,VOICE:(415) 555-0199\r\nEMAIL;TYPE=INTERNET:ann@example.com\r\n"
    "ADR;TYPE=WORK:;;1 Main St;San Francisco;CA;94105;USA\r\nBDAY:1980-05-17\r\nCATEGORIES:vip,golf\r\n"
    "NOTE:Met at the fair\\, twice\r\nEND:VCARD\r\n"
)
VCARD4 = (
    "BEGIN:VCARD\nVERSION:4.0\nFN:Jürgen Müller\nN:Müller;Jürgen;;;\nEMAIL;TYPE=work:j@example.de\n"
    'TEL;VALUE=uri;TYPE="voice,cell":tel:+49-170-1234567\nADR;TYPE=home:;;Hauptstraße 5;Berlin;;10115;Germany\n'
    "BDAY:19800517\nGENDER:M\nEND:VCARD\n"
)


def test_vcard_3_and_4(app) -> None:
    result = run_import(app, (VCARD3 + VCARD4).encode(), filename="cards.vcf")
    assert result.ok and result.format == "vcard" and result.created == 2, result.summary()
    assert contacts(app, "first_name", "last_name", "email", "phone", "mobile", "city", "country", "position",
                    "birthday", "gender", "notes") == [
        ("Ann", "Lee", "ann@example.com", "+14155550199", "+14155550100", "San Francisco", "US", "CEO",
         date(1980, 5, 17), None, "Met at the fair, twice"),
        ("Jürgen", "Müller", "j@example.de", None, "+491701234567", "Berlin", "DE", None, date(1980, 5, 17),
         "male", None),
    ]
    from modules.contacts.models import Company, Contact

    with app.app_context():
        ann = toolkit.db.session.scalars(toolkit.sa.select(Contact).order_by(Contact.id)).first()
        assert ann.tags == ["golf", "vip"]
        assert toolkit.db.session.get(Company, ann.company_id).name == "Acme Inc."


def test_a_broken_card_is_one_row_error(app) -> None:
    data = (VCARD3 + "BEGIN:VCARD\nVERSION:3.0\nN:Broken\n" + VCARD4).encode()
    result = run_import(app, data, filename="cards.vcf", on_error="skip")
    assert result.created == 2 and result.failed == 1
    assert result.errors[0].line == 15 and "END:VCARD" in result.errors[0].message


def test_vcard_export_round_trip(app) -> None:
    from modules.contacts.models import Company, Contact
    from modules.contacts.vcard import export_vcard

    with app.app_context():
        company = Company(name="Nordlicht GmbH", name_key="nordlicht gmbh")
        toolkit.db.session.add(company)
        toolkit.db.session.flush()
        company_id = company.id
        person = Contact(first_name="Käthe", last_name="Groß; Jr.", email="kaethe@example.de", phone="+49301234567",
                         mobile="+491701234567", street="Am Markt 1", city="Köln", postal_code="50667", country="DE",
                         position="Einkaufsleiterin, Nord", birthday=date(1970, 1, 31), gender="female",
                         notes="Erste Zeile\nzweite Zeile mit einem sehr langen Text, der über mehrere Zeilen "
                               "gefaltet werden muss, weil er länger als fünfundsiebzig Bytes ist",
                         company_id=company.id)
        person.tags = ["vip", "b2b"]
        toolkit.db.session.add(person)
        toolkit.db.session.commit()
        text = export_vcard([person])
        fields = ("first_name", "last_name", "email", "phone", "mobile", "street", "city", "postal_code", "country",
                  "position", "birthday", "gender", "notes")
        before = contacts(app, *fields)
        toolkit.db.session.execute(toolkit.sa.delete(Contact))
        toolkit.db.session.commit()
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    result = run_import(app, text.encode(), filename="export.vcf")
    assert result.ok and result.created == 1, result.summary()
    assert contacts(app, *fields) == before
    with app.app_context():
        again = toolkit.db.session.scalars(toolkit.sa.select(Contact)).one()
        assert again.tags == ["b2b", "vip"] and again.company_id == company_id


def test_full_name_column_is_split_and_chinese_names_stay_whole(app) -> None:
    rows = [["Name", "E-mail"], ["Ann Lee", "a@example.com"], ["Lee, Bob", "b@example.com"], ["王小明", ""]]
    assert run_import(app, csv_bytes(rows)).ok
    assert contacts(app, "first_name", "last_name", "name_key") == [
        ("Ann", "Lee", "ann lee"), ("Bob", "Lee", "bob lee"), (None, "王小明", "王小明")]


def test_choices_by_label_in_any_language(app) -> None:
    rows = [["Nachname", "Stufe", "Phase", "Geschlecht"], ["A", "Gold", "customer", "weiblich"],
            ["B", "PLATINUM", "Loyal customer", ""], ["C", "standard", "已流失", ""]]
    result = run_import(app, csv_bytes(rows))
    assert result.ok, result.summary()
    assert contacts(app, "tier", "lifecycle_stage", "gender") == [
        ("gold", "customer", "female"), ("platinum", "loyal", None), ("standard", "churned", None)]
    assert count(app) == 3
