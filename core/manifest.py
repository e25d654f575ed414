"""Module manifests: read with ``tomllib`` and validated before any module code runs.

A manifest is plain data. Bundled modules keep theirs in
``module_manifests/<name>.toml``; third-party packages ship ``manifest.toml``
beside their code and announce themselves through the ``crm.modules``
entry-point group.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

#: key -> (python type, required, description) — docs/writing-modules.md lists the same keys.
KEYS: dict[str, tuple[type | tuple[type, ...], bool, str]] = {
    "name": (str, True, "module name: lowercase letters, digits and underscores"),
    "version": (str, True, "module version (PEP 440)"),
    "summary": (str, True, "one line shown in module lists"),
    "category": (str, False, "grouping on the Modules page"),
    "depends": (list, False, "names of modules this one needs"),
    "auto_install": (bool, False, "bridge module: install automatically once all depends are installed"),
    "application": (bool, False, "a top-level application rather than a technical module"),
    "requires_core": (str, False, "version specifier the core must satisfy, e.g. '>=0.1,<1'"),
    "extras": (list, False, "python requirements the module needs, e.g. 'rapidfuzz>=3'"),
}


class ManifestError(ValueError):
    """A manifest that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Manifest:
    name: str
    version: str
    summary: str
    category: str = "Other"
    depends: tuple[str, ...] = ()
    auto_install: bool = False
    application: bool = False
    requires_core: str = ""
    extras: tuple[str, ...] = ()
    #: where the manifest came from (file path), for error messages
    source: str = ""
    #: dotted path of the module's plugin module (the one with ``@hookimpl`` functions)
    plugin: str = ""
    #: folder holding the module's code (migrations/, templates/, static/ ...)
    path: Path | None = field(default=None, compare=False)
    #: "bundled" or "entry-point"
    origin: str = "bundled"

    @property
    def parsed_version(self) -> Version:
        return Version(self.version)


def parse_manifest(text: str, source: str) -> dict[str, Any]:
    """Parse and validate manifest text; return the checked values."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{source}: not valid TOML: {exc}") from exc
    for key in data:
        if key not in KEYS:
            known = ", ".join(sorted(KEYS))
            raise ManifestError(f"{source}: unknown key '{key}' (known keys: {known})")
    for key, (kind, required, _desc) in KEYS.items():
        if key not in data:
            if required:
                raise ManifestError(f"{source}: missing required key '{key}'")
            continue
        value = data[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ManifestError(
                f"{source}: key '{key}' must be {_kind_name(kind)}, got {type(value).__name__}"
            )
        if kind is list and not all(isinstance(item, str) for item in value):
            raise ManifestError(f"{source}: key '{key}' must be a list of strings")
    name = data["name"]
    if not NAME_RE.match(name):
        raise ManifestError(
            f"{source}: key 'name' is {name!r}: use 2-40 lowercase letters, digits or underscores, "
            "starting with a letter"
        )
    try:
        Version(data["version"])
    except InvalidVersion as exc:
        raise ManifestError(f"{source}: key 'version' is not a valid version: {data['version']!r}") from exc
    for dep in data.get("depends", []):
        if not NAME_RE.match(dep):
            raise ManifestError(f"{source}: key 'depends' has an invalid module name {dep!r}")
        if dep == name:
            raise ManifestError(f"{source}: key 'depends': module '{name}' cannot depend on itself")
    if data.get("requires_core"):
        try:
            SpecifierSet(data["requires_core"])
        except InvalidSpecifier as exc:
            raise ManifestError(
                f"{source}: key 'requires_core' is not a version specifier: {data['requires_core']!r}"
            ) from exc
    for req in data.get("extras", []):
        try:
            Requirement(req)
        except InvalidRequirement as exc:
            raise ManifestError(f"{source}: key 'extras' has an invalid requirement {req!r}") from exc
    if data.get("auto_install") and not data.get("depends"):
        raise ManifestError(f"{source}: key 'auto_install' needs 'depends' (a bridge links modules)")
    return data


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return {str: "a string", list: "a list", bool: "true or false"}.get(kind, str(kind))  # type: ignore[arg-type]


def load_manifest_file(
    path: Path, *, plugin: str, code_path: Path | None, origin: str, expected_name: str | None = None
) -> Manifest:
    """Read one manifest file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read manifest: {exc}") from exc
    data = parse_manifest(text, str(path))
    if expected_name is not None and data["name"] != expected_name:
        raise ManifestError(
            f"{path}: key 'name' is {data['name']!r} but the module is registered as {expected_name!r}"
        )
    return Manifest(
        name=data["name"],
        version=data["version"],
        summary=data["summary"],
        category=data.get("category", "Other"),
        depends=tuple(data.get("depends", [])),
        auto_install=data.get("auto_install", False),
        application=data.get("application", False),
        requires_core=data.get("requires_core", ""),
        extras=tuple(data.get("extras", [])),
        source=str(path),
        plugin=plugin,
        path=code_path,
        origin=origin,
    )
