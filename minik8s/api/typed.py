"""Walks over an object along its shape: the operations server-side apply is made of.

Each follows the semantics of Kubernetes' structured-merge-diff, written for JSON-like
Python values and the shapes of `minik8s.api.shapes`:

- `field_set(shape, value)`: the fields a value sets, which an applier owns. Leaves are
  members; so are map keys and list items, with what lies inside them; a struct's own
  field is a member only when it is a leaf (a scalar, an atomic value, or empty).
- `compare(shape, old, new)`: the fields `new` added, modified and removed. A node that
  appears or goes is a member of added or removed too, except a struct that is a field of
  another (Kubernetes compares Go objects, where such a struct is never absent).
- `merge(shape, live, config)`: the live object with an applied configuration laid over
  it: leaves and atomic values are replaced, maps merge by key, list items by their key
  (or value); items only the live list has keep their place among the others. A null in
  the configuration removes the field.
- `remove(shape, value, fields)`: the value less every member of a field set (pruning
  what an applier stopped applying); a map or list emptied that way goes too;
  `unowned(shape, dropped, covered)` says which of the dropped fields may go.
- `unknown_fields(shape, value)`: the paths (`spec.template.spec.containers[0].foo`) of
  keys no struct declares, for fieldValidation.

Keyed list items are identified by their key fields; a key field the configuration
leaves out may come from `hints`: the defaults of key fields by list shape (a port's
protocol), as Kubernetes takes them from the schema's defaults. Values are never changed in place;
results may share unchanged subtrees with the inputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fieldset import MEMBER, FieldSet, Tree, is_member, item_key, item_value
from .shapes import ATOMIC, LIST, MAP, SCALAR, SET, STRUCT, UNTYPED, Shape

__all__ = [
    "ApplyError",
    "Hints",
    "compare",
    "field_set",
    "merge",
    "remove",
    "unknown_fields",
    "unowned",
]

# Defaults of key fields, by id() of the list's Shape (shapes are shared and long-lived).
Hints = Mapping[int, Mapping[str, Any]]
_NO_HINTS: Hints = {}
_ABSENT: Any = object()


class ApplyError(ValueError):
    """An applied configuration the walk cannot place (a list item without its key)."""


class _Unkeyed(Exception):
    """A list whose items cannot all be identified: handled as one atomic value."""


def _order(element: str) -> tuple[int, str]:
    return ("fkvi".find(element[:1]), element[2:])


def _sorted(children: Tree) -> Tree:
    if len(children) < 2:
        return children
    return {k: children[k] for k in sorted(children, key=_order)}


def _node(member: bool, children: Tree | None) -> Tree:
    if not children:
        return {}
    return {MEMBER: {}, **children} if member else children


def _mergeable(shape: Shape, live: Any, config: Any) -> bool:
    """Whether two values merge item by item (else the applied one replaces the other)."""
    if shape.atomic or shape.kind == SCALAR:
        return False
    if shape.kind == LIST:
        return isinstance(live, list) and isinstance(config, list) and shape.relation != ATOMIC
    return isinstance(live, dict) and isinstance(config, dict)


def _granular(shape: Shape, value: Any) -> bool:
    """Whether a value is walked into (rather than owned and compared whole)."""
    if shape.atomic or not value:
        return False
    if shape.kind == LIST:
        return isinstance(value, list)
    return isinstance(value, dict) and shape.kind in (STRUCT, MAP, UNTYPED.kind)


def _element(shape: Shape, item: Any, hints: Hints) -> str:
    """The path element of a list item; `_Unkeyed` when it has none."""
    if shape.relation == SET:
        return item_value(item)
    if not isinstance(item, dict):
        raise _Unkeyed
    keys = {}
    hinted = hints.get(id(shape)) if hints else None
    for name in shape.keys:
        value = item.get(name)
        if value is None and hinted is not None:
            value = hinted.get(name)
        if value is None:
            raise _Unkeyed
        keys[name] = value
    return item_key(keys)


def _index(shape: Shape, items: list[Any], hints: Hints) -> tuple[list[str], dict[str, Any]]:
    """Item path elements in list order and the items by element (first one wins)."""
    order: list[str] = []
    by_element: dict[str, Any] = {}
    for item in items:
        element = _element(shape, item, hints)
        if element not in by_element:
            by_element[element] = item
            order.append(element)
    return order, by_element


def _child(shape: Shape, key: str) -> tuple[Shape, bool]:
    """The shape under `key` and whether the key is a declared struct field."""
    if shape.kind == STRUCT:
        sub = shape.fields().get(key)
        if sub is not None:
            return sub, True
        return UNTYPED, False
    return shape.child(key) or UNTYPED, False


# --------------------------------------------------------------------------- field sets


def field_set(shape: Shape, value: Any, hints: Hints = _NO_HINTS) -> FieldSet:
    """The fields `value` (an object) sets."""
    if not _granular(shape, value):
        return FieldSet()
    return FieldSet(_owned(shape, value, hints))


def _owned(shape: Shape, value: Any, hints: Hints) -> Tree:
    out: Tree = {}
    if shape.kind == LIST:
        item_shape = shape.item or UNTYPED
        for item in value:
            try:
                element = _element(shape, item, hints)
            except _Unkeyed:
                raise ApplyError(_unkeyed_message(shape)) from None
            if element in out:
                raise ApplyError(f"duplicate entries for key {element[2:]}")
            inner = _owned(item_shape, item, hints) if _granular(item_shape, item) else None
            out[element] = _node(True, inner)
        return _sorted(out)
    for key, child in value.items():
        sub, declared = _child(shape, key)
        inner = _owned(sub, child, hints) if _granular(sub, child) else None
        out["f:" + key] = _node(not declared, inner)
    return _sorted(out)


def _unkeyed_message(shape: Shape) -> str:
    names = ", ".join(f'"{k}"' for k in shape.keys)
    return f"associative list with keys has an element that omits key field {names}"


# --------------------------------------------------------------------------- compare


def compare(
    shape: Shape, old: Any, new: Any, hints: Hints = _NO_HINTS
) -> tuple[FieldSet, FieldSet, FieldSet]:
    """(added, modified, removed): how `new` differs from `old` (objects; None = absent)."""
    if old == new:
        return FieldSet(), FieldSet(), FieldSet()
    diff = _Diff(hints)
    added, modified, removed = diff.children(shape, old or {}, new or {})
    return FieldSet(_sorted(added)), FieldSet(_sorted(modified)), FieldSet(_sorted(removed))


def _same(a: Any, b: Any) -> bool:
    return a == b and type(a) is type(b)


class _Diff:
    """One comparison; `hints` identify keyed items whose key fields were left out."""

    def __init__(self, hints: Hints) -> None:
        self.hints = hints

    def children(self, shape: Shape, old: Any, new: Any) -> tuple[Tree, Tree, Tree]:
        """Added, modified and removed children of a node walked into."""
        out: tuple[Tree, Tree, Tree] = ({}, {}, {})
        if shape.kind == LIST:
            item_shape = shape.item or UNTYPED
            old_order, old_items = _index(shape, old if isinstance(old, list) else [], self.hints)
            new_order, new_items = _index(shape, new if isinstance(new, list) else [], self.hints)
            for element in old_order:
                before, after = old_items[element], new_items.get(element, _ABSENT)
                self.child(item_shape, element, False, before, after, out)
            for element in new_order:
                if element not in old_items:
                    self.child(item_shape, element, False, _ABSENT, new_items[element], out)
            return out
        old_map = old if isinstance(old, dict) else {}
        new_map = new if isinstance(new, dict) else {}
        for key, before in old_map.items():
            sub, declared = _child(shape, key)
            after = new_map.get(key, _ABSENT)
            self.child(sub, "f:" + key, declared and sub.kind == STRUCT, before, after, out)
        for key, after in new_map.items():
            if key not in old_map:
                sub, declared = _child(shape, key)
                inner = declared and sub.kind == STRUCT
                self.child(sub, "f:" + key, inner, _ABSENT, after, out)
        return out

    def child(
        self,
        shape: Shape,
        element: str,
        inner: bool,
        before: Any,
        after: Any,
        out: tuple[Tree, Tree, Tree],
    ) -> None:
        """Record how one child differs. `inner`: a struct that is a field of a struct,
        never itself a member of added or removed."""
        added, modified, removed = out
        if before is not _ABSENT and after is not _ABSENT and _same(before, after):
            return
        walk_before = before is not _ABSENT and _granular(shape, before)
        walk_after = after is not _ABSENT and _granular(shape, after)
        if (walk_before or walk_after) and (
            before is _ABSENT or after is _ABSENT or type(before) is type(after)
        ):
            try:
                a, m, r = self.children(
                    shape,
                    before if walk_before else _empty(after),
                    after if walk_after else _empty(before),
                )
            except _Unkeyed:
                modified[element] = {}  # items that cannot be told apart: one value
                return
            added_member = before is _ABSENT and not inner
            if a or added_member:
                added[element] = _node(added_member, _sorted(a))
            if m:
                modified[element] = _sorted(m)
            removed_member = after is _ABSENT and not inner
            if r or removed_member:
                removed[element] = _node(removed_member, _sorted(r))
            return
        if before is _ABSENT:
            added[element] = {}
        elif after is _ABSENT:
            removed[element] = {}
        else:
            modified[element] = {}


def _empty(like: Any) -> Any:
    return [] if isinstance(like, list) else {}


# --------------------------------------------------------------------------- merge


def merge(shape: Shape, live: Any, config: Any, hints: Hints = _NO_HINTS) -> Any:
    """`config` applied over `live` (either may be None for absent)."""
    if config is None:
        return live
    if live is None:
        return _without_nulls(shape, config)
    return _merge(shape, live, config, hints)


def _merge(shape: Shape, live: Any, config: Any, hints: Hints) -> Any:
    if not _mergeable(shape, live, config):
        return _without_nulls(shape, config)
    if not config:
        return live  # an empty map or list applied over a full one leaves it as it is
    if not live:
        return _without_nulls(shape, config)
    if shape.kind == LIST:
        try:
            return _merge_list(shape, live, config, hints)
        except _Unkeyed:
            # Items of the live list that cannot be told apart: the configuration's list
            # wins whole (its own items were checked when its field set was made).
            return config
    out: dict[str, Any] = {}
    for key, value in live.items():
        if key in config:
            applied = config[key]
            if applied is None:
                continue  # an applied null removes the field
            out[key] = _merge(_child(shape, key)[0], value, applied, hints)
        else:
            out[key] = value
    for key, applied in config.items():
        if key not in live and applied is not None:
            out[key] = _without_nulls(_child(shape, key)[0], applied)
    return out


def _without_nulls(shape: Shape, value: Any) -> Any:
    """A configuration value as it lands where nothing of it was: the nulls of typed
    fields dropped (free-form values keep theirs)."""
    if shape.kind == UNTYPED.kind or not _granular(shape, value):
        return value
    if shape.kind == LIST:
        item_shape = shape.item or UNTYPED
        return [_without_nulls(item_shape, item) for item in value]
    return {
        key: _without_nulls(_child(shape, key)[0], child)
        for key, child in value.items()
        if child is not None
    }


def _merge_list(shape: Shape, live: list[Any], config: list[Any], hints: Hints) -> list[Any]:
    """Items merged by identity. The result follows the configuration's order; an item
    only the live list has stays before the item it preceded there."""
    item_shape = shape.item or UNTYPED
    live_order, live_items = _index(shape, live, hints)
    if len(live_order) != len(live):
        raise _Unkeyed  # duplicates: the live list cannot be merged item by item
    cfg_order, cfg_items = _index(shape, config, hints)
    shared = [e for e in cfg_order if e in live_items]
    out: list[Any] = []
    li = ri = si = 0
    while li < len(live_order) or ri < len(cfg_order):
        if li < len(live_order) and ri < len(cfg_order):
            element = live_order[li]
            if element == cfg_order[ri]:
                out.append(_merge(item_shape, live_items[element], cfg_items[element], hints))
                li, ri, si = li + 1, ri + 1, si + 1
                continue
            if element in cfg_items and si < len(shared) and shared[si] != element:
                li += 1  # it comes later, in the configuration's order
                continue
        if li < len(live_order) and live_order[li] not in cfg_items:
            out.append(live_items[live_order[li]])
            li += 1
            continue
        if ri < len(cfg_order):
            element = cfg_order[ri]
            before = live_items.get(element)
            applied = cfg_items[element]
            out.append(
                _without_nulls(item_shape, applied)
                if before is None
                else _merge(item_shape, before, applied, hints)
            )
            ri += 1
            if si < len(shared) and shared[si] == element:
                si += 1
            continue
        li += 1  # a shared item already placed
    return out


# --------------------------------------------------------------------------- remove


def remove(shape: Shape, value: Any, fields: FieldSet, hints: Hints = _NO_HINTS) -> Any:
    """`value` less every member of `fields` and what lies below each member."""
    if not fields or not _granular(shape, value):
        return value
    left = _remove(shape, value, fields.tree, hints)
    return _empty(value) if left is _ABSENT else left


def _remove(shape: Shape, value: Any, tree: Tree, hints: Hints) -> Any:
    """The value less the tree's members; `_ABSENT` when nothing is left of it."""
    if shape.kind == LIST:
        item_shape = shape.item or UNTYPED
        items = []
        for item in value:
            try:
                node = tree.get(_element(shape, item, hints))
            except _Unkeyed:
                node = None
            if node is None:
                items.append(item)
            elif not node or MEMBER in node:
                continue
            elif _granular(item_shape, item):
                kept = _remove(item_shape, item, node, hints)
                if kept is not _ABSENT:
                    items.append(kept)
            else:
                items.append(item)
        return items if items else _ABSENT
    out = {}
    for key, child in value.items():
        node = tree.get("f:" + key)
        if node is None:
            out[key] = child
        elif not node or MEMBER in node:
            continue
        else:
            sub = _child(shape, key)[0]
            if _granular(sub, child):
                kept = _remove(sub, child, node, hints)
                if kept is not _ABSENT:
                    out[key] = kept
            else:
                out[key] = child
    return out if out else _ABSENT


