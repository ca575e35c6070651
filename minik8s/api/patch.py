"""The three PATCH formats Kubernetes accepts, and the patch `kubectl apply` computes.

* `application/merge-patch+json` — RFC 7386 (`json_merge_patch`): maps merge, null deletes,
  everything else (lists included) is replaced.
* `application/json-patch+json` — RFC 6902 (`json_patch`): a list of add/remove/replace/
  move/copy/test operations addressed by JSON pointers.
* `application/strategic-merge-patch+json` — Kubernetes' own (`strategic_merge_patch`): like a
  merge patch, but lists such as `containers` are merged item by item on a key (`name`), so a
  patch can change one container without restating the others. Which lists merge, on which key,
  is schema knowledge Kubernetes keeps in struct tags (`patchStrategy`, `patchMergeKey`); here it
  is read from each kind's declared schema (`minik8s.api.schema`), the same one OpenAPI
  publishes. Lists the schema does not give a merge strategy are atomic.
* `create_three_way_merge_patch` — the client side of `kubectl apply`: from the last applied
  manifest, the new manifest and the live object it computes a strategic patch that changes
  what the user changed, deletes what the user removed, and leaves alone what only the server or
  the controllers set (status, uid, a Service's clusterIP, defaulted fields).

Every function is pure: inputs are never mutated and results share no structure with them,
so callers may patch objects straight out of a cache.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .kind import ResourceInfo
from .resources import BUILTIN_CATALOG
from .schema import (
    MERGE,
    META,
    REPLACE,
    RETAIN_KEYS,
    Array,
    Definition,
    Member,
    Ref,
    Struct,
    prop_of,
)

__all__ = [
    "PatchError",
    "create_three_way_merge_patch",
    "json_merge_patch",
    "json_patch",
    "strategic_merge_patch",
    "supports_strategic_merge",
]


class PatchError(ValueError):
    """A patch that is malformed or cannot be applied; the message says what is wrong."""


class _Missing:
    """Marks an absent key (None is a real JSON value: null)."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


# --------------------------------------------------------------------------------------------
# JSON value helpers
# --------------------------------------------------------------------------------------------


def _json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON sees it: true is not 1, but 1 equals 1.0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def _canon(value: Any) -> str:
    """A hashable identity for a JSON value (merge keys, set members)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _dedupe(values: Iterable[Any]) -> list[Any]:
    seen: set[str] = set()
    out: list[Any] = []
    for value in values:
        ident = _canon(value)
        if ident not in seen:
            seen.add(ident)
            out.append(value)
    return out


def _short(value: Any) -> str:
    text = _canon(value)
    return text if len(text) <= 200 else text[:197] + "..."


# --------------------------------------------------------------------------------------------
# RFC 7386: JSON merge patch
# --------------------------------------------------------------------------------------------


def json_merge_patch(target: Any, patch: Any) -> Any:
    """Apply an RFC 7386 merge patch and return the new value; inputs are left untouched."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    _merge_patch_into(result, patch)
    return result


def _merge_patch_into(target: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            child = target.get(key)
            if not isinstance(child, dict):
                child = target[key] = {}
            _merge_patch_into(child, value)
        else:
            target[key] = copy.deepcopy(value)


# --------------------------------------------------------------------------------------------
# RFC 6902: JSON patch
# --------------------------------------------------------------------------------------------


def _pointer(path: Any, label: str) -> list[str]:
    """Split an RFC 6901 pointer into unescaped reference tokens."""
    if not isinstance(path, str):
        raise PatchError(f'the "{label}" must be a string, got {_short(path)}')
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f'the "{label}" "{path}" is not a JSON pointer: it must start with "/"')
    tokens = path[1:].split("/")
    for token in tokens:
        rest = token.replace("~0", "").replace("~1", "")
        if "~" in rest:
            raise PatchError(f'the "{label}" "{path}" has an invalid escape: only ~0 and ~1')
    return [t.replace("~1", "/").replace("~0", "~") for t in tokens]


