"""Objects with their keys in the order Kubernetes writes them.

kube-apiserver encodes Go structs, so every object it writes has its keys in struct order
(`kind`, `apiVersion`, `metadata`, `spec`, `status`; inside metadata `name`, ...,
`uid`, `resourceVersion`, ...), and maps (labels, annotations, ConfigMap data) with
their keys sorted, as Go's `encoding/json` sorts map keys. Clients that compare or show
text (diffs, the official Python client's error texts, golden files) see that order.

`canonical(info, obj)` returns a copy of `obj` in that order, read from the kind's declared
schema (`minik8s.api.schema`: each `Struct` lists its fields in Go struct order): a
struct's known keys in declaration order, then the keys the schema does not know, in the
order the client gave them; a `MapOf` sorted by key; arrays element by element; free-form
values (`"object"`, `Raw`: RawExtension, FieldsV1) as they are. The API server applies it
once, to every object it writes to etcd, so reads (which decode the stored JSON) and watch
lines (which splice it) keep that order without further work.

`resourceVersion` is never stored (it is etcd's revision): `with_resource_version` puts it
back in its place in metadata, and `RESOURCE_VERSION_FOLLOWS` names the keys it follows
for code that splices it into stored JSON.

Pure; the compiled orderings are cached per kind (and per definition name) on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .kind import ResourceInfo
from .schema import META, Array, Definition, MapOf, Prop, Ref, Struct, prop_of

Obj = dict[str, Any]
Order = Callable[[Any], Any]  # a value in canonical order (a copy when it is a container)

_UNKNOWN = 1 << 30  # rank of keys the schema does not know: after every known one
_OBJECT_META = META + "ObjectMeta"


class _Ranks(dict[str, int]):
    """Key → rank; a key the schema does not know ranks after every known one."""

    def __missing__(self, key: str) -> int:
        return _UNKNOWN


class _StructOrder:
    """The order of one struct: rank of each known key, and how to order its values."""

    __slots__ = ("rank", "children")

    def __init__(self) -> None:
        self.rank = _Ranks()
        self.children: dict[str, Order] = {}

    def __call__(self, value: Any) -> Any:
        if type(value) is not dict:
            return value
        children = self.children
        out = {}
        # sorted() is stable: keys of equal rank (the unknown ones) keep the client's order
        for key in sorted(value, key=self.rank.__getitem__):
            item = value[key]
            child = children.get(key)
            out[key] = item if child is None or item is None else child(item)
        return out


def _array(items: Order) -> Order:
    def order(value: Any) -> Any:
        if type(value) is not list:
            return value
        return [items(v) for v in value]

    return order


def _sorted_map(values: Order | None) -> Order:
    def order(value: Any) -> Any:
        if type(value) is not dict:
            return value
        if values is None:
            return dict(sorted(value.items()))
        return {k: values(v) for k, v in sorted(value.items())}

    return order


class _Compiler:
    """Turns schema properties into orderings, one per definition name (cycles allowed:
    a struct's ordering is registered before its fields are compiled)."""

    def __init__(self, definitions: Mapping[str, Definition]) -> None:
        self.definitions = definitions
        self.structs: dict[str, _StructOrder] = {}

    def prop(self, prop: Prop) -> Order | None:
        """None: the value is kept as it is (a primitive, free-form or raw value)."""
        if isinstance(prop, Ref):
            return self.definition(prop.target)
        if isinstance(prop, Array):
            items = self.prop(prop.items)
            return None if items is None else _array(items)
        if isinstance(prop, MapOf):
            return _sorted_map(self.prop(prop.values))
        return None

    def definition(self, name: str) -> Order | None:
        found = self.structs.get(name)
        if found is not None:
            return found
        definition = self.definitions.get(name)
        if not isinstance(definition, Struct):
            return None
        order = self.structs[name] = _StructOrder()
        self.fill(order, definition.fields.items())
        return order

    def fill(self, order: _StructOrder, members: Any) -> None:
        for key, member in members:
            if key not in order.rank:
                order.rank[key] = len(order.rank)
            child = self.prop(prop_of(member))
            if child is not None:
                order.children[key] = child


_KINDS: dict[ResourceInfo, tuple[int, _StructOrder]] = {}


def kind_order(info: ResourceInfo) -> Order:
    """The ordering of whole objects of `info`: TypeMeta, ObjectMeta, then the kind's
    declared top-level fields (compiled once per kind and catalog generation)."""
    from .resources import BUILTIN_CATALOG  # imported late: the catalog imports the kinds

    generation = BUILTIN_CATALOG.generation
    cached = _KINDS.get(info)
    if cached is not None and cached[0] == generation:
        return cached[1]
    definitions = BUILTIN_CATALOG.definitions()
    compiler = _Compiler({**definitions, **(info.schema.definitions if info.schema else {})})
    order = _StructOrder()
    order.rank.update(kind=0, apiVersion=1)
    meta = compiler.definition(_OBJECT_META)
    order.rank["metadata"] = 2
    if meta is not None:
        order.children["metadata"] = meta
    if info.schema is not None:
        compiler.fill(order, info.schema.fields.items())
    _KINDS[info] = (generation, order)
    return order


def canonical(info: ResourceInfo, obj: Obj) -> Obj:
    """A copy of `obj` with its keys in Kubernetes' order (see the module docstring)."""
    out: Obj = kind_order(info)(obj)
    return out


def _resource_version_follows() -> tuple[str, ...]:
    from .kinds.meta import DEFINITIONS

    meta = DEFINITIONS[_OBJECT_META]
    assert isinstance(meta, Struct)
    keys = list(meta.fields)
    return tuple(keys[: keys.index("resourceVersion")])


# The metadata keys that come before `resourceVersion` (name, generateName, namespace,
# selfLink, uid).
RESOURCE_VERSION_FOLLOWS: tuple[str, ...] = _resource_version_follows()


def with_resource_version(meta: Obj, rv: str) -> Obj:
    """`meta` (a new dict) with `resourceVersion` set to `rv`, in its place."""
    if "resourceVersion" in meta:
        return {**meta, "resourceVersion": rv}
    out: Obj = {}
    placed = False
    for key, value in meta.items():
        if not placed and key not in RESOURCE_VERSION_FOLLOWS:
            out["resourceVersion"] = rv
            placed = True
        out[key] = value
    if not placed:
        out["resourceVersion"] = rv
    return out
