"""Realistic customers for benchmarks: English, Chinese and German people and companies.

Rows are plain tuples in ``CONTACT_COLUMNS`` / ``COMPANY_COLUMNS`` order,
made from a seeded random generator so every run and database gets the same
data. The normalised columns are filled as the contacts module fills them:
``name_key`` through ``modules.contacts.normalize.name_key``, ``email_key``
lower-case, phones as E.164 (built directly in E.164 form: parsing a million
numbers with ``phonenumbers`` would take longer than the rest of the run).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from modules.contacts.normalize import name_key

# (first names, last names, e-mail domains, country, cities (city, region, postal prefix), streets)
ENGLISH = (
    ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
     "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
     "Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella", "Lucas", "Ann", "Grace"],
    ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Anderson",
     "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis",
     "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Lee"],
    ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "example.com"],
    "US",
    [("New York", "NY", "100"), ("San Francisco", "CA", "941"), ("Chicago", "IL", "606"),
     ("Boston", "MA", "021"), ("Seattle", "WA", "981"), ("Austin", "TX", "787")],
    ["Main Street", "Oak Avenue", "Maple Drive", "Park Road", "Cedar Lane", "Elm Street", "Pine Court"],
)
GERMAN = (
    ["Lukas", "Anna", "Jonas", "Lena", "Felix", "Marie", "Maximilian", "Sophie", "Paul", "Emilia", "Jürgen",
     "Günter", "Björn", "Käthe", "Jörg", "Sabine", "Stefan", "Ursula", "Wolfgang", "Heike", "Matthias", "Birgit"],
    ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
     "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
     "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Weiß", "Köhler", "Groß"],
    ["gmx.de", "web.de", "t-online.de", "posteo.de", "beispiel.de"],
    "DE",
    [("Berlin", "Berlin", "10"), ("München", "Bayern", "80"), ("Hamburg", "Hamburg", "20"),
     ("Köln", "Nordrhein-Westfalen", "50"), ("Frankfurt am Main", "Hessen", "60"), ("Stuttgart", "Baden-Württemberg", "70")],
    ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Goethestraße", "Lindenallee", "Am Markt"],
)
# Chinese names as (characters, pinyin) so e-mail addresses stay ASCII
CHINESE = (
    [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
     ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
     ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"), ("建华", "jianhua"), ("晓明", "xiaoming"),
     ("欣怡", "xinyi"), ("子轩", "zixuan"), ("浩然", "haoran"), ("雨桐", "yutong")],
    [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
     ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
     ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo")],
    ["qq.com", "163.com", "126.com", "sina.com", "example.cn"],
    "CN",
    [("北京", "北京市", "100"), ("上海", "上海市", "200"), ("广州", "广东省", "510"), ("深圳", "广东省", "518"),
     ("杭州", "浙江省", "310"), ("成都", "四川省", "610")],
    ["人民路", "中山路", "解放路", "建设路", "和平街", "长安街", "南京路"],
)
POSITIONS = ["CEO", "CTO", "Sales Manager", "Purchasing Manager", "Engineer", "Accountant", "Assistant",
             "Marketing Lead", "Geschäftsführer", "Einkaufsleiter", "经理", "采购经理", "销售总监", None]
COMPANY_WORDS = {
    "US": (["Acme", "Summit", "Pioneer", "Blue River", "Northwind", "Redwood", "Atlas", "Harbor"],
           ["Inc.", "LLC", "Corp.", "& Sons", "Group", "Holdings"]),
    "DE": (["Nordlicht", "Alpen", "Rhein", "Sonnenschein", "Eichen", "Hansa", "Bergmann", "Löwen"],
           ["GmbH", "AG", "KG", "GmbH & Co. KG", "e.K."]),
    "CN": (["华兴", "东方", "长城", "天宇", "金桥", "鼎盛", "恒通", "海纳"],
           ["科技有限公司", "贸易有限公司", "集团", "实业有限公司"]),
}
INDUSTRIES = ["Manufacturing", "Retail", "Software", "Logistics", "Healthcare", "Finance", "Construction", "Food"]
# weighted vocabularies (codes from modules/contacts/choices.py)
STAGES = (["prospect", "lead", "customer", "loyal", "at_risk", "churned"], [20, 20, 35, 10, 8, 7])
TIERS = (["standard", "silver", "gold", "platinum"], [60, 25, 10, 5])
SOURCES = ["web", "referral", "event", "campaign", "cold_call", "partner", "social", "walk_in", "other"]
CHANNELS = ["email", "sms", "phone", "mail", "chat", "visit", None]
GENDERS = ["female", "male", "diverse", "unknown", None]
AGE_GROUPS = ["18_24", "25_34", "35_44", "45_54", "55_64", "65_plus", None]
RISKS = ["low", "medium", "high", None]
INTERESTS = ["golf", "wine", "travel", "tea", "football", "hiking", "photography", "cooking", None, None]

PROFILE_COLUMNS = (
    "email", "email_key", "phone", "phone_key", "mobile", "street", "city", "region", "postal_code",
    "country", "source_channel", "tier", "lifecycle_stage", "risk_rating", "preferred_channel",
    "interests", "annual_spend", "last_interaction_at", "custom", "created_at", "updated_at",
    "version", "owner_id", "department_id",
)
CONTACT_COLUMNS = (
    "first_name", "last_name", "name_key", "company_id", "position", "birthday", "gender", "age_group",
    *PROFILE_COLUMNS,
)
COMPANY_COLUMNS = ("name", "name_key", "type", "website", "industry", *PROFILE_COLUMNS)

POSTAL_LENGTH = {"US": 5, "DE": 5, "CN": 6}
NOW = datetime(2025, 6, 1)
SPAN_S = 3 * 365 * 24 * 3600


def phone(rng: random.Random, country: str) -> str:
    """A plausible E.164 number of ``country`` (US area code + exchange, German city code, Chinese mobile)."""
    if country == "US":
        return f"+1{rng.randint(201, 989)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
    if country == "DE":
        return f"+49{rng.choice(('30', '40', '89', '221', '69', '711'))}{rng.randint(1000000, 9999999)}"
    return f"+861{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"


class People:
    """Seeded generator of contact and company rows; ``owners`` are (user id, department id) pairs."""

    def __init__(self, owners: list[tuple[int, int | None]], seed: int = 4) -> None:
        self.rng = random.Random(seed)
        self.owners = owners
        self._keys: dict[tuple[str, str], str] = {}

    def _culture(self) -> tuple[Any, ...]:
        roll = self.rng.random()
        return ENGLISH if roll < 0.45 else (GERMAN if roll < 0.75 else CHINESE)

    def _profile(self, i: int, culture: tuple[Any, ...], local: str, domain: str) -> tuple[Any, ...]:
        rng = self.rng
        _first, _last, _domains, country, cities, streets = culture
        city, region, postal = rng.choice(cities)
        email = f"{local}.{i}@{domain}"
        number = phone(rng, country)
        mobile = phone(rng, country) if rng.random() < 0.5 else None
        updated = NOW - timedelta(seconds=rng.randrange(SPAN_S))
        created = updated - timedelta(seconds=rng.randrange(SPAN_S))
        owner, department = self.owners[rng.randrange(len(self.owners))]
        street = f"{rng.choice(streets)} {rng.randint(1, 200)}" if country != "US" else f"{rng.randint(1, 9999)} {rng.choice(streets)}"
        return (
            email, email.lower(), number, number, mobile, street, city, region,
            postal + "".join(rng.choice("0123456789") for _ in range(POSTAL_LENGTH[country] - len(postal))),
            country, rng.choice(SOURCES), rng.choices(*TIERS)[0], rng.choices(*STAGES)[0],
            rng.choice(RISKS), rng.choice(CHANNELS), rng.choice(INTERESTS),
            Decimal(rng.randint(0, 5_000_000)) / 100 if rng.random() < 0.7 else None,
            updated - timedelta(days=rng.randint(0, 90)) if rng.random() < 0.6 else None,
            "{}", created, updated, 1, owner, department,
        )

    def _name_key(self, first: str, last: str) -> str:
        key = self._keys.get((first, last))
        if key is None:
            key = self._keys[(first, last)] = name_key(first, last)
        return key

    def contact(self, i: int, companies: int) -> tuple[Any, ...]:
        """Row ``i`` (1-based) of ``contacts_contact``; 60% work at one of ``companies`` companies."""
        rng = self.rng
        culture = self._culture()
        firsts, lasts, domains = culture[0], culture[1], culture[2]
        if culture is CHINESE:
            (given, given_py), (family, family_py) = rng.choice(firsts), rng.choice(lasts)
            first, last, local = given, family, f"{family_py}.{given_py}"
        else:
            first, last = rng.choice(firsts), rng.choice(lasts)
            local = f"{first}.{last}".lower().translate(_ASCII)
        company = rng.randint(1, companies) if companies and rng.random() < 0.6 else None
        birthday = date(rng.randint(1945, 2005), rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.4 else None
        return (
            first, last, self._name_key(first, last), company, rng.choice(POSITIONS), birthday,
            rng.choice(GENDERS), rng.choice(AGE_GROUPS), *self._profile(i, culture, local, rng.choice(domains)),
        )

    def company(self, i: int) -> tuple[Any, ...]:
        rng = self.rng
        culture = self._culture()
        words, suffixes = COMPANY_WORDS[culture[3]]
        word = rng.choice(words)
        name = f"{word}{rng.choice(suffixes)}" if culture is CHINESE else f"{word} {rng.choice(suffixes)}"
        name = f"{name} {i}"
        slug = f"company{i}"
        return (
            name, name_key(name), rng.choice(("customer", "prospect", "partner", "supplier")),
            f"https://www.{slug}.example", rng.choice(INDUSTRIES),
            *self._profile(i, culture, "info", f"{slug}.example"),
        )

    def contacts(self, start: int, count: int, companies: int) -> Iterator[tuple[Any, ...]]:
        for i in range(start, start + count):
            yield self.contact(i, companies)


_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e"})
