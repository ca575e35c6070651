"""Who owns which fields of an object (`metadata.managedFields`), and server-side apply.

Every write records its manager, as kube-apiserver does:

- an **Update** (create, replace, patch, a status or scale write) gives its manager the
  fields it changed, added or removed, and takes them from every other manager, appliers
  included, without asking (`update`);
- an **Apply** (a PATCH of type `application/apply-patch+yaml`) merges the applied
  configuration into the live object and makes the applier the owner of exactly the fields
  it applied (`apply`). A field it changes that another manager owns is a conflict (409,
  naming each field and its owner) unless `force` takes it over; a field it applied last
  time and no longer applies is removed when no other manager owns it or anything under it.

An entry is identified by manager, operation and subresource (and, for an Update, the API
version); its `time` moves only when its fields do. Not tracked: apiVersion, kind and the
metadata the server sets (name, namespace, uid, resourceVersion, generation,
creationTimestamp, managedFields), nor what the endpoint resets (`status` written through
the main resource of a kind with a status subresource; everything but `status` through
`/status`). At most ten Update entries are kept: older ones merge into `ancient-changes`.

Client-side apply keeps working and migrates as in Kubernetes: for the manager `kubectl`,
conflicts on fields the `last-applied-configuration` annotation holds with their live
values are taken over, and the annotation is kept equal to what was applied.

Pure functions over plain objects; the registry calls them inside its write retries.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from . import errors
from .defaults import apply_defaults
from .fieldset import FieldsError, FieldSet, Tree, path_text
from .kind import ResourceInfo
from .shapes import KEYED, LIST, MAP, STRUCT, UNTYPED, Shape, shape_of
from .times import parse_rfc3339
from .typed import ApplyError, compare, field_set, merge, remove, unowned

__all__ = [
    "APPLY",
    "LAST_APPLIED",
    "ApplyConflict",
    "UPDATE",
    "Entry",
    "FieldsError",
    "Manager",
    "apply",
    "base_entries",
    "read_entries",
    "update",
    "write_entries",
]

APPLY = "Apply"
UPDATE = "Update"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
KUBECTL = "kubectl"  # the manager whose applies keep the annotation (Kubernetes' rule)
CONFLICT_CAUSE = "FieldManagerConflict"
MAX_UPDATE_MANAGERS = 10
ANCIENT = "ancient-changes"
_SERVER_META = frozenset(
    {
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "selfLink",
        "managedFields",
    }
)
_SKIPPED = frozenset({"apiVersion", "kind"})
_SKIPPED_WITH_STATUS = frozenset({"apiVersion", "kind", "status"})

Obj = dict[str, Any]


@dataclass(frozen=True)
class Manager:
    """Who writes: the field manager and the subresource the write goes through."""

    name: str
    subresource: str = ""


@dataclass(frozen=True)
class Entry:
    """One `managedFields` entry."""

    manager: str
    operation: str
    api_version: str
    time: str | None
    fields: FieldSet
    subresource: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        version = self.api_version if self.operation == UPDATE else ""
        return (self.manager, self.operation, self.subresource, version)

    def identity(self) -> str:
        """Kubernetes' manager identifier (its JSON), which orders conflict messages."""
        doc: dict[str, str] = {"manager": self.manager, "operation": self.operation}
        if self.operation == UPDATE:
            doc["apiVersion"] = self.api_version
        if self.subresource:
            doc["subresource"] = self.subresource
        return json.dumps(doc, separators=(",", ":"))

    def describe(self) -> str:
        """How a conflict names the manager: `"kubectl-client-side-apply" using apps/v1`."""
        text = json.dumps(self.manager, ensure_ascii=False)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource, ensure_ascii=False)}"
        if self.operation == UPDATE:
            text += f" using {self.api_version}"
        return text

    def to_dict(self) -> Obj:
        doc: Obj = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
        }
        if self.time is not None:
            doc["time"] = self.time
        doc["fieldsType"] = "FieldsV1"
        doc["fieldsV1"] = self.fields.tree
        if self.subresource:
            doc["subresource"] = self.subresource
        return doc


# --------------------------------------------------------------------------- entries


