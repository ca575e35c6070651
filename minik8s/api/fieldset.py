"""Sets of field paths in Kubernetes' FieldsV1 form: what one manager of an object owns.

A set is a tree of path elements, written exactly as `metadata.managedFields[].fieldsV1`
writes it, so stored entries are used as they are, without a conversion:

- `f:<name>`: a field of a struct or a key of a map (`f:spec`, `f:app`);
- `k:<json>`: an item of a list keyed by some of its fields, the key fields as a JSON
  object in name order (`k:{"name":"web"}`, `k:{"containerPort":80,"protocol":"TCP"}`);
- `v:<json>`: an item of a set list by its value (`v:"example.com/cleanup"`);
- `i:<n>`: an item of a list by position (written by other tools; read, never made here).

A path is in the set when its node is a leaf (`{}`) or carries the member mark `".": {}`;
a node with children and no mark only leads to members below it. `f:labels: {".": {},
"f:app": {}}` holds both `.metadata.labels` and `.metadata.labels.app`.

`FieldSet` values are immutable: every operation returns a new set that shares untouched
subtrees with its inputs, so a tree handed in (a stored entry) must never be changed in
place, and trees handed out are never changed afterwards. Children are kept in
Kubernetes' order (`f:` before `k:` before `v:` before `i:`, then by name), so a set
written back reads like one kube-apiserver writes. Pure functions, no shared state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["FieldSet", "FieldsError", "Tree", "field", "item_key", "item_value", "path_text"]

Tree = dict[str, Any]  # a FieldsV1 node: path element -> node; "." marks a member
MEMBER = "."
_RANK = {"f": 0, "k": 1, "v": 2, "i": 3}


class FieldsError(ValueError):
    """A FieldsV1 document that is not a tree of known path elements."""


# --------------------------------------------------------------------------- elements


def field(name: str) -> str:
    """The path element of a struct field or map key."""
    return "f:" + name


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def item_key(keys: Mapping[str, Any]) -> str:
    """The path element of a keyed list item, from its key fields."""
    return "k:" + _json(dict(sorted(keys.items())))


def item_value(value: Any) -> str:
    """The path element of a set list item."""
    return "v:" + _json(value)


def _order(element: str) -> tuple[int, Any]:
    rank = _RANK.get(element[:1], 4)
    if rank == 3 and element[2:].isdigit():
        return rank, int(element[2:])
    return rank, element[2:]


def _go_string(value: Any) -> str:
    """A value as Kubernetes prints it in a path: strings quoted, the rest as JSON."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else _json(value)


def element_text(element: str) -> str:
    """One path element as Kubernetes prints it: `.spec`, `[name="web"]`, `[="a"]`, `[0]`."""
    kind, rest = element[:2], element[2:]
    try:
        if kind == "f:":
            return "." + rest
        if kind == "k:":
            keys = json.loads(rest)
            return "[" + ",".join(f"{k}={_go_string(v)}" for k, v in keys.items()) + "]"
        if kind == "v:":
            return "[=" + _go_string(json.loads(rest)) + "]"
        if kind == "i:":
            return f"[{rest}]"
    except ValueError:
        pass
    return element


def path_text(path: tuple[str, ...]) -> str:
    """A whole path as Kubernetes prints it in conflicts: `.spec.containers[name="web"].image`."""
    return "".join(element_text(e) for e in path)


# --------------------------------------------------------------------------- nodes


def is_member(node: Tree) -> bool:
    return not node or MEMBER in node


def _build(member: bool, children: Tree) -> Tree | None:
    """A node from its mark and children; None when it would hold nothing."""
    if not children:
        return {} if member else None
    if member:
        return {MEMBER: {}, **children}
    return children


def _sorted(children: Tree) -> Tree:
    return {k: children[k] for k in sorted(children, key=_order)}


def _union(a: Tree, b: Tree) -> Tree:
    if a is b:
        return a
    keys = (a.keys() | b.keys()) - {MEMBER}
    children = {}
    for key in sorted(keys, key=_order):
        x, y = a.get(key), b.get(key)
        children[key] = x if y is None else y if x is None else _union(x, y)
    built = _build(is_member(a) or is_member(b), children)
    assert built is not None
    return built


def _contains(a: Tree, b: Tree) -> bool:
    """Whether every member of `b` (below the node) is a member of `a`."""
    for key, child in b.items():
        if key == MEMBER:
            continue
        mine = a.get(key)
        if mine is None or (is_member(child) and not is_member(mine)):
            return False
        if len(child) > (MEMBER in child) and not _contains(mine, child):
            return False
    return True


def _difference(a: Tree, b: Tree | None) -> Tree | None:
    """The members of `a` that are not members of `b` (not recursive: a member of `b`
    removes only itself, never what lies below it)."""
    if b is None:
        return a
    if a is b:
        return None
    children = {}
    for key, child in a.items():
        if key == MEMBER:
            continue
        left = _difference(child, b.get(key))
        if left is not None:
            children[key] = left
    return _build(is_member(a) and not is_member(b), children)


