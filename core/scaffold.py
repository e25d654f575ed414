"""``crm module new NAME``: write a working third-party module to start from.

The generated folder is a pip-installable project whose package announces
itself through the ``crm.modules`` entry point, with one model and its
migration, a list page, a menu entry, permissions and tests that pass. It is
rendered from the files under ``core/scaffold_template/``: every file there
ends in ``.tmpl`` (so tools never mistake a template for real code) and uses
``@@{name}`` placeholders, which collide with neither Python nor Jinja.
Path parts may hold ``{name}``.
"""

from __future__ import annotations

import string
from pathlib import Path

from core import __version__ as CORE_VERSION
from core.manifest import NAME_RE

TEMPLATE_DIR = Path(__file__).resolve().parent / "scaffold_template"
SUFFIX = ".tmpl"
#: names that would shadow core's own namespaces (tables, URLs, permissions)
RESERVED = {"core", "api", "static", "auth", "admin"}


class ScaffoldError(ValueError):
    """The module cannot be generated; the message says why."""


class _Template(string.Template):
    """Only the braced form ``@@{name}``: ``$`` appears in shell snippets and
    ``{{`` in Jinja, ``@@`` nowhere else; a bare ``@@name`` is an error."""

    delimiter = "@@"
    idpattern = r"(?!)"
    braceidpattern = r"[a-z_]+"


def placeholders(name: str) -> dict[str, str]:
    """Values substituted into the templates for module ``name``."""
    title = name.replace("_", " ").title()
    major, minor = (int(part) for part in CORE_VERSION.split(".")[:2])
    return {
        "name": name,
        "package": f"crm_{name}",
        "title": title,
        "core_version": CORE_VERSION,
        # the core API the module was written against: this minor line up to the next major
        "requires_core": f">={major}.{minor},<{major + 1}",
    }


def check_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise ScaffoldError(
            f"invalid module name {name!r}: use 2-40 lowercase letters, digits or underscores, "
            "starting with a letter (it becomes the table prefix, URL and permission namespace)"
        )
    if name in RESERVED:
        raise ScaffoldError(f"invalid module name {name!r}: it is reserved by core ({', '.join(sorted(RESERVED))})")


def generate(name: str, path: str | Path = ".") -> Path:
    """Write ``<path>/crm_<name>/`` and return it; refuse a bad name or an existing folder."""
    check_name(name)
    values = placeholders(name)
    target = Path(path) / values["package"]
    if target.exists():
        raise ScaffoldError(f"{target} already exists; choose another --path or remove it first")
    sources = sorted(TEMPLATE_DIR.rglob(f"*{SUFFIX}"))
    if not sources:
        raise ScaffoldError(f"the module templates are missing from this installation ({TEMPLATE_DIR})")
    files: list[tuple[Path, str]] = []
    for source in sources:
        relative = source.relative_to(TEMPLATE_DIR)
        parts = [part.format(**values) for part in relative.parts]
        parts[-1] = parts[-1][: -len(SUFFIX)]
        text = _Template(source.read_text(encoding="utf-8")).substitute(values)
        files.append((target.joinpath(*parts), text))
    # render everything first, so a template error never leaves half a module behind
    for dest, text in files:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
    return target