def read_entries(value: Any, *, check: bool = False) -> list[Entry]:
    """Entries from `metadata.managedFields`; `check` re-reads each field set strictly
    (a client's, rather than one this server stored). FieldsError when malformed."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FieldsError("managedFields must be a list")
    entries: dict[tuple[str, str, str, str], Entry] = {}
    for raw in value:
        if not isinstance(raw, dict):
            raise FieldsError("a managedFields entry must be an object")
        operation = raw.get("operation")
        if operation not in (APPLY, UPDATE):
            raise FieldsError(f"unknown managedFields operation {operation!r}")
        if raw.get("fieldsType", "FieldsV1") != "FieldsV1":
            raise FieldsError(f"unknown fieldsType {raw.get('fieldsType')!r}")
        tree = raw.get("fieldsV1") or {}
        fields = FieldSet.from_fields_v1(tree) if check else FieldSet(_tree(tree))
        time = raw.get("time")
        if time is not None and not isinstance(time, str):
            raise FieldsError(f"invalid managedFields time {time!r}")
        if check and time is not None and parse_rfc3339(time) is None:
            raise FieldsError(f"invalid managedFields time {time!r}")
        texts = [raw.get(k) or "" for k in ("manager", "apiVersion", "subresource")]
        if not all(isinstance(t, str) for t in texts):
            raise FieldsError("manager, apiVersion and subresource must be strings")
        entry = Entry(texts[0], operation, texts[1], time, fields, texts[2])
        if entry.key in entries:
            if check:
                raise FieldsError(f"duplicate managedFields entry for {entry.identity()}")
            entry = replace(entry, fields=entries[entry.key].fields.union(fields))
        entries[entry.key] = entry
    return list(entries.values())


def _tree(value: Any) -> Tree:
    if not isinstance(value, dict):
        raise FieldsError("fieldsV1 must be an object")
    return value


def write_entries(entries: Iterable[Entry]) -> list[Obj]:
    """`metadata.managedFields` in Kubernetes' order: appliers first, then by time."""

    def order(e: Entry) -> tuple[str, float, str, str, str]:
        moment = parse_rfc3339(e.time) if e.time else None
        return (
            e.operation,
            moment.timestamp() if moment else 0.0,
            e.manager,
            e.api_version,
            e.subresource,
        )

    listed = list(entries)
    if len(listed) > 1:
        listed.sort(key=order)
    return [e.to_dict() for e in listed]


def base_entries(live: Any, requested: Any, *, subresource: str = "") -> list[Entry]:
    """What a write starts from: the managedFields the request carries when it carries a
    usable set (so clients can migrate or reset them: `[]` clears), else the live ones.
    A subresource write never sets them (Kubernetes' rule)."""
    if not subresource and requested is not None:
        if requested == [] or requested == [{}]:
            return []
        try:
            entries = read_entries(requested, check=True)
        except FieldsError:
            entries = []
        if entries:
            return entries
    try:
        return read_entries(live)
    except FieldsError:
        return []


def tracked(info: ResourceInfo, obj: Any, subresource: str = "") -> Obj:
    """The parts of an object whose ownership is recorded for a write through `subresource`."""
    if not isinstance(obj, dict):
        return {}
    if subresource == "status":
        return {"status": obj["status"]} if "status" in obj else {}
    skipped = _SKIPPED_WITH_STATUS if info.has_status else _SKIPPED
    out = {k: v for k, v in obj.items() if k not in skipped}
    meta = out.get("metadata")
    if isinstance(meta, dict):
        meta = {k: v for k, v in meta.items() if k not in _SERVER_META}
        if meta:
            out["metadata"] = meta
        else:
            del out["metadata"]
    return out


# --------------------------------------------------------------------------- update


def update(
    info: ResourceInfo,
    live: Obj | None,
    new: Obj,
    base: list[Entry],
    manager: Manager,
    now: str,
) -> list[Entry] | None:
    """The entries after `manager` wrote `new` over `live` (None for a create); None when
    they are `base` unchanged (nothing tracked changed)."""
    shape = shape_of(info)
    sub = manager.subresource
    added, modified, removed = compare(shape, tracked(info, live, sub), tracked(info, new, sub))
    changed = added.union(modified)
    if not changed and not removed:
        return None
    key = (manager.name, UPDATE, sub, info.api_version)
    mine: Entry | None = None
    entries = []
    for entry in base:
        if entry.key == key:
            mine = entry
            continue
        left = entry.fields.difference(changed).difference(removed)
        if left:
            entries.append(replace(entry, fields=left))
    owned = (mine.fields.difference(removed) if mine else FieldSet()).union(changed)
    if owned:
        time = now if changed else (mine.time if mine else now)
        entries.append(Entry(manager.name, UPDATE, info.api_version, time, owned, sub))
    return _capped(entries)


