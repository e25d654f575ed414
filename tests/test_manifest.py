from __future__ import annotations

import pytest

from core.manifest import ManifestError, parse_manifest

GOOD = 'name = "shop"\nversion = "1.2.0"\nsummary = "A shop"\n'


def test_good_manifest_parses_with_defaults() -> None:
    data = parse_manifest(GOOD + 'depends = ["contacts"]\n', "shop.toml")
    assert data["name"] == "shop"
    assert data["depends"] == ["contacts"]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('colour = "red"\n', "shop.toml: unknown key 'colour'"),
        ('depends = "contacts"\n', "shop.toml: key 'depends' must be a list, got str"),
        ("auto_install = 1\n", "shop.toml: key 'auto_install' must be true or false, got int"),
        ("depends = [1]\n", "shop.toml: key 'depends' must be a list of strings"),
        ('depends = ["Bad-Name"]\n', "shop.toml: key 'depends' has an invalid module name 'Bad-Name'"),
        ('requires_core = "at least one"\n', "shop.toml: key 'requires_core' is not a version specifier"),
        ('extras = ["not a requirement !!"]\n', "shop.toml: key 'extras' has an invalid requirement"),
        ("auto_install = true\n", "shop.toml: key 'auto_install' needs 'depends'"),
        ('depends = ["shop"]\n', "module 'shop' cannot depend on itself"),
    ],
)
def test_bad_values_name_file_and_key(extra: str, expected: str) -> None:
    with pytest.raises(ManifestError) as err:
        parse_manifest(GOOD + extra, "shop.toml")
    assert expected in str(err.value)


@pytest.mark.parametrize("missing", ["name", "version", "summary"])
def test_missing_required_key(missing: str) -> None:
    text = "\n".join(line for line in GOOD.splitlines() if not line.startswith(missing))
    with pytest.raises(ManifestError, match=f"missing required key '{missing}'"):
        parse_manifest(text, "shop.toml")


def test_bad_name_and_version() -> None:
    with pytest.raises(ManifestError, match="key 'name' is 'Shop!'"):
        parse_manifest(GOOD.replace('"shop"', '"Shop!"'), "x.toml")
    with pytest.raises(ManifestError, match="key 'version' is not a valid version"):
        parse_manifest(GOOD.replace("1.2.0", "one"), "x.toml")


def test_not_toml() -> None:
    with pytest.raises(ManifestError, match="x.toml: not valid TOML"):
        parse_manifest("name = ", "x.toml")
