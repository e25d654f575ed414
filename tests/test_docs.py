"""The documentation for module authors must match the code it describes.

A hook added to ``core/hookspecs.py`` without a section in ``docs/hooks.md``,
a signature changed in one place only, a manifest key nobody documented, or
a production setting that does not exist: each of these fails here, so the
engineer who changed the code is told to change the docs too.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from core import config, hookspecs
from core.manifest import KEYS

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: a hook section heading: ### `crm_name(arg: type, ...) -> type`
HEADING = re.compile(r"^###\s+`(?P<sig>(?P<name>crm_\w+)\(.*\)\s*->\s*.+)`\s*$", re.MULTILINE)


def spec_functions() -> dict[str, object]:
    return {
        name: fn
        for name, fn in vars(hookspecs).items()
        if name.startswith("crm_") and callable(fn) and hasattr(fn, "crm_spec")
    }


def written_signature(fn: object) -> str:
    """``name(arg: type, ...) -> type`` with annotations exactly as written in hookspecs.py.

    hookspecs.py uses ``from __future__ import annotations``, so every
    annotation is the source text itself.
    """
    sig = inspect.signature(fn)  # type: ignore[arg-type]
    params = []
    for param in sig.parameters.values():
        text = param.name
        if param.annotation is not inspect.Parameter.empty:
            text += f": {param.annotation}"
        if param.default is not inspect.Parameter.empty:
            text += f" = {param.default!r}"
        params.append(text)
    result = f"{fn.__name__}({', '.join(params)})"  # type: ignore[attr-defined]
    if sig.return_annotation is not inspect.Signature.empty:
        result += f" -> {sig.return_annotation}"
    return result


def documented_hooks() -> dict[str, str]:
    text = (DOCS / "hooks.md").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for match in HEADING.finditer(text):
        name = match["name"]
        assert name not in found, f"docs/hooks.md documents {name} twice"
        found[name] = " ".join(match["sig"].split())
    return found


def test_hookspecs_are_found() -> None:
    # guards the check below against silently comparing two empty sets
    specs = spec_functions()
    assert "crm_models" in specs and "crm_merge_records" in specs
    assert written_signature(specs["crm_merge_records"]) == (
        "crm_merge_records(object: str, target_id: int, source_ids: list[int]) -> int"
    )


def test_every_hook_is_documented_with_its_exact_signature() -> None:
    documented = documented_hooks()
    problems = []
    for name, fn in sorted(spec_functions().items()):
        code = written_signature(fn)
        if name not in documented:
            problems.append(f"{name} is missing from docs/hooks.md; add a section headed:\n    ### `{code}`")
        elif documented[name] != code:
            problems.append(
                f"{name}: docs/hooks.md says\n    {documented[name]}\nbut core/hookspecs.py says\n    {code}"
            )
    assert not problems, "\n".join(problems)


def test_no_documented_hook_is_gone() -> None:
    gone = sorted(set(documented_hooks()) - set(spec_functions()))
    assert not gone, f"docs/hooks.md documents hooks that core/hookspecs.py no longer has: {', '.join(gone)}"


def test_every_hook_has_a_docstring() -> None:
    missing = [name for name, fn in spec_functions().items() if not (fn.__doc__ or "").strip()]  # type: ignore[attr-defined]
    assert not missing, f"hookspecs without a docstring: {', '.join(sorted(missing))}"


def test_every_manifest_key_is_in_the_writing_modules_table() -> None:
    text = (DOCS / "writing-modules.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\|\s*`(\w+)`\s*\|", text, re.MULTILINE))
    missing = sorted(set(KEYS) - rows)
    assert not missing, f"docs/writing-modules.md has no manifest table row for: {', '.join(missing)}"


@pytest.mark.parametrize("doc", ["writing-modules.md", "production.md"])
def test_environment_variables_named_in_docs_exist(doc: str) -> None:
    """A documented ``CRM_*`` variable that the code does not read is a typo or a removed setting."""
    text = (DOCS / doc).read_text(encoding="utf-8")
    known = {var for var, *_rest in config.SETTINGS} | {"CRM_TEST_DATABASE_URL"}
    # ``CRM_SHOP_*`` (followed by ``_*``) names a module's own namespace, not a setting
    named = set(re.findall(r"\bCRM_[A-Z0-9_]*[A-Z0-9]\b(?!_\*)", text))
    unknown = sorted(named - known)
    assert not unknown, f"docs/{doc} names settings the code does not read: {', '.join(unknown)}"


def test_production_gunicorn_target_exists() -> None:
    text = (DOCS / "production.md").read_text(encoding="utf-8")
    match = re.search(r"gunicorn[^\n`]*'(?P<module>[\w.]+):(?P<attr>\w+)\(\)'", text)
    assert match, "docs/production.md shows no gunicorn command"
    module = __import__(match["module"], fromlist=[match["attr"]])
    assert callable(getattr(module, match["attr"]))
