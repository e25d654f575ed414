"""``crm i18n extract|update|compile|check [--module NAME]``: maintain translation catalogs.

Core's catalog (``core/translations``) covers ``core/**.py``,
``core/templates/**.html`` and ``themes/**.html``; a module's
(``<module>/translations``) covers its own Python files and templates. Tests,
migrations and the module scaffold's templates are left out. The same
extraction runs in-process in the catalog test, so what ``check`` reports is
what the test reports.

Catalogs are written sorted by message id and without line numbers, so two
people adding strings in different files rarely touch the same lines.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from core import __version__
from core.config import ROOT
from core.i18n import LANGUAGES, compile_catalogs

#: every language gets a catalog; English is the source language (its catalog stays empty)
TRANSLATED = [code for code in LANGUAGES if code != "en"]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
JINJA = "jinja2.ext:babel_extract"
SKIP_DIRS = {"tests", "migrations", "translations", "node_modules", "__pycache__", "scaffold_template", "static"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{(\w*)\}")


@dataclass(frozen=True)
class Target:
    """What one catalog covers: source folders (with their file patterns) and where it lives."""

    name: str
    sources: tuple[tuple[Path, tuple[tuple[str, str], ...]], ...]
    translations: Path


def core_target() -> Target:
    return Target(
        "core",
        (
            (ROOT / "core", (("**.py", "python"), ("templates/**.html", JINJA))),
            (ROOT / "themes", (("**.html", JINJA),)),
        ),
        ROOT / "core" / "translations",
    )


def module_target(name: str, folder: Path) -> Target:
    return Target(
        name,
        ((folder, (("**.py", "python"), ("templates/**.html", JINJA))),),
        folder / "translations",
    )


def bundled_targets() -> list[Target]:
    """Core and every bundled module (``modules/<name>/``)."""
    targets = [core_target()]
    for folder in sorted((ROOT / "modules").iterdir()):
        if folder.is_dir() and (folder / "plugin.py").is_file():
            targets.append(module_target(folder.name, folder))
    return targets


def find_target(module: str | None) -> Target:
    """Core, or the module ``module`` wherever it is found (bundled or an add-on)."""
    if not module:
        return core_target()
    from core.loader import load_graph

    manifest = load_graph().manifests.get(module)
    if manifest is None or manifest.path is None:
        raise click.ClickException(f"no module named '{module}' was found")
    return module_target(module, Path(manifest.path))


def _keep_dir(path: str) -> bool:
    name = Path(path).name
    return not (name.startswith((".", "_")) or name in SKIP_DIRS)


def extract(target: Target) -> Catalog:
    """The message ids in ``target``'s sources now (a template catalog)."""
    catalog = Catalog(project="crm-suite", version=__version__, charset="utf-8")
    for folder, method_map in target.sources:
        if not folder.is_dir():
            continue
        results = extract_from_dir(
            folder, method_map, {}, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True, directory_filter=_keep_dir,
        )
        for filename, lineno, message, comments, context in results:
            where = (folder / filename).relative_to(ROOT) if (folder / filename).is_relative_to(ROOT) else filename
            catalog.add(message, None, [(str(where), lineno)], auto_comments=comments, context=context)
    return catalog


def _po_path(target: Target, locale: str) -> Path:
    return target.translations / locale / "LC_MESSAGES" / "messages.po"


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True, include_lineno=False, ignore_obsolete=True)


def update(target: Target) -> dict[str, int]:
    """Bring every language's catalog in line with the sources; returns untranslated counts."""
    template = extract(target)
    counts = {}
    for locale in LANGUAGES:
        path = _po_path(target, locale)
        if path.is_file():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=locale)
            catalog.update(template, no_fuzzy_matching=True)
        else:
            catalog = Catalog(locale=locale, project="crm-suite", version=__version__, charset="utf-8")
            catalog.update(template, no_fuzzy_matching=True)
        _write(catalog, path)
        counts[locale] = len(missing(target, locale, template)) if locale != "en" else 0
    return counts


def _translated(message: object) -> bool:
    value = message.string  # type: ignore[attr-defined]
    if isinstance(value, (list, tuple)):
        return all(value)
    return bool(value)


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in PLACEHOLDER.findall(text)}


def missing(target: Target, locale: str, template: Catalog | None = None) -> list[str]:
    """Message ids of the sources that ``locale``'s catalog lacks, leaves empty, marks fuzzy,
    or translates with other ``%(name)s`` placeholders than the English text has."""
    template = template if template is not None else extract(target)
    path = _po_path(target, locale)
    catalog = None
    if path.is_file():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
    problems = []
    for message in template:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        found = catalog.get(message.id, context=message.context) if catalog is not None else None
        if found is None or found.fuzzy or not _translated(found):
            problems.append(key)
            continue
        strings = found.string if isinstance(found.string, (list, tuple)) else [found.string]
        if any(_placeholders(s) != _placeholders(key) for s in strings if s):
            problems.append(f"{key}  [placeholders differ]")
    return problems


def _targets(module: str | None, every: bool) -> Iterator[Target]:
    if every:
        yield from bundled_targets()
    else:
        yield find_target(module)


# -- commands --------------------------------------------------------------------


@click.group("i18n")
def i18n() -> None:
    """Translation catalogs of core and modules (English, German, Simplified Chinese)."""


_module = click.option("--module", "module", default=None, help="a module's catalog instead of core's")
_all = click.option("--all", "every", is_flag=True, help="core and every bundled module")


@i18n.command("extract")
@_module
def extract_command(module: str | None) -> None:
    """Write messages.pot (the message ids in the sources) into the translations folder."""
    target = find_target(module)
    path = target.translations / "messages.pot"
    _write(extract(target), path)
    click.echo(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


@i18n.command("update")
@_module
@_all
def update_command(module: str | None, every: bool) -> None:
    """Add new message ids to every language's messages.po and drop removed ones."""
    for target in _targets(module, every):
        counts = update(target)
        todo = ", ".join(f"{loc}: {n} untranslated" for loc, n in counts.items() if loc != "en")
        click.echo(f"{target.name}: updated {target.translations} ({todo})")


@i18n.command("compile")
@_module
@_all
def compile_command(module: str | None, every: bool) -> None:
    """Compile messages.po into messages.mo (the app also does this at start-up)."""
    for target in _targets(module, every):
        written = compile_catalogs([target.translations], force=True)
        click.echo(f"{target.name}: compiled {len(written)} catalog(s)")


@i18n.command("check")
@_module
@_all
def check_command(module: str | None, every: bool) -> None:
    """List message ids without a translation; exit 1 when there are any."""
    bad = 0
    for target in _targets(module, every):
        template = extract(target)
        for locale in TRANSLATED:
            for msgid in missing(target, locale, template):
                bad += 1
                click.echo(f"{target.name} [{locale}] {msgid}")
    if bad:
        click.echo(f"{bad} message(s) need a translation", err=True)
        sys.exit(1)
    click.echo("every catalog is complete")
