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
- delete: admission (the stored object), preconditions, finalizers and deletionTimestamp,
  pod grace periods, propagationPolicy as the Kubernetes finalizers `orphan` and
  `foregroundDeletion`.

Every write is one etcd transaction, so a failed request never leaves half an object.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from minik8s.api import errors
from minik8s.api.canonical import canonical
from minik8s.api.defaults import apply_defaults
from minik8s.api.kind import ResourceInfo
from minik8s.api.params import INT64_MAX, INT64_MIN, Query
from minik8s.api.patch import PatchError, json_merge_patch, json_patch, strategic_merge_patch
from minik8s.api.selectors import (
    FieldSelector,
    LabelSelector,
    SelectorError,
    check_field_selector,
    selectable_fields,
)
from minik8s.api.times import now_rfc3339, rfc3339
from minik8s.api.validation import validate

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
PATCH_TYPES = (MERGE_PATCH, JSON_PATCH, STRATEGIC_PATCH)

__all__ = ["ListResult", "Registry", "DeleteOptions", "Selectors", "WritePlan", "WriteExtension"]


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
    ) -> dict[str, Any]:
        """Create an object; `owned=True` lets the registry modify `body` in place."""
        obj = body if owned else copy.deepcopy(body)
        meta = prepare_meta_for_create(info, namespace, obj, self._rand)
        strategy = info.strategy
        if info.has_status and strategy.reset_status_on_create:
            obj.pop("status", None)
        strategy.prepare_for_create(obj)
        attrs = Attributes(CREATE, info, meta.get("namespace"), obj)
        await self.admission.admit(attrs)
        apply_defaults(info, obj)
        causes = validate(info, obj)
        if causes:
            raise errors.invalid_object(info.kind, info.group, meta.get("name", ""), causes)
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
    ) -> dict[str, Any]:
        check_identity(info, namespace, name, body)
        current = await self.storage.get(info, namespace, name)
        wanted_rv = str((body.get("metadata") or {}).get("resourceVersion") or "")
        if wanted_rv and wanted_rv != current["metadata"]["resourceVersion"]:
            raise conflict(info, name)
        return await self._update_from(info, current, body, subresource, dry_run)

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
    ) -> dict[str, Any]:
        """An update computed from the stored object (patch, scale, finalize): `mutate` gets
        a fresh copy and returns the object to store, which goes through the same strategy
        as a PUT. Someone else's write in between re-reads and re-applies, unless the
        client named the version it started from (`precondition_rv`: then it is a 409)."""
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
                return await self._update_from(info, current, wanted, subresource, dry_run)
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
    ) -> dict[str, Any]:
        new = merge_for_update(info, current, copy.deepcopy(body), subresource)
        if subresource is None:
            info.strategy.prepare_for_update(new, current)
            apply_defaults(info, new)
        causes = validate(info, new, current)
        if causes:
            raise errors.invalid_object(info.kind, info.group, current["metadata"]["name"], causes)
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
    ) -> dict[str, Any]:
        # Only a version the client itself put in the patch is a precondition.
        return await self.update_with(
            info,
            namespace,
            name,
            lambda current: apply_patch(info, current, patch_type, patch),
            precondition_rv=patch_resource_version(patch),
            subresource=subresource,
            dry_run=dry_run,
        )

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
                "server-side apply is not supported; use client-side `kubectl apply`"
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