def _index(token: str, size: int, path: str, label: str, *, for_insert: bool = False) -> int:
    """The array index a token names; `-` (past the end) only when inserting."""
    if for_insert and token == "-":
        return size
    if not token.isdigit() or (len(token) > 1 and token[0] == "0") or not token.isascii():
        raise PatchError(f'the "{label}" "{path}" does not exist: "{token}" is not an index')
    idx = int(token)
    limit = size if for_insert else size - 1
    if idx > limit:
        raise PatchError(f'the "{label}" "{path}" does not exist: index {idx} out of range')
    return idx


def _resolve(doc: Any, tokens: list[str], path: str, label: str) -> Any:
    node = doc
    for token in tokens:
        if isinstance(node, dict):
            if token not in node:
                raise PatchError(f'the "{label}" "{path}" does not exist')
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(token, len(node), path, label)]
        else:
            raise PatchError(f'the "{label}" "{path}" does not exist')
    return node


def _ptr_add(doc: Any, tokens: list[str], value: Any, path: str) -> Any:
    if not tokens:
        return value
    parent = _resolve(doc, tokens[:-1], path, "path")
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(last, len(parent), path, "path", for_insert=True), value)
    else:
        raise PatchError(f'the "path" "{path}" does not exist: its parent is not a container')
    return doc


def _ptr_remove(doc: Any, tokens: list[str], path: str, label: str) -> Any:
    """Remove the value at `tokens` and return it."""
    if not tokens:
        raise PatchError(f'the "{label}" "{path}" cannot be removed: it is the whole document')
    parent = _resolve(doc, tokens[:-1], path, label)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise PatchError(f'the "{label}" "{path}" does not exist')
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(last, len(parent), path, label))
    raise PatchError(f'the "{label}" "{path}" does not exist')


def _ptr_replace(doc: Any, tokens: list[str], value: Any, path: str) -> Any:
    if not tokens:
        return value
    _resolve(doc, tokens, path, "path")
    parent = _resolve(doc, tokens[:-1], path, "path")
    if isinstance(parent, dict):
        parent[tokens[-1]] = value
    else:
        parent[_index(tokens[-1], len(parent), path, "path")] = value
    return doc


def _operand(op: dict[str, Any], member: str) -> Any:
    if member not in op:
        raise PatchError(f'operation "{op.get("op")}" is missing the "{member}" member')
    return op[member]


def _apply_operation(doc: Any, op: Any) -> Any:
    if not isinstance(op, dict):
        raise PatchError(f"a JSON patch operation must be an object, got {_short(op)}")
    name = _operand(op, "op")
    path = _operand(op, "path")
    tokens = _pointer(path, "path")
    if name == "add":
        return _ptr_add(doc, tokens, copy.deepcopy(_operand(op, "value")), path)
    if name == "remove":
        _ptr_remove(doc, tokens, path, "path")
        return doc
    if name == "replace":
        return _ptr_replace(doc, tokens, copy.deepcopy(_operand(op, "value")), path)
    if name in ("move", "copy"):
        return _move_or_copy(doc, name, _operand(op, "from"), tokens, path)
    if name == "test":
        actual = _resolve(doc, tokens, path, "path")
        if not _json_equal(actual, _operand(op, "value")):
            raise PatchError(f'test failed: the value at "{path}" is {_short(actual)}')
        return doc
    raise PatchError(f"unknown JSON patch operation {_short(name)}")


def _move_or_copy(doc: Any, name: str, source: Any, tokens: list[str], path: str) -> Any:
    src_tokens = _pointer(source, "from")
    if name == "copy":
        value = copy.deepcopy(_resolve(doc, src_tokens, source, "from"))
        return _ptr_add(doc, tokens, value, path)
    if tokens[: len(src_tokens)] == src_tokens and len(tokens) > len(src_tokens):
        raise PatchError(f'cannot move "{source}" into its own child "{path}"')
    if tokens == src_tokens:
        _resolve(doc, src_tokens, source, "from")
        return doc
    value = _ptr_remove(doc, src_tokens, source, "from")
    return _ptr_add(doc, tokens, value, path)


