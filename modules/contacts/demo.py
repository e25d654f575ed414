"""Demo data (``crm modules install contacts --demo``): a few hundred believable customers.

People and companies from German-, Chinese- and English-speaking places,
with addresses, phone numbers in each country's format (fictional ranges
where a country has them) and e-mail addresses at reserved example domains.
Everything is generated from the short lists below with a fixed seed, so
every installation gets the same data. Records are owned by the first
administrator when there is one (otherwise unowned: only admins see them),
and their creation dates spread over the last 18 months so reports have a
history to show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from core import toolkit
from core.toolkit import sa
from modules.contacts.normalize import phone_e164

SEED = 20261124
COMPANIES = 60
CONTACTS = 300


@dataclass(frozen=True)
class Place:
    country: str
    city: str
    region: str
    postal_code: str
    area: str  # phone area code (without the trunk prefix)


@dataclass(frozen=True)
class Locale:
    """Everything needed to invent people and companies of one language."""

    domain: str
    places: tuple[Place, ...]
    streets: tuple[str, ...]
    female: tuple[str, ...]
    male: tuple[str, ...]
    last: tuple[str, ...]
    positions: tuple[str, ...]
    industries: tuple[str, ...]
    company_words: tuple[str, ...]
    company_forms: tuple[str, ...]


GERMAN = Locale(
    domain="example.de",
    places=(
        Place("DE", "Berlin", "Berlin", "10115", "30"), Place("DE", "München", "Bayern", "80331", "89"),
        Place("DE", "Hamburg", "Hamburg", "20095", "40"), Place("DE", "Köln", "Nordrhein-Westfalen", "50667", "221"),
        Place("DE", "Frankfurt am Main", "Hessen", "60311", "69"),
        Place("DE", "Stuttgart", "Baden-Württemberg", "70173", "711"),
        Place("DE", "Leipzig", "Sachsen", "04109", "341"), Place("AT", "Wien", "Wien", "1010", "1"),
        Place("CH", "Zürich", "Zürich", "8001", "44"),
    ),
    streets=("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Goethestraße", "Lindenallee",
             "Marktplatz", "Friedrichstraße", "Bergstraße", "Kirchgasse", "Am Hafen", "Mühlenweg"),
    female=("Anna", "Lena", "Katharina", "Sabine", "Julia", "Claudia", "Petra", "Sophie", "Marie", "Jana",
            "Ursula", "Franziska"),
    male=("Lukas", "Jonas", "Thomas", "Michael", "Stefan", "Andreas", "Felix", "Matthias", "Jürgen", "Tobias",
          "Klaus", "Maximilian"),
    last=("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
          "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
          "Krüger", "Hartmann", "Lange", "Werner", "Köhler", "Brandt"),
    positions=("Geschäftsführer", "Einkaufsleiterin", "Vertriebsleiter", "Projektmanagerin", "Prokurist",
               "Leiterin Marketing", "Sachbearbeiter Einkauf", "IT-Leiter"),
    industries=("Maschinenbau", "Logistik", "Einzelhandel", "Automobilzulieferer", "Lebensmittel",
                "Softwareentwicklung", "Bauwesen", "Medizintechnik"),
    company_words=("Maschinenbau", "Logistik", "Handel", "Technik", "Systeme", "Bau", "Feinkost", "Software"),
    company_forms=("GmbH", "AG", "GmbH & Co. KG", "KG", "e.K."),
)

CHINESE = Locale(
    domain="example.cn",
    places=(
        Place("CN", "北京", "北京市", "100020", "10"), Place("CN", "上海", "上海市", "200001", "21"),
        Place("CN", "广州", "广东省", "510030", "20"), Place("CN", "深圳", "广东省", "518000", "755"),
        Place("CN", "杭州", "浙江省", "310002", "571"), Place("CN", "成都", "四川省", "610015", "28"),
        Place("CN", "南京", "江苏省", "210005", "25"), Place("CN", "武汉", "湖北省", "430014", "27"),
    ),
    streets=("人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "南京路", "朝阳路", "科技园路", "滨江大道"),
    female=("芳", "娜", "静", "丽", "敏", "婷", "雪", "慧", "琳", "欣怡"),
    male=("伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "浩然"),
    last=("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "林", "何"),
    positions=("总经理", "采购经理", "销售总监", "项目经理", "财务主管", "市场部经理", "技术总监", "行政助理"),
    industries=("制造业", "电子商务", "物流", "软件", "新能源", "医疗器械", "餐饮", "教育培训"),
    company_words=("华信", "宏达", "瑞丰", "金桥", "远航", "博创", "星辰", "恒通", "鼎盛", "天成"),
    company_forms=("科技有限公司", "贸易有限公司", "实业有限公司", "电子有限公司", "物流有限公司"),
)

ENGLISH = Locale(
    domain="example.com",
    places=(
        Place("US", "New York", "NY", "10001", "212"), Place("US", "Chicago", "IL", "60601", "312"),
        Place("US", "Boston", "MA", "02108", "617"), Place("US", "Seattle", "WA", "98101", "206"),
        Place("US", "Austin", "TX", "78701", "512"), Place("GB", "London", "England", "EC1A 1BB", "20"),
        Place("GB", "Manchester", "England", "M1 1AE", "161"), Place("GB", "Edinburgh", "Scotland", "EH1 1YZ", "131"),
        Place("AU", "Sydney", "NSW", "2000", "2"),
    ),
    streets=("Main Street", "Oak Avenue", "Maple Drive", "Park Road", "Cedar Lane", "Elm Street", "High Street",
             "Church Road", "Lake View Drive", "Station Road", "Mill Lane", "Victoria Street"),
    female=("Emma", "Olivia", "Sophia", "Grace", "Emily", "Charlotte", "Hannah", "Chloe", "Lucy", "Megan",
            "Rachel", "Amelia"),
    male=("James", "Oliver", "William", "Jack", "Daniel", "Henry", "Thomas", "George", "Samuel", "Ethan",
          "Michael", "Noah"),
    last=("Smith", "Johnson", "Williams", "Brown", "Jones", "Taylor", "Davies", "Wilson", "Evans", "Thomas",
          "Roberts", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green", "Hall",
          "Wood", "Harris", "Clarke", "Baker"),
    positions=("CEO", "Head of Procurement", "Sales Director", "Project Manager", "Operations Manager",
               "Marketing Lead", "Office Manager", "CTO"),
    industries=("Manufacturing", "Retail", "Logistics", "Software", "Healthcare", "Construction", "Consulting",
                "Food & Beverage"),
    company_words=("Northwind", "Bluebell", "Summit", "Riverside", "Ironbridge", "Evergreen", "Harbour",
                   "Silverline", "Oakridge", "Brightwater"),
    company_forms=("Ltd", "Inc.", "LLC", "Group", "& Partners"),
)

LOCALES = (GERMAN, CHINESE, ENGLISH)
#: pinyin of the Chinese names, for e-mail addresses
PINYIN = {
    "王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang", "黄": "huang", "赵": "zhao",
    "吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun", "马": "ma", "朱": "zhu", "胡": "hu", "郭": "guo", "林": "lin",
    "何": "he", "芳": "fang", "娜": "na", "静": "jing", "丽": "li", "敏": "min", "婷": "ting", "雪": "xue",
    "慧": "hui", "琳": "lin", "欣怡": "xinyi", "伟": "wei", "强": "qiang", "磊": "lei", "军": "jun", "洋": "yang",
    "勇": "yong", "杰": "jie", "涛": "tao", "明": "ming", "浩然": "haoran", "华信": "huaxin", "宏达": "hongda",
    "瑞丰": "ruifeng", "金桥": "jinqiao", "远航": "yuanhang", "博创": "bochuang", "星辰": "xingchen",
    "恒通": "hengtong", "鼎盛": "dingsheng", "天成": "tiancheng",
}
TAGS = ("VIP", "Newsletter", "Trade fair 2026", "Key account", "Reseller", "Pilot customer")
TIERS = (("standard", 55), ("silver", 25), ("gold", 15), ("platinum", 5))
STAGES = (("prospect", 20), ("lead", 20), ("customer", 35), ("loyal", 12), ("at_risk", 8), ("churned", 5))
SOURCES = (("web", 25), ("referral", 20), ("event", 15), ("campaign", 12), ("cold_call", 8), ("partner", 10),
           ("social", 7), ("walk_in", 3))
SPEND = {"standard": (500, 5_000), "silver": (5_000, 25_000), "gold": (25_000, 100_000),
         "platinum": (100_000, 750_000)}


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _w in pairs], weights=[w for _v, w in pairs])[0]


def _ascii(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", " ": "",
                           "&": "", ".": ""})
    text = PINYIN.get(text, text)
    return text.translate(table).lower()


def _phone(rng: random.Random, place: Place, mobile: bool = False) -> str | None:
    if place.country in ("US",):
        return phone_e164(f"+1 {place.area} 555 01{rng.randint(0, 99):02d}")
    if place.country == "GB":
        return phone_e164(f"+44 {place.area} 7946 0{rng.randint(0, 999):03d}" if place.area == "20"
                          else f"+44 {place.area} 496 0{rng.randint(0, 999):03d}")
    if place.country == "CN" and mobile:
        return phone_e164(f"+86 1{rng.choice('3589')}{rng.randint(0, 9)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}")
    if place.country == "DE" and mobile:
        return phone_e164(f"+49 15{rng.randint(1, 9)} {rng.randint(1000000, 9999999)}")
    codes = {"DE": "49", "AT": "43", "CH": "41", "CN": "86", "AU": "61"}
    digits = {"CH": 7, "AT": 7, "AU": 8, "CN": 8}.get(place.country, 8 if len(place.area) <= 2 else 7)
    return phone_e164(f"+{codes[place.country]} {place.area} {rng.randint(10 ** (digits - 1), 10 ** digits - 1)}")


def _address(rng: random.Random, loc: Locale) -> dict[str, Any]:
    place = rng.choice(loc.places)
    street = rng.choice(loc.streets)
    number = rng.randint(1, 180)
    text = f"{street} {number}号" if loc is CHINESE else (
        f"{number} {street}" if loc is ENGLISH else f"{street} {number}")
    return {"street": text, "city": place.city, "region": place.region, "postal_code": place.postal_code,
            "country": place.country, "_place": place}


def _when(rng: random.Random) -> tuple[Any, Any]:
    now = toolkit.utcnow()
    created = now - timedelta(days=rng.randint(0, 540), minutes=rng.randint(0, 1440))
    updated = created + (now - created) * rng.random()
    return created, updated


def _admin_id() -> int | None:
    return toolkit.db.session.scalar(
        sa.select(toolkit.User.id).where(toolkit.User.role == "admin", toolkit.User.active.is_(True))
        .order_by(toolkit.User.id).limit(1)
    )


def _company(rng: random.Random, loc: Locale, owner: int | None, used: set[str]) -> Any:
    from modules.contacts.models import Company

    while True:
        if loc is CHINESE:
            name = rng.choice(loc.company_words) + rng.choice(loc.company_forms)
        elif loc is GERMAN:
            name = f"{rng.choice(loc.last)} {rng.choice(loc.company_words)} {rng.choice(loc.company_forms)}"
        else:
            name = f"{rng.choice(loc.company_words)} {rng.choice(loc.industries)} {rng.choice(loc.company_forms)}"
        if name not in used:
            used.add(name)
            break
    address = _address(rng, loc)
    place = address.pop("_place")
    tier = _weighted(rng, TIERS)
    slug = _ascii(name.split()[0] if loc is not CHINESE else name[:2])
    created, updated = _when(rng)
    low, high = SPEND[tier]
    return Company(
        name=name, type=rng.choice(["customer"] * 6 + ["prospect"] * 3 + ["partner", "supplier"]),
        industry=rng.choice(loc.industries), website=f"https://www.{slug}.{loc.domain}",
        email=f"info@{slug}.{loc.domain}", phone=_phone(rng, place), tier=tier,
        lifecycle_stage=_weighted(rng, STAGES), source_channel=_weighted(rng, SOURCES),
        risk_rating=rng.choice(["low", "low", "medium", "high", None]),
        annual_spend=Decimal(rng.randint(low, high)).quantize(Decimal("1.00")),
        owner_id=owner, created_at=created, updated_at=updated, **address,
    )


def _contact(rng: random.Random, loc: Locale, owner: int | None, companies: list[Any]) -> Any:
    from modules.contacts.models import Contact

    gender = rng.choice(["female", "male"])
    first = rng.choice(loc.female if gender == "female" else loc.male)
    last = rng.choice(loc.last)
    company = rng.choice(companies) if companies and rng.random() < 0.7 else None
    address = _address(rng, loc)
    place = address.pop("_place")
    if company is not None and rng.random() < 0.8:
        address = {k: getattr(company, k) for k in ("street", "city", "region", "postal_code", "country")}
        place = next((p for p in loc.places if p.city == company.city), place)
    tier = company.tier if company is not None else _weighted(rng, TIERS)
    stage = _weighted(rng, STAGES)
    created, updated = _when(rng)
    local = f"{_ascii(first)}.{_ascii(last)}" if loc is not CHINESE else f"{_ascii(last)}.{_ascii(first)}"
    domain = company.email.split("@", 1)[1] if company is not None else loc.domain
    low, high = SPEND[tier]
    birthday = date(rng.randint(1950, 2003), rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.6 else None
    contact = Contact(
        first_name=first, last_name=last, company=company, gender=gender,
        position=rng.choice(loc.positions) if company is not None else None,
        email=f"{local}{rng.randint(1, 99) if rng.random() < 0.3 else ''}@{domain}",
        phone=_phone(rng, place), mobile=_phone(rng, place, mobile=True) if rng.random() < 0.6 else None,
        tier=tier, lifecycle_stage=stage, source_channel=_weighted(rng, SOURCES),
        risk_rating="high" if stage in ("at_risk", "churned") else rng.choice(["low", "medium", None]),
        preferred_channel=rng.choice(["email", "phone", "sms", "visit", "chat", None]),
        birthday=birthday, age_group=_age_group(birthday),
        annual_spend=Decimal(rng.randint(low, high) // 10).quantize(Decimal("1.00")) if rng.random() < 0.5 else None,
        owner_id=owner, created_at=created, updated_at=updated, **address,
    )
    contact.tags = rng.sample(TAGS, k=rng.choice([0, 0, 1, 1, 2]))
    if rng.random() < 0.6:
        contact.consent = {"email": {"granted": rng.random() < 0.85, "source": rng.choice(
            ["web form", "trade fair", "phone call", "signed form"]), "at": created}}
    if rng.random() < 0.3:
        contact.consent = {"sms": {"granted": True, "source": "web form", "at": created}}
    return contact


def _age_group(birthday: date | None) -> str | None:
    if birthday is None:
        return None
    age = (date.today() - birthday).days // 365
    for limit, group in ((18, "under_18"), (25, "18_24"), (35, "25_34"), (45, "35_44"), (55, "45_54"),
                         (65, "55_64")):
        if age < limit:
            return group
    return "65_plus"


def load(companies: int = COMPANIES, contacts: int = CONTACTS) -> None:
    """Add the demo companies and contacts to the current session (the install commits them)."""
    rng = random.Random(SEED)
    owner = _admin_id()
    session = toolkit.db.session
    made: dict[int, list[Any]] = {i: [] for i in range(len(LOCALES))}
    used: set[str] = set()
    for n in range(companies):
        company = _company(rng, LOCALES[n % len(LOCALES)], owner, used)
        made[n % len(LOCALES)].append(company)
        session.add(company)
    session.flush()
    for n in range(contacts):
        index = n % len(LOCALES)
        session.add(_contact(rng, LOCALES[index], owner, made[index]))
        if n % 100 == 99:
            session.flush()
    session.flush()
