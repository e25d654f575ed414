"""The importer's short cuts give exactly what email-validator and phonenumbers give (and the same errors)."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from modules.contacts.import_checks import PhoneNormalizer, fast_email, fast_name_key
from modules.contacts.normalize import InvalidValue, email_address, name_key, person_name, phone_e164


def _outcome(fn, *args):
    try:
        return fn(*args)
    except InvalidValue as exc:
        return f"error: {exc}"


def test_fast_email_agrees_with_email_validator() -> None:
    rng = random.Random(11)
    domains = ["example.com", "Example.COM", "a-b.de", "x.c", "xn--mnchen-3ya.de", "b.test", "a..b.com", "-a.com",
               "a.123", "sub.ex-ample.co.uk", "x.y.z.qq", "localhost", "münchen.de", "a.invalid", "ex--ample.org",
               "a" * 64 + ".com", "163.com"]
    locals_ = ["ann", "Ann.Lee", "a+b", "o'neil", ".ann", "ann.", "a..b", "a b", "\"quoted\"", "x" * 65, "ä", "_",
               "a-b_c", "ANN"]
    cases = [f"{local}@{domain}" for local in locals_ for domain in domains]
    chars = "abcXYZ019._+-'@ "
    cases += ["".join(rng.choice(chars) for _ in range(rng.randint(1, 20))) + "@" + rng.choice(domains)
              for _ in range(3000)]
    cases += ["", "  ", "no-at-sign", "two@@example.com", " padded@example.com "]
    for case in cases:
        assert _outcome(fast_email, case) == _outcome(email_address, case), case


PHONE_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


def _numbers(seed: int, count: int) -> list[tuple[str, str]]:
    """Numbers in the shapes people type, from every region, valid and not."""
    rng = random.Random(seed)
    found: list[tuple[str, str]] = []
    while len(found) < count:
        region = rng.choice(PHONE_REGIONS)
        kind = rng.choice([phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE])
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        code = example.country_code
        national = str(example.national_number)
        keep = rng.randint(1, 4)
        digits = national[:keep] + "".join(rng.choice("0123456789")
                                           for _ in range(len(national) - keep + rng.choice([0, 0, 0, -1, 1])))
        shape = rng.randint(0, 5)
        if shape == 0:
            text = f"+{code} {digits}"
        elif shape == 1:
            text = f"+{code} ({digits[:3]}) {digits[3:6]}-{digits[6:]}"
        elif shape == 2:
            text = f"(0{digits[:2]}) {digits[2:]}"
        elif shape == 3:
            text = f"00{code} {digits}"
        elif shape == 4:
            text = digits
        else:
            text = f"0{digits[:3]}/{digits[3:]}"
        found.append((text, rng.choice([region, region, "US", "DE", "CN"])))
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_phone_short_cuts_agree_with_phonenumbers(seed: int) -> None:
    normalizer = PhoneNormalizer()
    numbers = _numbers(seed, 12000)
    for text, region in numbers:
        assert _outcome(normalizer, text, region) == _outcome(phone_e164, text, region), (text, region)
    # the short cuts were really taken (otherwise this test proves nothing about them)
    assert len(normalizer.international) > 100 and len(normalizer.national) > 1000


def test_odd_phone_input_goes_to_phonenumbers() -> None:
    normalizer = PhoneNormalizer()
    for text in ["+49 30 1234567 ext. 12", "call me", "+", "١٢٣٤٥٦٧٨", "+49 (0)30 1234567", "+1-800-FLOWERS",
                 "0049 30 1234567", "011 49 30 1234567", "+800 1234 5678"]:
        assert _outcome(normalizer, text, "DE") == _outcome(phone_e164, text, "DE"), text
        assert _outcome(normalizer, text, "US") == _outcome(phone_e164, text, "US"), text


@pytest.mark.parametrize(("first", "last"), [
    ("Ann", "Lee"), ("  Ann ", " Lee  Smith "), (None, "Lee"), ("Jürgen", "Müller"), ("小明", "王"), ("", "王小明"),
    ("Ǆemal", "Šabić"), ("ANN", None), ("Ｆｕｌｌ", "ｗｉｄｔｈ"), ("Ann", "x" * 250),
])
def test_fast_name_key_agrees_with_the_models_key(first, last) -> None:
    assert fast_name_key(first, last) == name_key(person_name(first, last))