def json_patch(doc: Any, operations: Any) -> Any:
    """Apply RFC 6902 operations atomically; return the new document, `doc` untouched."""
    if not isinstance(operations, list):
        raise PatchError(f"a JSON patch must be a list of operations, got {_short(operations)}")
    result = copy.deepcopy(doc)
    for op in operations:
        result = _apply_operation(result, op)
    return result


# --------------------------------------------------------------------------------------------
# Strategic merge patch: the schema
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    """Patch metadata of one field: the type of its value (or of its list items), the merge key
    of a list and the patch strategies (`merge`, `replace`, `retainKeys`)."""

    type: str | None = None
    key: str | None = None
    strategies: frozenset[str] = frozenset()

    @property
    def merges_list(self) -> bool:
        return MERGE in self.strategies

    @property
    def retains_keys(self) -> bool:
        return RETAIN_KEYS in self.strategies


_PLAIN = _Field()
# A definition name, or the fields of a kind's root object (which has no definition of its own).
_TypeRef = str | dict[str, "_Field"] | None


def _strategies(text: str) -> frozenset[str]:
    return frozenset(part for part in text.split(",") if part)


def _patch_field(member: Member) -> _Field:
    """A schema property as patch metadata. Maps merge recursively, untyped."""
    prop = prop_of(member)
    if isinstance(prop, Ref):
        return _Field(prop.target, None, _strategies(prop.strategy))
    if isinstance(prop, Array):
        item = prop.items.target if isinstance(prop.items, Ref) else None
        return _Field(item, prop.merge_key or None, _strategies(prop.strategy))
    return _PLAIN


def _kind_info(kind: str | ResourceInfo) -> ResourceInfo | None:
    if isinstance(kind, ResourceInfo):
        return kind if kind.schema is not None else None
    for info in BUILTIN_CATALOG:
        if info.kind == kind and info.schema is not None:
            return info
    return None


@functools.cache
def _definitions() -> dict[str, Definition]:
    return BUILTIN_CATALOG.definitions()


@functools.cache
def _fields(type_name: str) -> dict[str, _Field]:
    """The fields of a type that patches treat specially (a list merged by key, ...)."""
    definition = _definitions().get(type_name)
    if not isinstance(definition, Struct):
        return {}
    return {key: _patch_field(member) for key, member in definition.fields.items()}


def _root_fields(info: ResourceInfo) -> dict[str, _Field]:
    assert info.schema is not None
    root = {"metadata": _Field(META + "ObjectMeta")}
    root.update({key: _patch_field(m) for key, m in info.schema.fields.items()})
    return root


def supports_strategic_merge(kind: str | ResourceInfo) -> bool:
    """Whether `kind` declares a schema (otherwise a strategic patch is a 415, as for CRDs)."""
    return _kind_info(kind) is not None


def _root_type(kind: str | ResourceInfo) -> dict[str, _Field]:
    info = _kind_info(kind)
    if info is None:
        name = kind if isinstance(kind, str) else kind.kind
        raise PatchError(f"strategic merge patch is not supported for kind {name!r}")
    return _root_fields(info)


def _field(type_name: _TypeRef, key: str) -> _Field:
    """`type_name` is a definition name, or the root fields of a kind."""
    if type_name is None:
        return _PLAIN
    fields = type_name if isinstance(type_name, dict) else _fields(type_name)
    return fields.get(key, _PLAIN)


# --------------------------------------------------------------------------------------------
# Strategic merge patch: applying
# --------------------------------------------------------------------------------------------

_PATCH = "$patch"
_RETAIN = "$retainKeys"
_ORDER = "$setElementOrder/"
_DELETE_FROM = "$deleteFromPrimitiveList/"


def strategic_merge_patch(
    original: dict[str, Any], patch: dict[str, Any], kind: str | ResourceInfo
) -> dict[str, Any]:
    """Apply a strategic merge patch to an object of `kind`; return a new object."""
    if not isinstance(patch, dict):
        raise PatchError(f"a strategic merge patch must be an object, got {_short(patch)}")
    base = copy.deepcopy(original) if isinstance(original, dict) else {}
    merged = _merge_map(base, patch, _root_type(kind))
    return {} if merged is None else merged


