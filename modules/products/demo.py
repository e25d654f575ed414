"""Demo data (``crm modules install products --demo``): a small office-technology catalog.

About forty products and services in a three-level category tree (hardware,
software, services), with related products for cross-selling and four price
lists: gold-tier customers, the partner channel, a seasonal promotion with
quantity breaks and a US-dollar list. Every installation gets the same rows.
The dates are relative to the year of installation so the lists are valid
when someone looks at them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core import toolkit
from modules.products.catalog import add_category
from modules.products.models import Category, PriceList, PriceListItem, Product, RelatedProduct

D = Decimal

#: category path -> [(sku, name, type, unit, cost, list price, tax rate)]
CATALOG: dict[tuple[str, ...], list[tuple[str, str, str, str, str, str, str]]] = {
    ("Hardware", "Computers", "Laptops"): [
        ("LAP-14-BASIC", "Laptop 14\" Basic (8 GB, 256 GB SSD)", "goods", "pc", "420.00", "649.00", "19.00"),
        ("LAP-14-PRO", "Laptop 14\" Pro (16 GB, 512 GB SSD)", "goods", "pc", "690.00", "1049.00", "19.00"),
        ("LAP-16-WS", "Laptop 16\" Workstation (32 GB, 1 TB SSD)", "goods", "pc", "1290.00", "1899.00", "19.00"),
        ("LAP-13-AIR", "Laptop 13\" Ultralight", "goods", "pc", "780.00", "1199.00", "19.00"),
    ],
    ("Hardware", "Computers", "Desktops"): [
        ("DSK-MINI", "Mini PC (16 GB, 512 GB SSD)", "goods", "pc", "360.00", "549.00", "19.00"),
        ("DSK-TOWER", "Tower PC (32 GB, 1 TB SSD)", "goods", "pc", "720.00", "1099.00", "19.00"),
    ],
    ("Hardware", "Monitors"): [
        ("MON-24-FHD", "Monitor 24\" Full HD", "goods", "pc", "95.00", "159.00", "19.00"),
        ("MON-27-QHD", "Monitor 27\" QHD", "goods", "pc", "190.00", "299.00", "19.00"),
        ("MON-32-4K", "Monitor 32\" 4K", "goods", "pc", "330.00", "499.00", "19.00"),
    ],
    ("Hardware", "Accessories"): [
        ("ACC-DOCK-USB-C", "USB-C docking station", "goods", "pc", "85.00", "149.00", "19.00"),
        ("ACC-KB-DE", "Keyboard, German layout", "goods", "pc", "18.00", "39.00", "19.00"),
        ("ACC-MOUSE", "Wireless mouse", "goods", "pc", "9.50", "24.90", "19.00"),
        ("ACC-HEADSET", "Headset with noise cancelling", "goods", "pc", "45.00", "89.00", "19.00"),
        ("ACC-BAG-14", "Laptop bag 14\"", "goods", "pc", "14.00", "34.90", "19.00"),
        ("ACC-CHARGER-65", "USB-C charger 65 W", "goods", "pc", "16.00", "39.90", "19.00"),
        ("ACC-CABLE-HDMI", "HDMI cable 2 m", "goods", "pc", "2.10", "9.90", "19.00"),
    ],
    ("Hardware", "Printers"): [
        ("PRN-LASER-A4", "Laser printer A4, duplex", "goods", "pc", "140.00", "229.00", "19.00"),
        ("PRN-MFP-A3", "Multifunction printer A3", "goods", "pc", "890.00", "1390.00", "19.00"),
        ("PRN-TONER-BK", "Toner cartridge black", "goods", "pc", "28.00", "59.00", "19.00"),
        ("PRN-PAPER-A4", "Copy paper A4, 80 g (box of 2,500 sheets)", "goods", "box", "14.00", "24.50", "19.00"),
    ],
    ("Software", "Office"): [
        ("SW-OFFICE-STD", "Office suite Standard, per user and year", "subscription", "licence", "60.00", "119.00",
         "19.00"),
        ("SW-OFFICE-PRO", "Office suite Professional, per user and year", "subscription", "licence", "95.00",
         "189.00", "19.00"),
        ("SW-MAIL-ARCH", "Mail archiving, per mailbox and year", "subscription", "licence", "12.00", "36.00",
         "19.00"),
    ],
    ("Software", "Security"): [
        ("SW-AV-BIZ", "Endpoint protection, per device and year", "subscription", "licence", "11.00", "29.00",
         "19.00"),
        ("SW-BACKUP-1TB", "Cloud backup 1 TB, per year", "subscription", "licence", "48.00", "120.00", "19.00"),
        ("SW-VPN", "Business VPN, per user and year", "subscription", "licence", "15.00", "45.00", "19.00"),
    ],
    ("Software", "Business applications"): [
        ("SW-CRM-SEAT", "CRM seat, per user and month", "subscription", "licence", "6.00", "25.00", "19.00"),
        ("SW-ERP-SEAT", "ERP seat, per user and month", "subscription", "licence", "15.00", "59.00", "19.00"),
    ],
    ("Services", "Installation"): [
        ("SVC-SETUP-PC", "Workplace set-up (per device)", "service", "pc", "35.00", "79.00", "19.00"),
        ("SVC-NET-INST", "Network installation, per hour", "service", "h", "48.00", "95.00", "19.00"),
        ("SVC-MIGRATION", "Data migration, per hour", "service", "h", "50.00", "105.00", "19.00"),
    ],
    ("Services", "Support"): [
        ("SVC-SUPPORT-BASIC", "Support Basic, per device and month", "subscription", "pc", "2.50", "7.90",
         "19.00"),
        ("SVC-SUPPORT-PREM", "Support Premium (4 h response), per device and month", "subscription", "pc", "7.00",
         "19.90", "19.00"),
        ("SVC-ONSITE", "On-site technician, per hour", "service", "h", "45.00", "89.00", "19.00"),
        ("SVC-WARRANTY-3Y", "Warranty extension to 3 years", "service", "pc", "40.00", "99.00", "19.00"),
    ],
    ("Services", "Training"): [
        ("TRN-OFFICE-DAY", "Office training, one day (up to 8 people)", "service", "day", "350.00", "890.00",
         "19.00"),
        ("TRN-SECURITY", "Security awareness training, per person", "service", "pc", "20.00", "59.00", "19.00"),
        ("TRN-CRM-ADMIN", "CRM administrator course, two days", "service", "pc", "300.00", "790.00", "19.00"),
    ],
}

#: (product, related, kind)
RELATED = [
    ("LAP-14-BASIC", "ACC-BAG-14", "accessory"), ("LAP-14-BASIC", "ACC-MOUSE", "accessory"),
    ("LAP-14-BASIC", "LAP-14-PRO", "upgrade"), ("LAP-14-BASIC", "SVC-WARRANTY-3Y", "accessory"),
    ("LAP-14-PRO", "ACC-DOCK-USB-C", "accessory"), ("LAP-14-PRO", "ACC-BAG-14", "accessory"),
    ("LAP-14-PRO", "ACC-HEADSET", "accessory"), ("LAP-14-PRO", "LAP-16-WS", "upgrade"),
    ("LAP-14-PRO", "LAP-13-AIR", "substitute"), ("LAP-14-PRO", "SVC-SETUP-PC", "accessory"),
    ("LAP-13-AIR", "LAP-14-PRO", "substitute"), ("LAP-13-AIR", "ACC-CHARGER-65", "accessory"),
    ("DSK-MINI", "MON-24-FHD", "accessory"), ("DSK-MINI", "ACC-KB-DE", "accessory"),
    ("DSK-MINI", "DSK-TOWER", "upgrade"), ("DSK-TOWER", "MON-27-QHD", "accessory"),
    ("MON-24-FHD", "MON-27-QHD", "upgrade"), ("MON-27-QHD", "MON-32-4K", "upgrade"),
    ("MON-27-QHD", "ACC-CABLE-HDMI", "accessory"),
    ("PRN-LASER-A4", "PRN-TONER-BK", "accessory"), ("PRN-LASER-A4", "PRN-PAPER-A4", "accessory"),
    ("PRN-LASER-A4", "PRN-MFP-A3", "upgrade"),
    ("SW-OFFICE-STD", "SW-OFFICE-PRO", "upgrade"), ("SW-OFFICE-STD", "TRN-OFFICE-DAY", "accessory"),
    ("SW-CRM-SEAT", "TRN-CRM-ADMIN", "accessory"), ("SVC-SUPPORT-BASIC", "SVC-SUPPORT-PREM", "upgrade"),
    ("SW-AV-BIZ", "TRN-SECURITY", "accessory"), ("SW-AV-BIZ", "SW-VPN", "accessory"),
]


def load() -> None:
    session = toolkit.db.session
    categories: dict[tuple[str, ...], Category] = {}
    products: dict[str, Product] = {}
    for trail, rows in CATALOG.items():
        for depth in range(1, len(trail) + 1):
            key = trail[:depth]
            if key not in categories:
                categories[key] = add_category(key[-1], categories.get(key[:-1]))
        for sku, name, kind, unit, cost, price, tax in rows:
            product = Product(sku=sku, name=name, category_id=categories[trail].id, type=kind, unit=unit,
                              cost=D(cost), list_price=D(price), currency="EUR", tax_rate=D(tax), active=True)
            session.add(product)
            products[sku] = product
    # one product no longer sold, to show the filter
    session.add(Product(sku="LAP-13-OLD", name="Laptop 13\" (previous model)", category_id=categories[
        ("Hardware", "Computers", "Laptops")].id, type="goods", unit="pc", cost=D("500.00"),
        list_price=D("899.00"), currency="EUR", tax_rate=D("19.00"), active=False))
    session.flush()
    for sku, other, kind in RELATED:
        session.add(RelatedProduct(product_id=products[sku].id, related_id=products[other].id, kind=kind))

    year = toolkit.utcnow().year
    start, end = date(year, 1, 1), date(year, 12, 31)

    def pricelist(name: str, *, tier: str | None = None, channel: str | None = None, currency: str = "EUR",
                  valid_from: date = start, valid_to: date | None = end,
                  prices: list[tuple[str, str, str]]) -> None:
        pl = PriceList(name=name, currency=currency, customer_tier=tier, channel=channel, valid_from=valid_from,
                       valid_to=valid_to, active=True)
        pl.items = [PriceListItem(product_id=products[sku].id, min_quantity=D(q), unit_price=D(u))
                    for sku, q, u in prices]
        session.add(pl)

    gold = []
    for sku, product in products.items():
        if product.type == "goods" and product.list_price >= 100:
            gold.append((sku, "1", str((product.list_price * D("0.92")).quantize(D("0.01")))))
    pricelist(f"Gold customers {year}", tier="gold", prices=gold)
    pricelist(f"Partner channel {year}", channel="partner", prices=[
        (sku, "1", str((p.list_price * D("0.85")).quantize(D("0.01")))) for sku, p in products.items()
        if p.type in ("goods", "subscription")
    ])
    pricelist(f"Back to school {year}", valid_from=date(year, 8, 1), valid_to=date(year, 9, 30), prices=[
        ("LAP-14-BASIC", "1", "599.00"), ("LAP-14-BASIC", "10", "569.00"), ("LAP-14-BASIC", "50", "539.00"),
        ("LAP-14-PRO", "1", "979.00"), ("LAP-14-PRO", "10", "939.00"), ("LAP-14-PRO", "50", "899.00"),
        ("ACC-BAG-14", "1", "24.90"), ("ACC-BAG-14", "10", "19.90"),
        ("ACC-MOUSE", "10", "19.90"), ("ACC-MOUSE", "100", "16.90"),
    ])
    pricelist(f"Volume discounts {year}", valid_from=date(year, 1, 1), valid_to=None, prices=[
        ("PRN-PAPER-A4", "10", "22.50"), ("PRN-PAPER-A4", "50", "20.90"),
        ("PRN-TONER-BK", "5", "55.00"), ("PRN-TONER-BK", "20", "51.00"),
        ("SW-CRM-SEAT", "25", "22.00"), ("SW-CRM-SEAT", "100", "19.00"),
        ("SW-OFFICE-STD", "20", "109.00"), ("SW-OFFICE-STD", "100", "99.00"),
    ])
    pricelist(f"US dollar list {year}", currency="USD", prices=[
        (sku, "1", str((p.list_price * D("1.10")).quantize(D("0.01")))) for sku, p in products.items()
        if p.type == "goods"
    ])
    session.flush()
