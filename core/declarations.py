"""The data types hooks return. Core registers them; modules only build them.

Each type names what it declares with a dotted name that starts with the
module's name (``contacts.customers``), so core can tell which module owns it
and reject a second module declaring the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: letters used in grants: read, create, write, delete
ACTIONS = {"r": "read", "c": "create", "w": "write", "d": "delete"}
RULES = ("own", "team", "all")


@dataclass(frozen=True)
class MenuItem:
    """An entry of the top menu (``parent=None``) or of a menu's drop-down."""

    key: str
    label: Any
    endpoint: str | None = None
    permission: str | None = None
    parent: str | None = None
    order: int = 100
    icon: str = ""


@dataclass(frozen=True)
class ObjectAccess:
    """Who may do what with one kind of record, and which records they see.

    ``grants`` maps a role to letters from ``rcwd``; ``rules`` maps a role to
    ``own``, ``team`` or ``all``. The built-in ``admin`` role always has every
    right on every record. Permission names are ``<object>.<action>``, e.g.
    ``contacts.contact.read``.
    """

    object: str
    label: Any
    grants: dict[str, str] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)
    #: attribute of the model holding the owning user's id (record rules "own"/"team")
    owner_field: str = "owner_id"

    def permission_names(self) -> list[str]:
        return [f"{self.object}.{action}" for action in ACTIONS.values()]


@dataclass(frozen=True)
class Permission:
    """A named right outside the read/create/write/delete of an object (e.g. ``contacts.import``)."""

    name: str
    label: Any
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskSpec:
    """A background task; ``name`` is ``<module>.<task>``."""

    name: str
    func: Callable[..., Any]
    #: retries on exception, with exponential backoff
    max_retries: int = 0


@dataclass(frozen=True)
class Schedule:
    """Run ``task`` periodically: every ``seconds``, or at ``crontab`` (five-field cron text)."""

    name: str
    task: str
    seconds: float | None = None
    crontab: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Widget:
    """A dashboard widget. ``render(user)`` returns the context its template needs."""

    key: str
    title: Any
    render: Callable[..., dict[str, Any]]
    permission: str | None = None
    template: str = "core/widgets/kpi.html"
    order: int = 100
    width: int = 1


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    kind: str = ""
    detail: str = ""


@dataclass(frozen=True)
class SearchProvider:
    """Global search: ``search(query, user, limit)`` returns ``SearchHit`` items the user may see."""

    key: str
    label: Any
    search: Callable[..., list[SearchHit]]
    permission: str | None = None


@dataclass(frozen=True)
class Subscriber:
    """Call ``handler(event)`` for each event whose name matches ``pattern`` (``contact.*`` allowed)."""

    pattern: str
    handler: Callable[..., Any]
    name: str = ""


@dataclass(frozen=True)
class Setting:
    """A setting an administrator can change; ``key`` is ``<module>.<setting>``."""

    key: str
    label: Any
    type: str = "str"
    default: Any = None
    help: Any = ""


@dataclass(frozen=True)
class ApiResource:
    """A REST resource served under ``/api/v1/<path>``.

    ``model`` is the SQLAlchemy model, ``schema`` the marshmallow schema class
    (its ``dump_only`` fields can never be written), ``object`` the access
    object whose grants and record rules apply. ``prepare(record, data,
    creating)`` runs before a create or update is committed, as ``FormView``'s
    does (derived values); it must not commit and may raise marshmallow's
    ``ValidationError`` (answered 422).
    """

    path: str
    model: type
    schema: type
    object: str
    sortable: tuple[str, ...] = ("id",)
    filterable: tuple[str, ...] = ()
    searchable: tuple[str, ...] = ()
    #: ``toolkit.Search`` items over model columns: when given, ``?q=`` searches
    #: like the module's list page does (prefix/key searches an index serves)
    #: instead of "contains" over ``searchable``
    search: tuple[Any, ...] = ()
    #: fields that also filter by range: ``?<field>_from=`` and ``?<field>_to=`` (both inclusive)
    ranges: tuple[str, ...] = ()
    methods: tuple[str, ...] = ("GET", "POST", "PATCH", "DELETE")
    name: str = ""
    prepare: Callable[[Any, dict[str, Any], bool], None] | None = None
