"""What a kind is: one declaration that every part of the system reads.

A `ResourceInfo` names a kind (group, version, kind, plural, scope, short names,
categories, subresources) and carries everything else that is true of it:

- `schema`: its OpenAPI fields with their descriptions, list merge keys and patch
  strategies (`minik8s.api.schema`); discovery, OpenAPI v2/v3 (so `kubectl explain`) and
  strategic merge patches are derived from it;
- `printer`: the columns and row function of server-side tables (`kubectl get`);
- `selectable`: the field labels a field selector may use, with where each value lives;
- `strategy`: the per-kind rules of the generic registry (Kubernetes' REST strategies):
  defaulting, validation on create and update, what create and update prepare, how a
  deletion is held and when it may finish.

The built-in kinds are declared one module each in `minik8s.api.kinds`; a
CustomResourceDefinition becomes a `ResourceInfo` the same way, so the API server never
asks which kind it holds (no `if kind == ...`).

This module depends on nothing else of the project but `errors` and `schema`, so every
other module (validation, defaults, patch, selectors, the printers) can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import Cause
from .names import dns1123_subdomain_errors
from .schema import KindSchema

Obj = dict[str, Any]
Errs = list[Cause]
Cells = list[Any]


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    """One column of a server-side Table (`meta.k8s.io/v1` TableColumnDefinition)."""

    name: str
    description: str
    type: str = "string"  # string, integer, number, boolean, date
    format: str = ""  # "name" marks the column kubectl uses for the object's name
    priority: int = 0  # 1: shown only with `-o wide`

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


NAME_COLUMN = Column(
    "Name",
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated.",
    format="name",
)


@dataclass(frozen=True)
class Printer:
    """How `kubectl get` shows a kind: its columns and the cells of one object.

    `row` never raises on a partial or malformed object: a cell it cannot compute is empty.
    `conditions` (optional) gives the row's conditions (kubectl greys out deleted pods).
    """

    columns: tuple[Column, ...]
    row: Callable[[Obj, datetime], Cells]
    conditions: Callable[[Obj], list[Obj]] | None = None


# --------------------------------------------------------------------------- strategy


class Strategy:
    """The rules of one kind that the generic registry calls, in this order.

    create: `prepare_for_create` (server-owned fields) → `default` → `validate`;
    update: `prepare_for_update` (what the client may not change) → `default` →
    `validate` + `validate_update`; delete: `grace_period` and `holds_deletion` decide
    whether the object goes at once or is marked (`on_mark_for_deletion`), and
    `holds_deletion` again whether a marked object without finalizers may go.

    Every hook is pure: it reads or changes only the objects it is handed. Most kinds are
    plain data: `Strategy(default=_default, validate=_validate, ...)`; a kind whose rules
    need more hooks (Pod, Namespace, Service) subclasses it. `Strategy()` is a kind with
    no rules of its own.
    """

    # Create drops a client's `status` (controllers and kubelets own it).
    reset_status_on_create: bool = False
    # Objects are written with an expiring etcd lease (Events, `--event-ttl`).
    expires: bool = False

    def __init__(
        self,
        *,
        default: Callable[[Obj], None] | None = None,
        validate: Callable[[Obj, Errs], None] | None = None,
        validate_update: Callable[[Obj, Obj, Errs], None] | None = None,
        name_errors: Callable[[str], list[str]] | None = None,
        prepare_for_create: Callable[[Obj], None] | None = None,
        reset_status_on_create: bool | None = None,
        expires: bool | None = None,
    ) -> None:
        self._default = default
        self._validate = validate
        self._validate_update = validate_update
        self._name_errors = name_errors or dns1123_subdomain_errors
        self._prepare_for_create = prepare_for_create
        if reset_status_on_create is not None:
            self.reset_status_on_create = reset_status_on_create
        if expires is not None:
            self.expires = expires

    def name_errors(self, name: str) -> list[str]:
        """What is wrong with `name` as this kind's name (Kubernetes: a DNS-1123 subdomain)."""
        return self._name_errors(name)

    def prepare_for_create(self, obj: Obj) -> None:
        """Server-owned changes before defaulting (metadata is already filled in)."""
        if self._prepare_for_create is not None:
            self._prepare_for_create(obj)

    def prepare_for_update(self, new: Obj, old: Obj) -> None:
        """Carry over what a replace may leave out or may not change (spec updates only)."""

    def default(self, obj: Obj) -> None:
        """Kubernetes' defaults, in place; idempotent and never raises on bad input."""
        if self._default is not None:
            self._default(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        """Append a Cause for every invalid field of the (defaulted) object."""
        if self._validate is not None:
            self._validate(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        """Append a Cause for every change an update may not make (immutable fields)."""
        if self._validate_update is not None:
            self._validate_update(new, old, errs)

    def grace_period(self, obj: Obj, requested: int | None) -> int:
        """Seconds a deletion waits for someone (a kubelet) before the object may go."""
        return 0

    def holds_deletion(self, obj: Obj) -> bool:
        """Whether something besides `metadata.finalizers` keeps the object when deleted
        (a namespace's `spec.finalizers`, a bound pod inside its grace period)."""
        return False

    def on_mark_for_deletion(self, obj: Obj) -> None:
        """Changes made when the object is marked for deletion instead of deleted."""


DEFAULT_STRATEGY = Strategy()


# --------------------------------------------------------------------------- the kind

# A selectable field: label → (dotted path in the object, value when absent).
Selectable = Mapping[str, tuple[str, str]]

DEFAULT_VERBS = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)
READ_VERBS = ("get", "list")


@dataclass(frozen=True, eq=False)
class ResourceInfo:
    """One kind as the API serves it. Identity is (group, version, plural)."""

    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()  # "status", "scale", "binding", "log", "eviction", ...
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = DEFAULT_VERBS
    schema: KindSchema | None = None
    printer: Printer | None = None
    selectable: Selectable = field(default_factory=dict)
    strategy: Strategy = DEFAULT_STRATEGY
    # False: served by a handler of its own (metrics, componentstatuses), not from etcd.
    stored: bool = True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ResourceInfo):
            return NotImplemented
        return (self.group, self.version, self.plural) == (other.group, other.version, other.plural)

    def __hash__(self) -> int:
        return hash((self.group, self.version, self.plural))

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> str:
        """`deployments.apps`, `pods`: how Kubernetes names a resource in messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
        return base