def _capped(entries: list[Entry]) -> list[Entry]:
    """At most `MAX_UPDATE_MANAGERS` Update entries: the oldest merge into `ancient-changes`."""
    if len(entries) <= MAX_UPDATE_MANAGERS:
        return entries
    updates = [e for e in entries if e.operation == UPDATE and e.manager != ANCIENT]
    if len(updates) + any(e.manager == ANCIENT for e in entries) <= MAX_UPDATE_MANAGERS:
        return entries
    updates.sort(key=lambda e: (e.time or "", e.manager))
    excess = len(updates) + 1 - MAX_UPDATE_MANAGERS
    merged = updates[:excess]
    gone = {id(e) for e in merged}
    kept = [e for e in entries if id(e) not in gone]
    bucket = next((e for e in kept if e.manager == ANCIENT and e.operation == UPDATE), None)
    fields = bucket.fields if bucket else FieldSet()
    for e in merged:
        fields = fields.union(e.fields)
    newest = merged[-1]
    ancient = Entry(ANCIENT, UPDATE, newest.api_version, newest.time, fields)
    return [e for e in kept if e is not bucket] + [ancient]


# --------------------------------------------------------------------------- apply


def apply(
    info: ResourceInfo,
    live: Obj | None,
    config: Obj,
    base: list[Entry],
    manager: Manager,
    *,
    force: bool,
    now: str,
) -> tuple[Obj, list[Entry]]:
    """The object after `manager` applied `config` over `live` (None: nothing yet), and
    the new entries. Raises `errors.Conflict` for fields other managers own (unless
    `force`), `errors.BadRequest` for a configuration that cannot be placed."""
    try:
        return _apply(info, live, config, base, manager, force, now)
    except ApplyConflict as conflict:
        if manager.name != KUBECTL or live is None:
            raise
        allowed = _owned_by_last_applied(info, live)
        if allowed is None or conflict.fields.difference(allowed):
            raise
        return _apply(info, live, config, base, manager, True, now)


def _apply(
    info: ResourceInfo,
    live: Obj | None,
    config: Obj,
    base: list[Entry],
    manager: Manager,
    force: bool,
    now: str,
) -> tuple[Obj, list[Entry]]:
    shape = shape_of(info)
    sub = manager.subresource
    hints = _key_hints(info, shape, config)
    try:
        applied = field_set(shape, tracked(info, config, sub), hints)
        merged = merge(shape, live or {}, config, hints)
    except ApplyError as e:
        raise errors.BadRequest(f"failed to create typed patch object: {e}") from None
    key = (manager.name, APPLY, sub, "")
    last = next((e for e in base if e.key == key), None)
    others = [e for e in base if e.key != key]
    if last is not None:
        covered = applied
        for entry in others:
            covered = covered.union(entry.fields)
        dropped = unowned(shape, last.fields.difference(applied), covered)
        if dropped:
            merged = remove(shape, merged, dropped, hints)
    added, modified, removed = compare(
        shape, tracked(info, live, sub), tracked(info, merged, sub), hints
    )
    changed = added.union(modified)
    conflicts = [(e, e.fields.intersection(changed)) for e in others]
    conflicts = [(e, fields) for e, fields in conflicts if fields]
    if conflicts and not force:
        raise conflict_error(conflicts)
    entries = []
    for entry in others:
        left = entry.fields.difference(changed).difference(removed)
        if left:
            entries.append(replace(entry, fields=left))
    if applied:
        moved = bool(changed or removed) or last is None or last.fields != applied
        time = now if moved or last is None else last.time
        entries.append(Entry(manager.name, APPLY, info.api_version, time, applied, sub))
    if manager.name == KUBECTL and live is not None and _last_applied(live):
        _set_last_applied(merged, config)
    return merged, _capped(entries)