def _intersection(a: Tree, b: Tree) -> Tree | None:
    if a is b:
        return a
    children = {}
    for key, child in a.items():
        if key == MEMBER or key not in b:
            continue
        both = _intersection(child, b[key])
        if both is not None:
            children[key] = both
    return _build(is_member(a) and is_member(b), children)


def _without(a: Tree, b: Tree) -> Tree | None:
    """`a` less every member of `b` and everything below it."""
    if is_member(b):
        return None
    children = {}
    for key, child in a.items():
        if key == MEMBER:
            continue
        other = b.get(key)
        left = child if other is None else _without(child, other)
        if left is not None:
            children[key] = left
    return _build(is_member(a), children)


def _check(node: Any, depth: int) -> Tree:
    """A FieldsV1 node read from a client, in canonical form (keys re-encoded)."""
    if not isinstance(node, dict):
        raise FieldsError(f"a FieldsV1 node must be an object, not {type(node).__name__}")
    if depth > 100:
        raise FieldsError("FieldsV1 is nested too deeply")
    children: Tree = {}
    member = False
    for key, child in node.items():
        if key == MEMBER:
            if child != {}:
                raise FieldsError('the "." of a FieldsV1 node must be {}')
            member = True
            continue
        kind, rest = key[:2], key[2:]
        if kind == "k:" or kind == "v:":
            try:
                parsed = json.loads(rest)
            except ValueError:
                raise FieldsError(f"invalid FieldsV1 element {key!r}") from None
            if kind == "k:" and not isinstance(parsed, dict):
                raise FieldsError(f"invalid FieldsV1 element {key!r}")
            key = item_key(parsed) if kind == "k:" else item_value(parsed)
        elif kind == "i:":
            if not rest.isdigit():
                raise FieldsError(f"invalid FieldsV1 element {key!r}")
        elif kind != "f:":
            raise FieldsError(f"invalid FieldsV1 element {key!r}")
        children[key] = _check(child, depth + 1)
    built = _build(member or not node, _sorted(children))
    assert built is not None
    return built


# --------------------------------------------------------------------------- the set


class FieldSet:
    """An immutable set of field paths; `tree` is its FieldsV1 document."""

    __slots__ = ("tree",)

    def __init__(self, tree: Tree | None = None) -> None:
        self.tree: Tree = tree or {}

    @classmethod
    def from_fields_v1(cls, document: Any) -> FieldSet:
        """A set from a FieldsV1 document a client sent: checked and re-encoded."""
        if not isinstance(document, dict):
            raise FieldsError("fieldsV1 must be an object")
        return cls({k: v for k, v in _check(document, 0).items() if k != MEMBER})

    def __bool__(self) -> bool:
        return bool(self.tree)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldSet) and self.tree == other.tree

    def __hash__(self) -> int:  # pragma: no cover - sets are not used as keys
        return hash(_json(self.tree))

    def __repr__(self) -> str:
        return f"FieldSet({_json(self.tree)})"

    def union(self, other: FieldSet) -> FieldSet:
        if not other.tree or _contains(self.tree, other.tree):
            return self
        if not self.tree:
            return other
        return FieldSet({k: v for k, v in _union(self.tree, other.tree).items() if k != MEMBER})

    def difference(self, other: FieldSet) -> FieldSet:
        """Members of this set that `other` does not hold (what lies below them stays)."""
        if not other.tree or not self.tree:
            return self
        return FieldSet(_difference({**self.tree}, {**other.tree}))

    def intersection(self, other: FieldSet) -> FieldSet:
        if not other.tree or not self.tree:
            return FieldSet()
        return FieldSet(_intersection({**self.tree}, {**other.tree}))

    def without(self, other: FieldSet) -> FieldSet:
        """This set less every member of `other` and everything below each of them."""
        if not other.tree or not self.tree:
            return self
        return FieldSet(_without({**self.tree}, {**other.tree}))

    def paths(self) -> Iterator[tuple[str, ...]]:
        """Every member, as Kubernetes lists them: a node's members before its subtrees."""
        yield from _paths(self.tree, ())

    def has(self, path: tuple[str, ...]) -> bool:
        node = self.node(path)
        return node is not None and is_member(node)

    def node(self, path: tuple[str, ...]) -> Tree | None:
        """The subtree at `path` (members under it), or None when nothing is there."""
        node: Tree | None = self.tree
        for element in path:
            if node is None:
                return None
            node = node.get(element)
        return node


def _paths(node: Tree, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    keys = sorted((k for k in node if k != MEMBER), key=_order)
    for key in keys:
        if is_member(node[key]):
            yield (*prefix, key)
    for key in keys:
        child = node[key]
        if any(k != MEMBER for k in child):
            yield from _paths(child, (*prefix, key))
