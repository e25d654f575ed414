"""The plugin manager: importing installed modules and calling their hooks."""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Iterable
from types import ModuleType
from typing import Any

import pluggy

from core import hookspecs
from core.loader import ModuleError
from core.manifest import Manifest

log = logging.getLogger("crm.hooks")


def make_plugin_manager(trace: bool = False) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    if trace:
        _enable_tracing(pm)
    return pm


def _enable_tracing(pm: pluggy.PluginManager) -> None:
    """``CRM_TRACE_HOOKS=1``: log each hook call, its implementations and duration."""
    started: list[float] = []

    def before(hook_name: str, impls: list[Any], kwargs: dict[str, Any]) -> None:
        started.append(time.perf_counter())

    def after(outcome: Any, hook_name: str, impls: list[Any], kwargs: dict[str, Any]) -> None:
        took = (time.perf_counter() - started.pop()) * 1000 if started else 0.0
        names = ",".join(impl.plugin_name for impl in impls)
        log.info("hook %s [%s] %.2f ms", hook_name, names, took)

    pm.add_hookcall_monitoring(before, after)
    pm.crm_trace = True  # type: ignore[attr-defined]


def load_plugin(manifest: Manifest) -> ModuleType:
    """Import a module's plugin code; errors name the module."""
    try:
        return importlib.import_module(manifest.plugin)
    except ImportError as exc:
        raise ModuleError(
            f"module '{manifest.name}': cannot import its plugin '{manifest.plugin}': {exc}"
        ) from exc


def add_module_hookspecs(pm: pluggy.PluginManager, manifest: Manifest, plugin: ModuleType) -> None:
    """Hooks a module defines for others (``HOOKSPECS`` in its plugin), e.g. sales' opportunity panels.

    Each name must start with ``<module>_`` so two modules can never define the
    same hook; the modules that implement it depend on the defining module.
    """
    specs = getattr(plugin, "HOOKSPECS", None)
    if specs is None:
        return
    prefix = f"{manifest.name}_"
    for name in dir(specs):
        if callable(getattr(specs, name)) and hasattr(getattr(specs, name), f"{hookspecs.PROJECT}_spec"):
            if not name.startswith(prefix):
                raise ModuleError(f"module '{manifest.name}': hook '{name}' it defines must start with '{prefix}'")
    try:
        pm.add_hookspecs(specs)
    except (ValueError, pluggy.PluginValidationError) as exc:
        raise ModuleError(f"module '{manifest.name}': invalid hook specification: {exc}") from exc


def register_modules(pm: pluggy.PluginManager, manifests: Iterable[Manifest]) -> None:
    for manifest in manifests:
        plugin = load_plugin(manifest)
        if pm.is_registered(plugin):
            continue
        add_module_hookspecs(pm, manifest, plugin)
        try:
            pm.register(plugin, name=manifest.name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            raise ModuleError(f"module '{manifest.name}': invalid hook implementation: {exc}") from exc


def call_each(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call every implementation of ``hook_name`` and keep which module returned what.

    Registration hooks need the owner of each item to name both sides of a
    conflict, which a plain ``pm.hook.x()`` call loses. Implementations receive
    only the arguments they name, as pluggy does.
    """
    caller = getattr(pm.hook, hook_name)
    results: list[tuple[str, Any]] = []
    trace = getattr(pm, "crm_trace", False)
    for impl in caller.get_hookimpls():  # registration order: depth, then name
        args = {name: kwargs[name] for name in impl.argnames}
        started = time.perf_counter()
        value = impl.function(**args)
        if trace:
            log.info(
                "hook %s [%s] %.2f ms", hook_name, impl.plugin_name, (time.perf_counter() - started) * 1000
            )
        if value is not None:
            results.append((impl.plugin_name, value))
    return results


def call_one(pm: pluggy.PluginManager, module: str, hook_name: str, **kwargs: Any) -> Any:
    """Call ``hook_name`` on one module's plugin only (lifecycle hooks)."""
    plugin = pm.get_plugin(module)
    if plugin is None:
        return None
    caller = pm.subset_hook_caller(hook_name, [p for p in pm.get_plugins() if p is not plugin])
    return caller(**kwargs)
