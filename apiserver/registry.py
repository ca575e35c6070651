"""The generic registry: create, read, update, patch and delete for every kind.

This is the API server's business logic between HTTP and etcd, the same steps for every
kind (Kubernetes' generic registry), with a few per-kind rules:

- create: namespace checks, generateName, server-owned metadata (uid, creationTimestamp,
  generation), defaulting, validation, ClusterIP/NodePort allocation in the same etcd
  transaction as the Service;
- update: optimistic concurrency on resourceVersion; the main resource ignores `status`, the
  `status` subresource changes only `status`; generation moves on spec changes only; an
  object marked for deletion goes away when its last finalizer does;
- patch: read, apply the patch, then an update at that resourceVersion, retried on conflict;
- apply (server-side apply): merge the applied configuration by the kind's schema, with
  field ownership and conflicts (`minik8s.api.managedfields`), then the same update (or a
  create when the object does not exist yet); an apply that changes nothing writes nothing;
- every write keeps `metadata.managedFields` (create, update, patch, status and scale) and
  answers fieldValidation: unknown fields (`minik8s.api.typed.unknown_fields`) are a 400
  with Strict, a warning with Warn (the default), nothing with Ignore; they are stored
  either way, as minik8s always kept them;
- delete: admission (the stored object), preconditions, finalizers and deletionTimestamp,
  pod grace periods, propagationPolicy as the Kubernetes finalizers `orphan` and
  `foregroundDeletion`.

Every write is one etcd transaction, so a failed request never leaves half an object.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import random
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from minik8s.api import errors, managedfields
from minik8s.api.canonical import canonical
from minik8s.api.defaults import apply_defaults
from minik8s.api.errors import invalid, invalid_object, not_supported, required, too_long
from minik8s.api.kind import ResourceInfo
from minik8s.api.managedfields import ApplyConflict, Entry, Manager, base_entries, write_entries
from minik8s.api.params import INT64_MAX, INT64_MIN, Query
from minik8s.api.patch import PatchError, json_merge_patch, json_patch, strategic_merge_patch
from minik8s.api.selectors import (
    FieldSelector,
    LabelSelector,
    SelectorError,
    check_field_selector,
    selectable_fields,
)
from minik8s.api.shapes import shape_of
from minik8s.api.times import now_rfc3339, rfc3339
from minik8s.api.typed import unknown_fields
from minik8s.api.validation import validate

from . import offload
from .admission import CREATE, DELETE, Admission, Attributes
from .storage.cached import CachedStorage, ListResult, Mutate, Preconditions
from .storage.store import conflict

_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SERVER_META = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")
_CENTURY = 100 * 365 * 24 * 3600  # seconds
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_PATCH, APPLY_PATCH)

# fieldValidation directives, and the manager of writes no client asked for.
STRICT, WARN, IGNORE = "Strict", "Warn", "Ignore"
SERVER_MANAGER = "mk-apiserver"
_MAX_MANAGER = 128  # bytes, Kubernetes' FieldManagerMaxLength
_PRINTABLE = "must only contain printable characters"
_OPTIONS_KIND = {"create": "CreateOptions", "update": "UpdateOptions", "patch": "PatchOptions"}
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")

__all__ = [
    "ListResult",
    "Registry",
    "DeleteOptions",
    "Selectors",
    "WriteOptions",
    "WritePlan",
    "WriteExtension",
]


def rv_of(obj: dict[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])


@dataclass
class WritePlan:
    """Keys to change in the same etcd transaction as an object: `compare` guards,
    `ops` writes; `requested_keys` (key, field, value) are values the client asked for,
    which `explain_failure` names when the transaction fails."""

    compare: list[Any] = field(default_factory=list)
    ops: list[Any] = field(default_factory=list)
    requested_keys: list[tuple[bytes, str, str]] = field(default_factory=list)


class WriteExtension(Protocol):
    """Keys written with an object of one kind, in its transaction (Kubernetes: the
    Service REST storage's ClusterIP and NodePort allocators). Plans are made on a fresh
    copy of the object per attempt; a failed attempt is retried with new choices."""

    async def plan_create(self, obj: dict[str, Any], owner: str, *, attempt: int) -> WritePlan: ...

    async def plan_update(
        self, old: dict[str, Any], new: dict[str, Any], owner: str, *, attempt: int
    ) -> WritePlan: ...

    def release_ops(self, obj: dict[str, Any]) -> list[Any]: ...

    async def explain_failure(self, plan: WritePlan) -> None: ...


@dataclass
class DeleteOptions:
    grace_period_seconds: int | None = None
    propagation_policy: str | None = None  # Background, Foreground, Orphan
    precondition_uid: str | None = None
    precondition_rv: str | None = None
    dry_run: bool = False

    @classmethod
    def from_body(cls, body: dict[str, Any] | None, query: Query | None = None) -> DeleteOptions:
        """Options from a DeleteOptions body, else from the query string (Go's parsing)."""
        body = body or {}
        query = query or Query(())
        opts = cls()
        grace = body.get("gracePeriodSeconds")
        if grace is not None:
            if not isinstance(grace, int) or isinstance(grace, bool):
                raise errors.BadRequest(f"invalid gracePeriodSeconds: {grace!r}")
            if not INT64_MIN <= grace <= INT64_MAX:  # an int64 in Kubernetes
                raise errors.BadRequest(f"invalid gracePeriodSeconds: {grace!r}")
            opts.grace_period_seconds = grace
        else:
            opts.grace_period_seconds = query.integer("gracePeriodSeconds")
        policy = body.get("propagationPolicy") or query.string("propagationPolicy") or None
        orphan = body.get("orphanDependents")
        if orphan is None and "orphanDependents" in query:
            orphan = query.boolean("orphanDependents")
        if policy is None and orphan is not None:
            policy = "Orphan" if orphan is True else "Background"
        if policy not in (None, "Background", "Foreground", "Orphan"):
            raise errors.BadRequest(
                f'invalid propagationPolicy "{policy}": must be Background, Foreground or Orphan'
            )
        opts.propagation_policy = policy
        pre = body.get("preconditions") or {}
        if not isinstance(pre, dict):
            raise errors.BadRequest("preconditions must be an object")
        opts.precondition_uid = pre.get("uid")
        opts.precondition_rv = pre.get("resourceVersion")
        dry = body.get("dryRun") or query.string("dryRun")
        opts.dry_run = bool(dry)
        return opts


@dataclass
class WriteOptions:
    """What a write says besides its body: who writes (`fieldManager`, else the client's
    User-Agent up to its first "/", as Kubernetes takes it), how unknown fields are
    answered (`fieldValidation`), whether an apply takes over fields other managers own
    (`force`), and the subresource recorded in managedFields (status, scale). `warnings`
    collects what the answer's `Warning` headers carry."""

    manager: str = SERVER_MANAGER
    validation: str = IGNORE
    force: bool = False
    subresource: str = ""
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_query(
        cls,
        query: Mapping[str, str],
        user_agent: str,
        verb: str,
        *,
        apply: bool = False,
        subresource: str = "",
    ) -> WriteOptions:
        """Options of a create, update or patch request; 422 for values Kubernetes refuses."""
        manager = query.get("fieldManager") or ""
        causes: list[errors.Cause] = []
        if apply and not manager:
            causes.append(required("fieldManager", "is required for apply patch"))
        if len(manager.encode()) > _MAX_MANAGER:
            causes.append(too_long("fieldManager", manager, _MAX_MANAGER))
        elif not manager.isprintable():
            causes.append(
                invalid("fieldManager", manager, "must only contain printable characters")
            )
        validation = query.get("fieldValidation") or WARN
        if validation not in (STRICT, WARN, IGNORE):
            allowed = ["", IGNORE, STRICT, WARN]
            causes.append(not_supported("fieldValidation", validation, allowed))
        force_text = query.get("force")
        if force_text is not None and verb == "patch" and not apply:
            causes.append(errors.forbidden("force", "may not be specified for non-apply patch"))
        if causes:
            kind = _OPTIONS_KIND.get(verb, "PatchOptions")
            raise invalid_object(kind, "meta.k8s.io", "", causes)
        force = False
        if force_text:
            if force_text not in _TRUE + _FALSE:
                raise errors.BadRequest(f'invalid force "{force_text}": not a boolean')
            force = force_text in _TRUE
        return cls(
            manager=manager or _user_agent_prefix(user_agent),
            validation=validation,
            force=force,
            subresource=subresource,
        )

    def check_fields(
        self, info: ResourceInfo, obj: Any, before: Any = None, *, patch: Any = None
    ) -> None:
        """Answer the unknown fields of `obj` (those `before` did not have already):
        400 (422 for a patch) under Strict, a warning under Warn."""
        if self.validation == IGNORE or info.schema is None:
            return
        shape = shape_of(info)
        found = unknown_fields(shape, obj)
        if found and before is not None:
            known = set(unknown_fields(shape, before))
            found = [path for path in found if path not in known]
        if not found:
            return
        texts = [f'unknown field "{path}"' for path in found]
        if self.validation == WARN:
            self.warnings.extend(t for t in texts if t not in self.warnings)
            return
        strict = "strict decoding error: " + ", ".join(texts)
        if patch is not None:
            value = patch if isinstance(patch, str) else json.dumps(patch, separators=(",", ":"))
            raise invalid_object("", "", "", [invalid("patch", value, strict)])
        raise errors.BadRequest(
            f'{info.kind} in version "{info.version}" cannot be handled as a {info.kind}: {strict}'
        )

    def manager_of(self, subresource: str | None) -> Manager:
        return Manager(self.manager, self.subresource or subresource or "")


@functools.lru_cache(maxsize=1)
def _second(epoch: int) -> str:
    return rfc3339(epoch)


def _now() -> str:
    """The wall clock as a managedFields time (whole seconds: formatted once a second)."""
    return _second(int(time.time()))


def _user_agent_prefix(user_agent: str) -> str:
    """The manager of a write that names none: the User-Agent up to its first "/",
    printable characters only, at most 128 bytes."""
    product = user_agent.split("/", 1)[0]
    if product.isascii() and product.isprintable() and len(product) <= _MAX_MANAGER:
        return product
    out = ""
    for ch in product:
        if not ch.isprintable():
            continue
        if len((out + ch).encode()) > _MAX_MANAGER:
            break
        out += ch
    return out


@dataclass
class Selectors:
    labels: LabelSelector | None = None
    fields: FieldSelector | None = None

    @classmethod
    def parse(cls, info: ResourceInfo, label: str | None, fld: str | None) -> Selectors:
        try:
            labels = LabelSelector.parse(label) if label else None
            fields = FieldSelector.parse(fld) if fld else None
            if fields is not None:
                check_field_selector(info, fields)
        except SelectorError as e:
            raise errors.BadRequest(str(e)) from None
        return cls(labels, fields)

    def empty(self) -> bool:
        return self.labels is None and self.fields is None

    def matches(self, info: ResourceInfo, obj: dict[str, Any] | None) -> bool:
        if obj is None:
            return False
        if self.labels is not None and not self.labels.matches(
            obj.get("metadata", {}).get("labels") or {}
        ):
            return False
        return self.fields is None or self.fields.matches(selectable_fields(info, obj))


class Registry:
    """Create, read, update, patch and delete for every kind, through its strategy."""

    max_patch_retries = 8
    _ALLOCATION_ATTEMPTS = 12

    def __init__(
        self,
        storage: CachedStorage,
        *,
        extensions: Mapping[ResourceInfo, WriteExtension] | None = None,
        admission: Admission | None = None,
        rand: random.Random | None = None,
    ) -> None:
        self.storage = storage
        self.extensions = dict(extensions or {})
        self.admission = admission or Admission.default(storage)
        self._rand = rand or random.Random()

    # reads ---------------------------------------------------------------------------
    async def get(
        self, info: ResourceInfo, namespace: str | None, name: str, resource_version: str = ""
    ) -> dict[str, Any]:
        return await self.storage.get(info, namespace, name, resource_version)

    async def list_objects(
        self,
        info: ResourceInfo,
        namespace: str | None,
        selectors: Selectors,
        *,
        limit: int = 0,
        continue_token: str = "",
        resource_version: str = "",
    ) -> ListResult:
        match = None if selectors.empty() else (lambda obj: selectors.matches(info, obj))
        return await self.storage.list(
            info,
            namespace,
            match,
            limit=limit,
            continue_token=continue_token,
            resource_version=resource_version,
        )

    # create --------------------------------------------------------------------------
    async def create(
        self,
        info: ResourceInfo,
        namespace: str | None,
        body: dict[str, Any],
        *,
        dry_run: bool = False,
        owned: bool = False,
        options: WriteOptions | None = None,
        managed: list[Entry] | None = None,
    ) -> dict[str, Any]:
        """Create an object; `owned=True` lets the registry modify `body` in place.
        `managed`: the managedFields entries an apply computed (else the creator's)."""
        opts = options or WriteOptions()
        obj = body if owned else copy.deepcopy(body)
        if managed is None:
            await offload.run(opts.check_fields, info, obj)
        requested = _managed_fields_of(obj)
        meta = prepare_meta_for_create(info, namespace, obj, self._rand)
        strategy = info.strategy
        if info.has_status and strategy.reset_status_on_create:
            obj.pop("status", None)
        strategy.prepare_for_create(obj)
        attrs = Attributes(CREATE, info, meta.get("namespace"), obj)
        await self.admission.admit(attrs)
        causes = await offload.run(default_and_validate, info, obj, None, True)
        if causes:
            raise errors.invalid_object(info.kind, info.group, meta.get("name", ""), causes)
        if managed is None:
            base = base_entries(None, requested)
            changed = await offload.run(
                managedfields.update, info, None, obj, base, opts.manager_of(None), _now()
            )
            managed = base if changed is None else changed
        if managed:
            meta["managedFields"] = write_entries(managed)
        await self.admission.validate(attrs)
        if dry_run:
            return canonical(info, obj)  # as a real create would answer it
        extension = self.extensions.get(info)
        if extension is None:
            created = await self.storage.create(info, obj)
            assert created is not None
            return created
        for attempt in range(self._ALLOCATION_ATTEMPTS):
            candidate = copy.deepcopy(obj)
            plan = await extension.plan_create(candidate, _owner(candidate), attempt=attempt)
            created = await self.storage.create(
                info, candidate, extra_compare=plan.compare, extra_ops=plan.ops
            )
            if created is not None:
                return created
            await extension.explain_failure(plan)
        raise errors.ServiceUnavailable(
            f"could not allocate the values of {info.group_resource} {meta['name']}; try again"
        )

    # update --------------------------------------------------------------------------
    async def update(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str,
        body: dict[str, Any],
        *,
        subresource: str | None = None,
        dry_run: bool = False,
        options: WriteOptions | None = None,
    ) -> dict[str, Any]:
        opts = options or WriteOptions()
        check_identity(info, namespace, name, body)
        current = await self.storage.get(info, namespace, name)
        wanted_rv = str((body.get("metadata") or {}).get("resourceVersion") or "")
        if wanted_rv and wanted_rv != current["metadata"]["resourceVersion"]:
            raise conflict(info, name)
        await offload.run(opts.check_fields, info, body, current)
        return await self._update_from(info, current, body, subresource, dry_run, opts)

    async def update_with(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str,
        mutate: Callable[[dict[str, Any]], dict[str, Any]],
        *,
        precondition_rv: str = "",
        subresource: str | None = None,
        dry_run: bool = False,
        options: WriteOptions | None = None,
    ) -> dict[str, Any]:
        """An update computed from the stored object (patch, scale, finalize): `mutate` gets
        a fresh copy and returns the object to store, which goes through the same strategy
        as a PUT. Someone else's write in between re-reads and re-applies, unless the
        client named the version it started from (`precondition_rv`: then it is a 409)."""
        opts = options or WriteOptions()
        for _ in range(self.max_patch_retries):
            current = await self.storage.get(info, namespace, name)
            wanted = mutate(copy.deepcopy(current))
            check_identity(info, namespace, name, wanted)
            if precondition_rv and precondition_rv != current["metadata"]["resourceVersion"]:
                raise conflict(info, name)
            wanted.setdefault("metadata", {})["resourceVersion"] = current["metadata"][
                "resourceVersion"
            ]
            try:
                return await self._update_from(info, current, wanted, subresource, dry_run, opts)
            except errors.Conflict:
                if precondition_rv:
                    raise
        raise conflict(info, name)

    async def _update_from(
        self,
        info: ResourceInfo,
        current: dict[str, Any],
        body: dict[str, Any],
        subresource: str | None,
        dry_run: bool,
        opts: WriteOptions,
        managed: list[Entry] | None = None,
    ) -> dict[str, Any]:
        requested = None if subresource else _managed_fields_of(body)
        new = merge_for_update(info, current, copy.deepcopy(body), subresource)
        if subresource is None:
            info.strategy.prepare_for_update(new, current)
        causes = await offload.run(default_and_validate, info, new, current, subresource is None)
        if subresource is None and "spec" in new:
            # Compared once defaulted: leaving out a defaulted field changes nothing
            # (an apply that prunes a default it owned gets it back here).
            generation = int(current["metadata"].get("generation") or 1)
            changed = new["spec"] != current.get("spec")
            new["metadata"]["generation"] = generation + 1 if changed else generation
        if causes:
            raise errors.invalid_object(info.kind, info.group, current["metadata"]["name"], causes)
        await offload.run(
            self._record_managers, info, current, new, requested, subresource, opts, managed
        )
        if managed is not None and new == current:
            return current  # an apply that changes nothing writes nothing
        if dry_run:
            return canonical(info, new)
        expected = rv_of(current)
        extension = self.extensions.get(info)
        if finalized(info, new):
            # The last finalizer of an object marked for deletion is gone: remove it.
            extra = extension.release_ops(current) if extension is not None else []
            revision = await self.storage.delete(info, current, expected, extra_ops=extra)
            new["metadata"]["resourceVersion"] = str(revision)
            return new
        if extension is None:
            return await self.storage.update(info, new, expected)
        meta = current["metadata"]
        for attempt in range(self._ALLOCATION_ATTEMPTS):
            candidate = copy.deepcopy(new)
            plan = await extension.plan_update(current, candidate, _owner(current), attempt=attempt)
            try:
                return await self.storage.update(
                    info, candidate, expected, extra_compare=plan.compare, extra_ops=plan.ops
                )
            except errors.Conflict:
                fresh = await self.storage.get(info, meta.get("namespace"), meta["name"])
                if fresh["metadata"]["resourceVersion"] != meta["resourceVersion"]:
                    raise
                await extension.explain_failure(plan)
        raise errors.ServiceUnavailable(
            f"could not allocate the values of {info.group_resource} {meta['name']}; try again"
        )

    def _record_managers(
        self,
        info: ResourceInfo,
        current: dict[str, Any],
        new: dict[str, Any],
        requested: Any,
        subresource: str | None,
        opts: WriteOptions,
        managed: list[Entry] | None,
    ) -> None:
        """Set `new`'s managedFields: the apply's entries, or the writer's Update."""
        live = current["metadata"].get("managedFields")
        meta = new["metadata"]
        if managed is None:
            if requested == live:
                requested = None  # sent back unchanged (a read-modify-write): nothing to read
            base = base_entries(live, requested, subresource=subresource or "")
            manager = opts.manager_of(subresource)
            changed = managedfields.update(info, current, new, base, manager, _now())
            if changed is None and requested is None:
                if live is None:
                    meta.pop("managedFields", None)
                else:
                    meta["managedFields"] = live
                return
            managed = base if changed is None else changed
        if managed:
            meta["managedFields"] = write_entries(managed)
        else:
            meta.pop("managedFields", None)

    # patch ---------------------------------------------------------------------------
    async def patch(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str,
        patch_type: str,
        patch: Any,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
        options: WriteOptions | None = None,
    ) -> dict[str, Any]:
        opts = options or WriteOptions()

        def patched(current: dict[str, Any]) -> dict[str, Any]:
            result = apply_patch(info, current, patch_type, patch)
            opts.check_fields(info, result, current, patch=patch)
            return result

        # Only a version the client itself put in the patch is a precondition.
        return await self.update_with(
            info,
            namespace,
            name,
            patched,
            precondition_rv=patch_resource_version(patch),
            subresource=subresource,
            dry_run=dry_run,
            options=opts,
        )

    async def apply(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str,
        config: Any,
        options: WriteOptions,
        *,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> tuple[dict[str, Any], bool]:
        """Server-side apply of `config` by `options.manager`: a create when the object
        does not exist (not through a subresource), else an update of the merged object.
        Returns the object and whether it was created."""
        check_apply_config(info, namespace, name, config)
        options.check_fields(info, config)
        manager = options.manager_of(subresource)
        precondition = patch_resource_version(config)
        for _ in range(self.max_patch_retries):
            try:
                current = await self.storage.get(info, namespace, name)
            except errors.NotFound:
                if subresource or precondition:
                    raise
                merged, entries = managedfields.apply(
                    info, None, copy.deepcopy(config), [], manager, force=True, now=_now()
                )
                merged.setdefault("metadata", {})["name"] = name
                try:
                    created = await self.create(
                        info,
                        namespace,
                        merged,
                        dry_run=dry_run,
                        owned=True,
                        options=options,
                        managed=entries,
                    )
                    return created, True
                except errors.AlreadyExists:
                    continue
            meta = current["metadata"]
            if precondition and precondition != meta["resourceVersion"]:
                raise conflict(info, name)
            base = base_entries(meta.get("managedFields"), None)
            merged, entries = managedfields.apply(
                info,
                copy.deepcopy(current),
                config,
                base,
                manager,
                force=options.force,
                now=_now(),
            )
            merged.setdefault("metadata", {})["resourceVersion"] = meta["resourceVersion"]
            try:
                updated = await self._update_from(
                    info, current, merged, subresource, dry_run, options, entries
                )
                return updated, False
            except ApplyConflict:
                raise
            except errors.Conflict:
                if precondition:
                    raise
        raise conflict(info, name)

    async def guaranteed_update(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str,
        mutate: Mutate,
        *,
        preconditions: Preconditions | None = None,
        use_cache: bool = False,
    ) -> dict[str, Any]:
        """A write that bypasses the strategy (pods/binding, as Kubernetes' BindingREST):
        see `CachedStorage.guaranteed_update`."""
        return await self.storage.guaranteed_update(
            info,
            namespace,
            name,
            mutate,
            preconditions=preconditions,
            use_cache=use_cache,
            attempts=self.max_patch_retries,
        )

    # delete --------------------------------------------------------------------------
    async def delete(
        self, info: ResourceInfo, namespace: str | None, name: str, opts: DeleteOptions
    ) -> tuple[dict[str, Any], bool]:
        """Delete or mark for deletion; returns the object and whether it is gone now."""
        preconditions = Preconditions(opts.precondition_uid, opts.precondition_rv)
        extension = self.extensions.get(info)
        for _ in range(self.max_patch_retries):
            current = await self.storage.get(info, namespace, name)
            meta = current["metadata"]
            preconditions.check(info, current)
            await self.admission.validate(Attributes(DELETE, info, namespace, current))
            marked = mark_for_deletion(info, current, opts)
            try:
                if marked is None:
                    if opts.dry_run:
                        return current, True
                    extra = extension.release_ops(current) if extension is not None else []
                    revision = await self.storage.delete(
                        info, current, rv_of(current), extra_ops=extra
                    )
                    meta["resourceVersion"] = str(revision)
                    return current, True
                if opts.dry_run:
                    return marked, False
                if marked is current:
                    return current, False  # already terminating, nothing to change
                return await self.storage.update(info, marked, rv_of(current)), False
            except errors.Conflict:
                continue
        raise conflict(info, name)

    async def delete_collection(
        self,
        info: ResourceInfo,
        namespace: str | None,
        selectors: Selectors,
        opts: DeleteOptions,
    ) -> list[dict[str, Any]]:
        listed = await self.list_objects(info, namespace, selectors)
        deleted = []
        refused: errors.Forbidden | None = None
        for obj in listed.items:
            meta = obj["metadata"]
            try:
                gone, _ = await self.delete(info, meta.get("namespace"), meta["name"], opts)
                deleted.append(gone)
            except errors.NotFound:
                continue
            except errors.Forbidden as e:
                refused = refused or e  # the others still go, as Kubernetes' DeleteCollection
        if refused is not None:
            raise refused
        return deleted


def default_and_validate(
    info: ResourceInfo, obj: dict[str, Any], old: dict[str, Any] | None, defaults: bool
) -> list[errors.Cause]:
    """The kind's defaults (unless `defaults` is False: a status write), then every field
    error; pure, so a large request may run it in the offload thread."""
    if defaults:
        apply_defaults(info, obj)
    return validate(info, obj, old)


def _owner(obj: dict[str, Any]) -> str:
    meta = obj["metadata"]
    return f"{meta.get('namespace') or ''}/{meta['name']}"


# pure helpers -------------------------------------------------------------------------


def generate_name(prefix: str, rand: random.Random) -> str:
    return prefix + "".join(rand.choice(_GENERATE_ALPHABET) for _ in range(5))


def check_identity(
    info: ResourceInfo, namespace: str | None, name: str | None, obj: dict[str, Any]
) -> None:
    """The body must be the kind the path names, in the path's namespace and name."""
    if not isinstance(obj, dict):
        raise errors.BadRequest("the body of the request must be a JSON object")
    kind = obj.get("kind")
    if kind and kind != info.kind:
        raise errors.BadRequest(
            f'the kind in the body ("{kind}") does not match the kind of the resource '
            f'("{info.kind}")'
        )
    api_version = obj.get("apiVersion")
    if api_version and api_version != info.api_version:
        raise errors.BadRequest(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({info.api_version})"
        )
    meta = obj.get("metadata")
    if meta is None:
        return
    if not isinstance(meta, dict):
        raise errors.BadRequest("metadata must be an object")
    body_ns = meta.get("namespace")
    if info.namespaced and body_ns and namespace and body_ns != namespace:
        raise errors.BadRequest(
            "the namespace of the provided object does not match the namespace sent on the request"
        )
    body_name = meta.get("name")
    if name is not None and body_name and body_name != name:
        raise errors.BadRequest(
            f"the name of the object ({body_name}) does not match the name on the URL ({name})"
        )


def _managed_fields_of(obj: Any) -> Any:
    """The managedFields a request body carries (None when it carries none)."""
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    return meta.get("managedFields") if isinstance(meta, dict) else None


def check_apply_config(info: ResourceInfo, namespace: str | None, name: str, config: Any) -> None:
    """An applied configuration names its kind and version, and no managedFields."""
    if not isinstance(config, dict):
        raise errors.BadRequest("the body of an apply patch must be an object")
    api_version, kind = config.get("apiVersion"), config.get("kind")
    if not api_version or not kind:
        missing = "apiVersion" if not api_version else "kind"
        raise errors.BadRequest(f"error decoding YAML: Object '{missing}' is missing")
    if api_version != info.api_version:
        raise errors.BadRequest(
            "Incorrect version specified in apply patch. Specified patch version: "
            f"{api_version}, expected: {info.api_version}"
        )
    check_identity(info, namespace, name, config)
    if _managed_fields_of(config) is not None:
        raise errors.BadRequest("metadata.managedFields must be nil")


def prepare_meta_for_create(
    info: ResourceInfo, namespace: str | None, obj: dict[str, Any], rand: random.Random
) -> dict[str, Any]:
    check_identity(info, namespace, None, obj)
    obj["apiVersion"] = info.api_version
    obj["kind"] = info.kind
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise errors.BadRequest("metadata must be an object")
    if info.namespaced:
        meta["namespace"] = namespace or meta.get("namespace") or "default"
    else:
        meta.pop("namespace", None)
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = generate_name(str(meta["generateName"]), rand)
    for key in (*_SERVER_META, "resourceVersion", "managedFields", "selfLink"):
        meta.pop(key, None)
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = now_rfc3339()
    meta["generation"] = 1
    return meta


def merge_for_update(
    info: ResourceInfo, current: dict[str, Any], new: dict[str, Any], subresource: str | None
) -> dict[str, Any]:
    """What an update stores: the server-owned parts of `current` win over the request."""
    if not isinstance(new, dict):
        raise errors.BadRequest("the body of the request must be a JSON object")
    cur_meta = current["metadata"]
    if subresource == "status":
        merged = copy.deepcopy(current)
        status = new.get("status")
        if status is not None and not isinstance(status, dict):
            cause = errors.invalid("status", status, "must be an object")
            raise errors.invalid_object(info.kind, info.group, cur_meta["name"], [cause])
        if "status" in new:
            merged["status"] = new["status"]
        else:
            merged.pop("status", None)
        return merged
    new["apiVersion"] = info.api_version
    new["kind"] = info.kind
    meta = new.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise errors.BadRequest("metadata must be an object")
    meta["name"] = cur_meta["name"]
    if info.namespaced:
        meta["namespace"] = cur_meta.get("namespace")
    for key in (*_SERVER_META, "generation"):
        if key in cur_meta:
            meta[key] = cur_meta[key]
        else:
            meta.pop(key, None)
    meta.pop("managedFields", None)
    meta["resourceVersion"] = cur_meta["resourceVersion"]
    if cur_meta.get("deletionTimestamp"):
        # Finalizers may only be removed once deletion started.
        old = set(cur_meta.get("finalizers") or [])
        added = [f for f in meta.get("finalizers") or [] if isinstance(f, str) and f not in old]
        if added:
            raise errors.invalid_object(
                info.kind,
                info.group,
                cur_meta["name"],
                [
                    errors.forbidden(
                        "metadata.finalizers",
                        "no new finalizers can be added if "
                        "the object is being deleted, found new finalizers " + str(added),
                    )
                ],
            )
    if info.has_status:
        if "status" in current:
            new["status"] = current["status"]
        else:
            new.pop("status", None)
    if "spec" in new and new.get("spec") != current.get("spec"):
        meta["generation"] = int(cur_meta.get("generation") or 1) + 1
    return new


def finalized(info: ResourceInfo, obj: dict[str, Any]) -> bool:
    """Whether an object marked for deletion may go now: no finalizer left, no grace
    period to wait out (a pod's kubelet sends the final delete), nothing the kind holds."""
    meta = obj.get("metadata", {})
    if not meta.get("deletionTimestamp") or meta.get("finalizers"):
        return False
    if meta.get("deletionGracePeriodSeconds"):
        return False
    return not info.strategy.holds_deletion(obj)


def mark_for_deletion(
    info: ResourceInfo, current: dict[str, Any], opts: DeleteOptions
) -> dict[str, Any] | None:
    """The object as it should be stored instead of deleted, or None to delete it now.

    Returns `current` itself when it is already terminating and nothing changes.
    """
    meta = current["metadata"]
    finalizers = list(meta.get("finalizers") or [])
    policy = opts.propagation_policy
    if policy == "Orphan" and "orphan" not in finalizers:
        finalizers.append("orphan")
    elif policy == "Foreground" and "foregroundDeletion" not in finalizers:
        finalizers.append("foregroundDeletion")
    strategy = info.strategy
    grace = strategy.grace_period(current, opts.grace_period_seconds)
    if not finalizers and grace == 0 and not strategy.holds_deletion(current):
        return None
    if meta.get("deletionTimestamp"):
        old_grace = meta.get("deletionGracePeriodSeconds")
        if finalizers == list(meta.get("finalizers") or []) and (
            old_grace is None or grace >= old_grace
        ):
            return current
    marked = copy.deepcopy(current)
    mmeta = marked["metadata"]
    now = dt.datetime.now(dt.UTC)
    if not mmeta.get("deletionTimestamp") or grace < int(
        mmeta.get("deletionGracePeriodSeconds") or 0
    ):
        # A timestamp ends in year 9999: a longer grace period waits a century instead.
        wait = dt.timedelta(seconds=min(grace, _CENTURY))
        mmeta["deletionTimestamp"] = rfc3339(now + wait)
        mmeta["deletionGracePeriodSeconds"] = grace
    if finalizers:
        mmeta["finalizers"] = finalizers
    strategy.on_mark_for_deletion(marked)
    mmeta["generation"] = int(mmeta.get("generation") or 1) + 1
    return marked


def patch_resource_version(patch: Any) -> str:
    """The resourceVersion a patch sets explicitly (a precondition), or ""."""
    if isinstance(patch, dict):
        meta = patch.get("metadata")
        if isinstance(meta, dict) and meta.get("resourceVersion"):
            return str(meta["resourceVersion"])
    elif isinstance(patch, list):
        for op in patch:
            if (
                isinstance(op, dict)
                and op.get("path") == "/metadata/resourceVersion"
                and op.get("op") in ("add", "replace", "test")
                and op.get("value")
            ):
                return str(op["value"])
    return ""


def apply_patch(
    info: ResourceInfo, current: dict[str, Any], patch_type: str, patch: Any
) -> dict[str, Any]:
    try:
        if patch_type == MERGE_PATCH:
            if not isinstance(patch, dict):
                raise errors.BadRequest("a merge patch must be a JSON object")
            result = json_merge_patch(current, patch)
        elif patch_type == JSON_PATCH:
            if not isinstance(patch, list):
                raise errors.BadRequest("a JSON patch must be a JSON array of operations")
            result = json_patch(current, patch)
        elif patch_type == STRATEGIC_PATCH:
            if not isinstance(patch, dict):
                raise errors.BadRequest("a strategic merge patch must be a JSON object")
            result = strategic_merge_patch(current, patch, info.kind)
        elif patch_type == APPLY_PATCH:
            raise errors.UnsupportedMediaType(
                "server-side apply is not supported here (only on objects and their status)"
            )
        else:
            raise errors.UnsupportedMediaType(
                f"the body of the request was in an unknown format - accepted media types "
                f"include: {', '.join(PATCH_TYPES)}"
            )
    except PatchError as e:
        raise errors.Invalid(str(e), name=current["metadata"]["name"], kind=info.kind) from None
    if not isinstance(result, dict):
        raise errors.BadRequest("the patch did not produce an object")
    return result
