"""Find module manifests and order modules by their dependencies.

Nothing here imports module code: manifests are data, and the graph is built
from them alone. Every problem (missing dependency, cycle, core version,
missing python package) raises ``ModuleError`` naming the module and the cause;
nothing is ever skipped silently.
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from core import __version__ as CORE_VERSION
from core.config import ROOT
from core.manifest import Manifest, ManifestError, load_manifest_file

ENTRY_POINT_GROUP = "crm.modules"
BUNDLED_MANIFESTS = ROOT / "module_manifests"
BUNDLED_CODE = ROOT / "modules"


class ModuleError(RuntimeError):
    """A module cannot be used; the message names the module and the cause."""


def addons_path_from_env() -> list[Path]:
    """``CRM_ADDONS_PATH``: extra folders holding module folders (``<name>/manifest.toml``)."""
    raw = os.environ.get("CRM_ADDONS_PATH", "")
    return [Path(p) for p in raw.split(os.pathsep) if p.strip()]


def discover(
    manifest_dir: Path = BUNDLED_MANIFESTS,
    *,
    entry_points: bool = True,
    addons_path: list[Path] | None = None,
) -> dict[str, Manifest]:
    """Return every available module's manifest: bundled, addons folders, entry points."""
    found: dict[str, Manifest] = {}
    if manifest_dir.is_dir():
        for path in sorted(manifest_dir.glob("*.toml")):
            name = path.stem
            manifest = load_manifest_file(
                path,
                plugin=f"modules.{name}.plugin",
                code_path=BUNDLED_CODE / name,
                origin="bundled",
                expected_name=name,
            )
            found[name] = manifest
    for folder in addons_path_from_env() if addons_path is None else addons_path:
        for path in sorted(folder.glob("*/manifest.toml")):
            name = path.parent.name
            manifest = load_manifest_file(
                path, plugin=f"{name}.plugin", code_path=path.parent, origin="addons", expected_name=name
            )
            if name in found:
                raise ModuleError(f"module '{name}' is declared twice: by {found[name].source} and by {path}")
            if str(folder.resolve()) not in sys.path:
                sys.path.append(str(folder.resolve()))
            found[name] = manifest
    if entry_points:
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            manifest = _entry_point_manifest(ep)
            if manifest.name in found:
                other = found[manifest.name].source
                raise ModuleError(
                    f"module '{manifest.name}' is declared twice: by {other} and by the "
                    f"entry point '{ep.name} = {ep.value}'"
                )
            found[manifest.name] = manifest
    return found


def _entry_point_manifest(ep: metadata.EntryPoint) -> Manifest:
    """Locate ``manifest.toml`` of a third-party package without importing it."""
    plugin = ep.value.split(":")[0]
    top = plugin.split(".")[0]
    spec = importlib.util.find_spec(top)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleError(
            f"module '{ep.name}': entry point '{ep.value}' names package '{top}', which is not installed"
        )
    package_dir = Path(next(iter(spec.submodule_search_locations)))
    path = package_dir / "manifest.toml"
    if not path.is_file():
        raise ModuleError(f"module '{ep.name}': package '{top}' has no manifest.toml ({path})")
    try:
        return load_manifest_file(
            path, plugin=plugin, code_path=package_dir, origin="entry-point", expected_name=ep.name
        )
    except ManifestError as exc:
        raise ModuleError(str(exc)) from exc


@dataclass
class ModuleGraph:
    """The available modules and their dependency relations."""

    manifests: dict[str, Manifest]

    def get(self, name: str) -> Manifest:
        try:
            return self.manifests[name]
        except KeyError:
            available = ", ".join(sorted(self.manifests)) or "none"
            raise ModuleError(f"unknown module '{name}' (available: {available})") from None

    def check(self, names: Iterable[str] | None = None) -> None:
        """Validate dependencies of ``names`` (default: all); raise on the first problem."""
        targets = sorted(self.manifests) if names is None else sorted(set(names))
        for name in targets:
            manifest = self.get(name)
            for dep in manifest.depends:
                if dep not in self.manifests:
                    raise ModuleError(
                        f"module '{name}' depends on '{dep}', which is not available "
                        f"(no module_manifests/{dep}.toml and no installed package declares it)"
                    )
        self._check_cycles(targets)

    def _check_cycles(self, roots: list[str]) -> None:
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(name: str) -> None:
            state[name] = 1
            stack.append(name)
            for dep in sorted(self.manifests[name].depends):
                if dep not in self.manifests:
                    continue
                if state.get(dep) == 1:
                    cycle = stack[stack.index(dep):] + [dep]
                    raise ModuleError(
                        f"module '{name}' is part of a dependency cycle: {' -> '.join(cycle)}"
                    )
                if state.get(dep) is None:
                    visit(dep)
            stack.pop()
            state[name] = 2

        for root in roots:
            if state.get(root) is None:
                visit(root)

    def closure(self, names: Iterable[str]) -> set[str]:
        """``names`` plus everything they depend on, transitively."""
        result: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop()
            if name in result:
                continue
            result.add(name)
            todo.extend(self.get(name).depends)
            self.check([name])
        return result

    def dependents(self, name: str, among: Iterable[str]) -> set[str]:
        """Modules in ``among`` that depend on ``name``, transitively."""
        among = set(among)
        result: set[str] = set()
        changed = True
        while changed:
            changed = False
            for other in among - result - {name}:
                deps = set(self.manifests[other].depends)
                if name in deps or deps & result:
                    result.add(other)
                    changed = True
        return result

    def depth(self, name: str) -> int:
        deps = self.get(name).depends
        return 0 if not deps else 1 + max(self.depth(dep) for dep in deps)

    def order(self, names: Iterable[str]) -> list[str]:
        """Deterministic install order: depth first, then name."""
        names = set(names)
        self.check(names)
        return sorted(names, key=lambda n: (self.depth(n), n))

    def auto_installable(self, installed: Iterable[str]) -> list[str]:
        """Bridge modules whose dependencies are all in ``installed`` but which are not."""
        installed = set(installed)
        return sorted(
            name
            for name, manifest in self.manifests.items()
            if manifest.auto_install
            and name not in installed
            and set(manifest.depends) <= installed
        )


def check_environment(manifest: Manifest, core_version: str = CORE_VERSION) -> None:
    """Core version and python packages the module needs; raise naming the cause."""
    if manifest.requires_core and Version(core_version) not in SpecifierSet(manifest.requires_core):
        raise ModuleError(
            f"module '{manifest.name}' requires core {manifest.requires_core}, "
            f"but this is core {core_version}"
        )
    for text in manifest.extras:
        req = Requirement(text)
        try:
            have = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            raise ModuleError(
                f"module '{manifest.name}' needs the python package '{text}', which is not installed "
                f"(pip install 'crm-suite[{manifest.name}]' or pip install '{text}')"
            ) from None
        if req.specifier and Version(have) not in req.specifier:
            raise ModuleError(
                f"module '{manifest.name}' needs the python package '{text}', but {req.name} {have} is installed"
            )


def load_graph(
    manifest_dir: Path = BUNDLED_MANIFESTS,
    *,
    entry_points: bool = True,
    addons_path: list[Path] | None = None,
) -> ModuleGraph:
    """Discover manifests and return the graph; manifest errors become ``ModuleError``."""
    try:
        return ModuleGraph(discover(manifest_dir, entry_points=entry_points, addons_path=addons_path))
    except ManifestError as exc:
        raise ModuleError(str(exc)) from exc