def unowned(shape: Shape, dropped: FieldSet, covered: FieldSet) -> FieldSet:
    """The members of `dropped` that nothing in `covered` keeps, each whole: what an
    applier stopped applying and may take away. A struct's field is kept while anything
    at or under it is covered; a map key or list item only while it is itself a member
    of `covered` (Kubernetes removes an item even when another manager owns a field of it)."""
    return FieldSet(_unowned(shape, dropped.tree, covered.tree))


def _unowned(shape: Shape, dropped: Tree, covered: Tree | None) -> Tree:
    out: Tree = {}
    for key, node in dropped.items():
        if key == MEMBER:
            continue
        inside = covered.get(key) if covered is not None else None
        if shape.kind == LIST:
            sub, named = shape.item or UNTYPED, False
        else:
            sub, named = _child(shape, key[2:])
        kept = inside is not None and (named or is_member(inside))
        if is_member(node) and not kept:
            out[key] = {}
            continue
        deeper = _unowned(sub, node, inside)
        if deeper:
            out[key] = deeper
    return out


# --------------------------------------------------------------------------- unknown fields


def unknown_fields(shape: Shape, value: Any) -> list[str]:
    """Paths of the keys of `value` that no struct declares, in document order."""
    found: list[str] = []
    _unknown(shape, value, "", found)
    return found


def _unknown(shape: Shape, value: Any, prefix: str, found: list[str]) -> None:
    kind = shape.kind
    if kind == STRUCT:
        if not isinstance(value, dict):
            return
        fields = shape.fields()
        for key, child in value.items():
            path = f"{prefix}.{key}" if prefix else key
            sub = fields.get(key)
            if sub is None:
                found.append(path)
            elif child is not None and sub.kind != SCALAR:
                _unknown(sub, child, path, found)
    elif kind == MAP:
        if isinstance(value, dict) and shape.item is not None and shape.item.kind != SCALAR:
            for key, child in value.items():
                _unknown(shape.item, child, f"{prefix}.{key}" if prefix else key, found)
    elif (
        kind == LIST
        and isinstance(value, list)
        and shape.item is not None
        and shape.item.kind != SCALAR
    ):
        for i, child in enumerate(value):
            _unknown(shape.item, child, f"{prefix}[{i}]", found)
