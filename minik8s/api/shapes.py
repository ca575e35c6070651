"""The shape of a kind's values, as server-side apply and fieldValidation walk them.

Derived from each kind's declared schema (`minik8s.api.schema`), never kept beside it:

- STRUCT: an object with declared fields (a `Struct` definition, or a kind's root with
  apiVersion, kind and metadata); a key it does not declare is an unknown field;
- MAP: string keys to values of one shape (`MapOf`);
- LIST: items of one shape, related as Kubernetes' `x-kubernetes-list-type` says: "map"
  (items identified by their `keys` fields), "set" (scalars identified by value) or
  "atomic" (the list is one value). A list without a list type follows its patch
  strategy, as Kubernetes' schema converter does: merge with a key is a map, merge alone
  a set, anything else atomic;
- SCALAR: strings, numbers, booleans and the raw scalars (Time, Quantity, IntOrString);
- UNTYPED: free-form values ("object" props, object `Raw` definitions such as
  RawExtension): maps merge by key with untyped values, lists are atomic, no key is
  unknown.

A struct or map with `map_type="atomic"` (x-kubernetes-map-type) is one value too.

Shapes are built once per definition and shared (read-only after construction; struct
fields are resolved on first use, so recursive definitions cost nothing up front).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from .kind import ResourceInfo
from .resources import BUILTIN_CATALOG
from .schema import (
    MERGE,
    META,
    PRIMITIVES,
    Array,
    Definition,
    MapOf,
    Member,
    Prop,
    Ref,
    Struct,
    prop_of,
)

__all__ = ["LIST", "MAP", "SCALAR", "STRUCT", "UNTYPED", "Shape", "shape_of"]

STRUCT = "struct"
MAP = "map"
LIST = "list"
SCALAR = "scalar"
UNTYPED_KIND = "untyped"

# List relations.
KEYED = "map"
SET = "set"
ATOMIC = "atomic"


class Shape:
    """What a walk needs to know about one value's type."""

    __slots__ = ("kind", "atomic", "relation", "keys", "item", "_members", "_shapes", "_fields")

    def __init__(
        self,
        kind: str,
        *,
        atomic: bool = False,
        relation: str = "",
        keys: tuple[str, ...] = (),
        item: Shape | None = None,
        members: Mapping[str, Member] | None = None,
        shapes: Shapes | None = None,
    ) -> None:
        self.kind = kind
        self.atomic = atomic
        self.relation = relation
        self.keys = keys
        self.item = item
        self._members = members
        self._shapes = shapes
        self._fields: dict[str, Shape] | None = None

    def __repr__(self) -> str:
        return f"Shape({self.kind}{', atomic' if self.atomic else ''})"

    @property
    def leaf(self) -> bool:
        """A value owned, compared and replaced whole."""
        return self.atomic or self.kind == SCALAR

    def fields(self) -> dict[str, Shape]:
        """A struct's declared fields and their shapes."""
        if self._fields is None:
            assert self._shapes is not None and self._members is not None
            shapes = self._shapes
            self._fields = {k: shapes.of_prop(prop_of(m)) for k, m in self._members.items()}
        return self._fields

    def child(self, key: str) -> Shape | None:
        """The shape of the value under `key` of a struct, map or untyped map; None for a
        field a struct does not declare."""
        if self.kind == STRUCT:
            return self.fields().get(key)
        if self.kind == MAP:
            assert self.item is not None
            return self.item
        return UNTYPED


SCALAR_SHAPE = Shape(SCALAR)
UNTYPED = Shape(UNTYPED_KIND)
ATOMIC_UNTYPED = Shape(UNTYPED_KIND, atomic=True)


class Shapes:
    """Shapes of the props and definitions of one set of named definitions."""

    def __init__(self, definitions: Mapping[str, Definition]) -> None:
        self.definitions = definitions
        self._named: dict[str, Shape] = {}

    def of_prop(self, prop: Prop) -> Shape:
        if isinstance(prop, str):
            return UNTYPED if prop == "object" or prop not in PRIMITIVES else SCALAR_SHAPE
        if isinstance(prop, Ref):
            return self.named(prop.target)
        if isinstance(prop, MapOf):
            return Shape(MAP, atomic=prop.map_type == ATOMIC, item=self.of_prop(prop.values))
        return self._list(prop)

    def _list(self, prop: Array) -> Shape:
        item = self.of_prop(prop.items)
        relation = prop.list_type
        keys = prop.map_keys or ((prop.merge_key,) if prop.merge_key else ())
        if not relation:
            merges = MERGE in prop.strategy.split(",")
            relation = (KEYED if keys else SET) if merges else ATOMIC
        if relation == KEYED and not keys:
            relation = ATOMIC
        if relation == SET and item.kind != SCALAR:
            relation = ATOMIC  # a set of objects cannot be keyed by value
        return Shape(LIST, atomic=relation == ATOMIC, relation=relation, keys=keys, item=item)

    def named(self, name: str) -> Shape:
        shape = self._named.get(name)
        if shape is None:
            shape = self._named[name] = self._definition(name)
        return shape

    def _definition(self, name: str) -> Shape:
        definition = self.definitions.get(name)
        if isinstance(definition, Struct):
            return Shape(
                STRUCT,
                atomic=definition.map_type == ATOMIC,
                members=definition.fields,
                shapes=self,
            )
        if definition is None:
            return UNTYPED
        raw = definition.schema
        if raw.get("x-kubernetes-preserve-unknown-fields") or raw.get("type") == "object":
            return ATOMIC_UNTYPED if raw.get("x-kubernetes-map-type") == ATOMIC else UNTYPED
        return SCALAR_SHAPE

    def root(self, info: ResourceInfo) -> Shape:
        """A kind's top-level object: apiVersion, kind, metadata and its declared fields."""
        if info.schema is None:
            return UNTYPED
        members: dict[str, Member] = {
            "apiVersion": "string",
            "kind": "string",
            "metadata": Ref(META + "ObjectMeta"),
        }
        members.update(info.schema.fields)
        return Shape(STRUCT, members=members, shapes=self)


@functools.cache
def _builtin() -> Shapes:
    return Shapes(BUILTIN_CATALOG.definitions())


_ROOTS: dict[int, tuple[object, Shape]] = {}


def shape_of(info: ResourceInfo) -> Shape:
    """The shape of objects of `info` (cached per declaration)."""
    cached = _ROOTS.get(id(info))
    if cached is not None and cached[0] is info:
        return cached[1]
    shapes = _builtin()
    if info.schema is not None and any(
        name not in shapes.definitions for name in info.schema.definitions
    ):
        shapes = Shapes({**shapes.definitions, **info.schema.definitions})
    root = shapes.root(info)
    _ROOTS[id(info)] = (info, root)
    return root
