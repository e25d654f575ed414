"""What the installed modules declared, collected and checked once per app.

Every registration hook is called here; each item is checked to carry its
module's namespace and to be declared by one module only. A conflict stops
the start-up with a message naming both modules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pluggy

from core.declarations import (
    ApiResource,
    MenuItem,
    ObjectAccess,
    Permission,
    Schedule,
    SearchProvider,
    Setting,
    Subscriber,
    TaskSpec,
    Widget,
)
from core.loader import ModuleError
from core.manifest import Manifest
from core.plugins import call_each


@dataclass
class Registry:
    """Everything the installed modules contribute, keyed by name, with owners."""

    manifests: dict[str, Manifest] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    models: dict[str, type] = field(default_factory=dict)  # table name -> model
    blueprints: dict[str, Any] = field(default_factory=dict)
    menu: dict[str, MenuItem] = field(default_factory=dict)
    objects: dict[str, ObjectAccess] = field(default_factory=dict)
    permissions: dict[str, Permission] = field(default_factory=dict)
    api_resources: dict[str, ApiResource] = field(default_factory=dict)
    tasks: dict[str, TaskSpec] = field(default_factory=dict)
    schedules: dict[str, Schedule] = field(default_factory=dict)
    widgets: dict[str, Widget] = field(default_factory=dict)
    search_providers: dict[str, SearchProvider] = field(default_factory=dict)
    subscribers: list[Subscriber] = field(default_factory=list)
    cli_commands: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Setting] = field(default_factory=dict)
    #: (kind, key) -> module that declared it
    owners: dict[tuple[str, str], str] = field(default_factory=dict)

    def owner(self, kind: str, key: str) -> str | None:
        return self.owners.get((kind, key))

    def all_permission_names(self) -> list[str]:
        names = [name for obj in self.objects.values() for name in obj.permission_names()]
        names.extend(self.permissions)
        return sorted(names)

    def hooks_by_module(self, pm: pluggy.PluginManager) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}
        for name, plugin in pm.list_name_plugin():
            result[name] = sorted(
                hook.name for hook in pm.get_hookcallers(plugin) or [] if hook.name.startswith("crm_")
            )
        return result


def _in_namespace(module: str, key: str, sep: str = ".") -> bool:
    return module == "core" or key == module or key.startswith(module + sep)


def _add(
    registry: Registry,
    target: dict[str, Any],
    kind: str,
    key: str,
    module: str,
    value: Any,
    sep: str = ".",
) -> None:
    if not _in_namespace(module, key, sep):
        raise ModuleError(
            f"module '{module}' declares {kind} '{key}', which is outside its namespace "
            f"(it must start with '{module}{sep}')"
        )
    other = registry.owners.get((kind, key))
    if other is not None:
        raise ModuleError(f"{kind} '{key}' is declared by both module '{other}' and module '{module}'")
    registry.owners[(kind, key)] = module
    target[key] = value


def _items(pm: pluggy.PluginManager, hook: str) -> Iterable[tuple[str, Any]]:
    for module, values in call_each(pm, hook):
        for value in values:
            yield module, value


def build_registry(pm: pluggy.PluginManager, manifests: dict[str, Manifest], order: list[str]) -> Registry:
    reg = Registry(manifests=dict(manifests), order=list(order))
    for module, model in _items(pm, "crm_models"):
        table = model.__tablename__
        _add(reg, reg.models, "table", table, module, model, sep="_")
    for module, bp in _items(pm, "crm_blueprints"):
        _add(reg, reg.blueprints, "blueprint", bp.name, module, bp, sep="_")
    for module, item in _items(pm, "crm_menu_items"):
        _add(reg, reg.menu, "menu item", item.key, module, item)
    for module, decl in _items(pm, "crm_permissions"):
        if isinstance(decl, ObjectAccess):
            _add(reg, reg.objects, "object", decl.object, module, decl)
            for name in decl.permission_names():
                _add(reg, {}, "permission", name, module, decl)
        elif isinstance(decl, Permission):
            _add(reg, reg.permissions, "permission", decl.name, module, decl)
        else:
            raise ModuleError(f"module '{module}': crm_permissions returned {decl!r}")
    simple: list[tuple[str, str, dict[str, Any], Callable[[Any], str]]] = [
        ("crm_api_resources", "API resource", reg.api_resources, lambda r: r.name or r.path),
        ("crm_tasks", "task", reg.tasks, lambda t: t.name),
        ("crm_schedules", "schedule", reg.schedules, lambda s: s.name),
        ("crm_dashboard_widgets", "widget", reg.widgets, lambda w: w.key),
        ("crm_search_providers", "search provider", reg.search_providers, lambda s: s.key),
        ("crm_settings", "setting", reg.settings, lambda s: s.key),
    ]
    for hook, kind, target, key_of in simple:
        for module, item in _items(pm, hook):
            if kind == "API resource":
                # paths are plural nouns (companies, contacts); the owner is checked on the object
                key = key_of(item)
                other = reg.owners.get((kind, key))
                if other is not None:
                    raise ModuleError(
                        f"API resource '/api/v1/{key}' is declared by both module '{other}' and module '{module}'"
                    )
                reg.owners[(kind, key)] = module
                target[key] = item
            else:
                _add(reg, target, kind, key_of(item), module, item)
    for _module, item in _items(pm, "crm_event_subscribers"):
        reg.subscribers.append(item)
    for module, command in _items(pm, "crm_cli_commands"):
        other = reg.owners.get(("command", command.name))
        if other is not None:
            raise ModuleError(
                f"command 'crm {command.name}' is declared by both module '{other}' and module '{module}'"
            )
        reg.owners[("command", command.name)] = module
        reg.cli_commands[command.name] = command
    for key, item in reg.menu.items():
        if item.parent and item.parent not in reg.menu:
            raise ModuleError(
                f"module '{reg.owners[('menu item', key)]}': menu item '{key}' has unknown parent '{item.parent}'"
            )
    for name, sched in reg.schedules.items():
        if sched.task not in reg.tasks:
            raise ModuleError(
                f"module '{reg.owners[('schedule', name)]}': schedule '{name}' runs unknown task '{sched.task}'"
            )
    return reg