class ApplyConflict(errors.Conflict):
    """Kubernetes' 409 for an apply that would change fields other managers own;
    `fields` holds every conflicting path."""

    def __init__(self, message: str, causes: list[errors.Cause], fields: FieldSet) -> None:
        super().__init__(message, causes=causes)
        self.fields = fields


def conflict_error(conflicts: list[tuple[Entry, FieldSet]]) -> ApplyConflict:
    """The conflict naming each field and its manager, as Kubernetes words it."""
    found = [
        (entry, path_text(path))
        for entry, fields in sorted(conflicts, key=lambda c: c[0].identity())
        for path in fields.paths()
    ]
    causes = [
        errors.Cause(path, f"conflict with {entry.describe()}", CONFLICT_CAUSE)
        for entry, path in found
    ]
    if len(found) == 1:
        entry, path = found[0]
        message = f"Apply failed with 1 conflict: conflict with {entry.describe()}: {path}"
    else:
        lines = []
        for entry, fields in sorted(conflicts, key=lambda c: c[0].identity()):
            lines.append(f"conflicts with {entry.describe()}:")
            lines += [f"- {path_text(p)}" for p in fields.paths()]
        message = f"Apply failed with {len(found)} conflicts: " + "\n".join(lines)
    fields = FieldSet()
    for _, conflicting in conflicts:
        fields = fields.union(conflicting)
    return ApplyConflict(message, causes, fields)


# --------------------------------------------------------------------------- last-applied


def _last_applied(obj: Obj) -> str:
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    value = annotations.get(LAST_APPLIED) if isinstance(annotations, dict) else None
    return value if isinstance(value, str) else ""


def _owned_by_last_applied(info: ResourceInfo, live: Obj) -> FieldSet | None:
    """The fields client-side apply last set that still hold the values it set."""
    try:
        applied = json.loads(_last_applied(live))
    except ValueError:
        return None
    if not isinstance(applied, dict) or applied.get("apiVersion") != info.api_version:
        return None
    shape = shape_of(info)
    hints = _key_hints(info, shape, applied)
    try:
        fields = field_set(shape, tracked(info, applied), hints)
    except ApplyError:
        return None
    added, modified, removed = compare(shape, tracked(info, applied), tracked(info, live), hints)
    return fields.difference(modified).difference(added).difference(removed)


def _set_last_applied(obj: Obj, config: Obj) -> None:
    """The annotation as kubectl writes it: the configuration without the annotation,
    as sorted compact JSON with Go's HTML escapes and a final newline."""
    config = copy.copy(config)
    meta = dict(config.get("metadata") or {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    config["metadata"] = meta
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    meta_out = obj.setdefault("metadata", {})
    meta_out["annotations"] = {**(meta_out.get("annotations") or {}), LAST_APPLIED: text + "\n"}


# --------------------------------------------------------------------------- key defaults


_Hints = dict[int, dict[str, Any]]


def _key_hints(info: ResourceInfo, shape: Shape, config: Obj) -> _Hints:
    """Defaults of the key fields a configuration leaves out (a port's protocol), by list
    shape: the kind's own defaulting says which, run on a copy of the configuration."""
    defaulted = copy.deepcopy(config)
    try:
        apply_defaults(info, defaulted)
    except Exception:  # defaulting a partial configuration must not fail an apply
        return {}
    hints: _Hints = {}
    _collect_hints(shape, config, defaulted, hints)
    return hints


def _collect_hints(shape: Shape, value: Any, defaulted: Any, hints: _Hints) -> None:
    if shape.atomic:
        return
    if shape.kind == LIST:
        if not isinstance(value, list) or not isinstance(defaulted, list):
            return
        if len(value) != len(defaulted) or shape.item is None:
            return
        for item, full in zip(value, defaulted, strict=True):
            if shape.relation == KEYED and isinstance(item, dict) and isinstance(full, dict):
                for key in shape.keys:
                    if item.get(key) is None and full.get(key) is not None:
                        hints.setdefault(id(shape), {})[key] = full[key]
            _collect_hints(shape.item, item, full, hints)
        return
    if shape.kind in (STRUCT, MAP, UNTYPED.kind) and isinstance(value, dict):
        if not isinstance(defaulted, dict):
            return
        for key, child in value.items():
            if key in defaulted:
                sub = shape.child(key)
                if sub is not None and sub is not UNTYPED:
                    _collect_hints(sub, child, defaulted[key], hints)