def _clean(value: Any) -> Any:
    """A copy of a patch value with nulls and directives dropped: what `$patch: replace` puts in."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None and not k.startswith("$")}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _check_directive_keys(patch: dict[str, Any]) -> None:
    for key in patch:
        known = key in (_PATCH, _RETAIN) or key.startswith((_ORDER, _DELETE_FROM))
        if key.startswith("$") and not known:
            raise PatchError(f"unknown strategic merge patch directive {key!r}")


def _merge_map(
    original: dict[str, Any], patch: dict[str, Any], type_name: _TypeRef
) -> dict[str, Any] | None:
    """Merge `patch` into `original` (owned, mutated). None means "delete this map"."""
    directive = patch.get(_PATCH, MERGE)
    if directive == "delete":
        return None
    if directive == REPLACE:
        return dict(_clean(patch))
    if directive != MERGE:
        raise PatchError(f"unknown patch directive {_short(directive)} in {_short(patch)}")
    _check_directive_keys(patch)
    server_order = {
        key[len(_ORDER) :]: _as_list(original.get(key[len(_ORDER) :]))
        for key in patch
        if key.startswith(_ORDER)
    }
    _apply_retain_keys(original, patch)
    _apply_delete_from_lists(original, patch)
    for key, value in patch.items():
        if not key.startswith("$"):
            _merge_field(original, key, value, _field(type_name, key))
    for name, before in server_order.items():
        _apply_element_order(original, name, before, patch[_ORDER + name], _field(type_name, name))
    return original


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _merge_field(target: dict[str, Any], key: str, value: Any, field: _Field) -> None:
    if value is None:
        target.pop(key, None)
        return
    current = target.get(key)
    if isinstance(value, dict):
        if REPLACE in field.strategies:
            merged: dict[str, Any] | None = _clean(value)
        else:
            merged = _merge_map(current if isinstance(current, dict) else {}, value, field.type)
        if merged is None:
            target.pop(key, None)
        else:
            target[key] = merged
    elif isinstance(value, list):
        target[key] = _merge_list(current if isinstance(current, list) else [], value, field)
    else:
        target[key] = value


def _apply_retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    """`$retainKeys: [a, b]` clears every other field of the original (union types)."""
    if _RETAIN not in patch:
        return
    keep = patch[_RETAIN]
    if not isinstance(keep, list) or not all(isinstance(k, str) for k in keep):
        raise PatchError(f"$retainKeys must be a list of strings, got {_short(keep)}")
    for key, value in patch.items():
        if not key.startswith("$") and value is not None and key not in keep:
            raise PatchError(f'the field "{key}" is set by the patch but not in $retainKeys')
    for key in [k for k in original if k not in keep]:
        del original[key]


def _apply_delete_from_lists(original: dict[str, Any], patch: dict[str, Any]) -> None:
    for key, values in patch.items():
        if not key.startswith(_DELETE_FROM):
            continue
        if not isinstance(values, list):
            raise PatchError(f"{key} must be a list, got {_short(values)}")
        name = key[len(_DELETE_FROM) :]
        current = original.get(name)
        if isinstance(current, list):
            doomed = {_canon(v) for v in values}
            original[name] = [v for v in current if _canon(v) not in doomed]


def _merge_list(original: list[Any], patch: list[Any], field: _Field) -> list[Any]:
    if not field.merges_list:
        return copy.deepcopy(patch)
    if field.key is None:
        return _merge_primitive_list(original, patch)
    return _merge_keyed_list(original, patch, field.key, field.type)


def _merge_primitive_list(original: list[Any], patch: list[Any]) -> list[Any]:
    for item in patch:
        if isinstance(item, dict | list):
            raise PatchError(f"expected a list of primitives, got the item {_short(item)}")
    return _dedupe([*original, *patch])


def _require_key(item: Any, key: str) -> None:
    if not isinstance(item, dict):
        raise PatchError(f"expected a list of objects merged on {key!r}, got {_short(item)}")
    if key not in item:
        raise PatchError(f"map: {_short(item)} does not contain declared merge key: {key}")


def _find(items: list[Any], key: str, value: Any) -> int | None:
    for i, item in enumerate(items):
        if isinstance(item, dict) and key in item and _json_equal(item[key], value):
            return i
    return None


def _merge_keyed_list(
    original: list[Any], patch: list[Any], key: str, item_type: str | None
) -> list[Any]:
    if any(isinstance(i, dict) and i.get(_PATCH) == REPLACE for i in patch):
        return [_clean(i) for i in patch if not (isinstance(i, dict) and _PATCH in i)]
    result = list(original)
    for item in patch:
        _require_key(item, key)
        directive = item.get(_PATCH, MERGE)
        if directive == "delete":
            result = [o for o in result if _find([o], key, item[key]) is None]
            continue
        if directive != MERGE:
            raise PatchError(f"unknown patch directive {_short(directive)} in {_short(item)}")
        idx = _find(result, key, item[key])
        merged = _merge_map({} if idx is None else result[idx], item, item_type)
        if idx is None:
            if merged is not None:
                result.append(merged)
        elif merged is None:
            del result[idx]
        else:
            result[idx] = merged
    return result


def _identity(item: Any, key: str | None) -> str:
    if key is None:
        return _canon(item)
    return _canon(item.get(key)) if isinstance(item, dict) else _canon(None)


def _apply_element_order(
    original: dict[str, Any], name: str, before: list[Any], order: Any, field: _Field
) -> None:
    """Honour `$setElementOrder/<name>`: the patch's items in the order given, the items only
    the server has kept where they were relative to the others."""
    if not isinstance(order, list):
        raise PatchError(f"{_ORDER}{name} must be a list, got {_short(order)}")
    merged = original.get(name)
    if not isinstance(merged, list) or not field.merges_list:
        return
    if field.key is not None:
        for entry in order:
            _require_key(entry, field.key)
    wanted: dict[str, int] = {}
    for i, entry in enumerate(order):
        wanted.setdefault(_identity(entry, field.key), i)
    server: dict[str, int] = {}
    for i, item in enumerate(before):
        server.setdefault(_identity(item, field.key), i)
    ordered = [i for i in merged if _identity(i, field.key) in wanted]
    ordered.sort(key=lambda i: wanted[_identity(i, field.key)])
    server_only = [i for i in merged if _identity(i, field.key) not in wanted]
    server_only.sort(key=lambda i: server.get(_identity(i, field.key), len(server)))
    original[name] = _interleave(server_only, ordered, server, field.key)


def _interleave(
    server_only: list[Any], ordered: list[Any], server: dict[str, int], key: str | None
) -> list[Any]:
    """Merge two already ordered lists, placing each server-only item before the first patch
    item that came after it on the server (new items count as coming last)."""
    out: list[Any] = []
    i = j = 0
    while i < len(server_only) and j < len(ordered):
        s_pos = server.get(_identity(server_only[i], key))
        p_pos = server.get(_identity(ordered[j], key))
        if s_pos is not None and (p_pos is None or s_pos < p_pos):
            out.append(server_only[i])
            i += 1
        else:
            out.append(ordered[j])
            j += 1
    return out + server_only[i:] + ordered[j:]


# --------------------------------------------------------------------------------------------
# Three-way merge patch (kubectl apply)
# --------------------------------------------------------------------------------------------


def create_three_way_merge_patch(
    original: dict[str, Any] | None,
    modified: dict[str, Any],
    current: dict[str, Any],
    kind: str | ResourceInfo,
) -> dict[str, Any]:
    """The strategic patch `kubectl apply` sends.

    `original` is the last applied manifest (None on the first apply), `modified` the new one,
    `current` the live object. Fields of `modified` that differ from `current` are set; fields
    of `original` missing from `modified` are deleted (null, `$patch: delete` for keyed list
    items, `$deleteFromPrimitiveList` for merged primitive lists); fields only `current` has are
    left alone. An empty dict means nothing to do.
    """
    return _diff_map(original or {}, modified, current, _root_type(kind), retain=False)


def _diff_map(
    original: dict[str, Any],
    modified: dict[str, Any],
    current: dict[str, Any],
    type_name: _TypeRef,
    *,
    retain: bool,
) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    for key, value in modified.items():
        _diff_field(
            patch,
            key,
            original.get(key, _MISSING),
            value,
            current.get(key, _MISSING),
            _field(type_name, key),
        )
    for key in original:
        if key not in modified and current.get(key) is not None:
            patch[key] = None
    if retain and patch:
        # A union type: keep only the members the manifest sets, clearing server defaults of
        # the members it no longer uses (RollingUpdate → Recreate drops rollingUpdate).
        patch[_RETAIN] = sorted(k for k, v in modified.items() if v is not None)
    return patch


def _diff_field(
    patch: dict[str, Any], key: str, old: Any, new: Any, live: Any, field: _Field
) -> None:
    if new is None:
        if live is not _MISSING and live is not None:
            patch[key] = None
        return
    if isinstance(new, dict) and isinstance(live, dict) and REPLACE not in field.strategies:
        sub = _diff_map(
            old if isinstance(old, dict) else {}, new, live, field.type, retain=field.retains_keys
        )
        if sub:
            patch[key] = sub
        return
    if isinstance(new, list) and isinstance(live, list) and field.merges_list:
        before = old if isinstance(old, list) else []
        if field.key is None:
            _diff_primitive_list(patch, key, before, new, live)
        else:
            _diff_keyed_list(patch, key, before, new, live, field)
        return
    if live is _MISSING or not _json_equal(new, live):
        patch[key] = copy.deepcopy(new)


def _reordered(wanted: list[str], live: list[str]) -> bool:
    """Whether the items both lists share appear in a different order."""
    common = set(wanted) & set(live)
    return _dedupe(k for k in wanted if k in common) != _dedupe(k for k in live if k in common)


def _diff_primitive_list(
    patch: dict[str, Any], key: str, old: list[Any], new: list[Any], live: list[Any]
) -> None:
    live_ids = {_canon(v) for v in live}
    new_ids = {_canon(v) for v in new}
    added = _dedupe(v for v in new if _canon(v) not in live_ids)
    removed = _dedupe(v for v in old if _canon(v) not in new_ids and _canon(v) in live_ids)
    if added:
        patch[key] = copy.deepcopy(added)
    if removed:
        patch[_DELETE_FROM + key] = copy.deepcopy(removed)
    if added or removed or _reordered([_canon(v) for v in new], [_canon(v) for v in live]):
        patch[_ORDER + key] = copy.deepcopy(new)


def _by_key(items: list[Any], key: str) -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = {}
    for item in items:
        if isinstance(item, dict) and key in item:
            index.setdefault(_canon(item[key]), item)
    return index


def _diff_keyed_list(
    patch: dict[str, Any], name: str, old: list[Any], new: list[Any], live: list[Any], field: _Field
) -> None:
    key = field.key
    assert key is not None
    for item in new:
        _require_key(item, key)
    live_by, old_by = _by_key(live, key), _by_key(old, key)
    new_ids = [_canon(item[key]) for item in new]
    items: list[Any] = []
    for item, ident in zip(new, new_ids, strict=True):
        if ident not in live_by:
            items.append(copy.deepcopy(item))
            continue
        sub = _diff_map(
            old_by.get(ident, {}), item, live_by[ident], field.type, retain=field.retains_keys
        )
        if sub:
            items.append({key: copy.deepcopy(item[key]), **sub})
    for ident, gone in old_by.items():
        if ident not in set(new_ids) and ident in live_by:
            items.append({key: copy.deepcopy(gone[key]), _PATCH: "delete"})
    if items:
        patch[name] = items
    if items or _reordered(new_ids, list(_by_key(live, key))):
        patch[_ORDER + name] = [{key: copy.deepcopy(item[key])} for item in new]
