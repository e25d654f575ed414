"""Every message id of core and of every bundled module has a German and a Chinese translation.

The message ids are extracted from the sources now (Babel, in-process), so a
string added without translating it fails here with its text. To fix:

    crm i18n update --all          # adds the new ids to every catalog
    # translate the empty msgstr "" entries in */translations/{de,zh_CN}/LC_MESSAGES/messages.po
    crm i18n check --all           # the same check as this test
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from core.i18n import compile_catalogs
from core.i18n_cli import TRANSLATED, Target, bundled_targets, extract, missing

TARGETS = bundled_targets()


def _has_messages(target: Target) -> bool:
    return any(message.id for message in extract(target))


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_catalogs_translate_every_message(target: Target) -> None:
    template = extract(target)
    if not any(m.id for m in template):
        pytest.skip(f"{target.name} has no translatable text")
    problems = []
    for locale in TRANSLATED:
        problems.extend(f"[{locale}] {msgid}" for msgid in missing(target, locale, template))
    assert not problems, (
        f"{target.name}: {len(problems)} message(s) lack a translation "
        f"(run `crm i18n update{' --module ' + target.name if target.name != 'core' else ''}` and translate):\n  "
        + "\n  ".join(problems)
    )


@pytest.mark.parametrize("target", TARGETS, ids=[t.name for t in TARGETS])
def test_catalog_files_are_valid(target: Target) -> None:
    for po in sorted(target.translations.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        errors = [(m.id, [str(e) for e in errs]) for m, errs in catalog.check()]
        assert not errors, f"{po}: {errors}"


def test_check_reports_a_new_string(tmp_path: Path) -> None:
    """The check is not vacuous: an untranslated string in a module is named."""
    folder = tmp_path / "newmod"
    (folder / "templates" / "newmod").mkdir(parents=True)
    (folder / "plugin.py").write_text('from core.toolkit import _\n\nLABEL = _("Brand-new label")\n')
    (folder / "templates" / "newmod" / "page.html").write_text('<p>{{ _("Brand-new text") }}</p>\n')
    target = Target("newmod", ((folder, (("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract"))),),
                    folder / "translations")
    assert missing(target, "de") == ["Brand-new label", "Brand-new text"]


def test_compiled_catalogs_follow_their_sources(tmp_path: Path) -> None:
    """A fresh clone has no .mo files: start-up compiles them, and again when a .po changes."""
    po = tmp_path / "de" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\nmsgid "Yes"\nmsgstr "Ja"\n')
    assert compile_catalogs([tmp_path]) == [po.with_suffix(".mo")]
    assert compile_catalogs([tmp_path]) == []  # up to date
    later = time.time() + 5
    os.utime(po, (later, later))
    assert compile_catalogs([tmp_path]) == [po.with_suffix(".mo")]
