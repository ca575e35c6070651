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
- delete: preconditions, finalizers and deletionTimestamp, pod grace periods,
  propagationPolicy as the Kubernetes finalizers `orphan` and `foregroundDeletion`.

Every write is one etcd transaction, so a failed request never leaves half an object.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from minik8s.api import errors
from minik8s.api.defaults import apply_defaults
from minik8s.api.patch import PatchError, json_merge_patch, json_patch, strategic_merge_patch
from minik8s.api.resources import ResourceInfo, lookup
from minik8s.api.selectors import (
    FieldSelector,
    LabelSelector,
    SelectorError,
    check_field_selector,
    selectable_fields,
)
from minik8s.api.validation import validate

from . import priority
from .allocator import ServiceAllocator
from .pagination import decode_continue, encode_continue
from .storage.cacher import WatchCache
from .storage.etcd import Compacted
from .storage.store import Store, conflict, decode_kv, not_found

NAMESPACES = lookup("", "v1", "namespaces")
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_SERVER_META = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds")
# Kinds whose status a client cannot set on create (controllers own it).
_RESET_STATUS_ON_CREATE = {
    "Deployment",
    "ReplicaSet",
    "DaemonSet",
    "StatefulSet",
    "Job",
    "CronJob",
    "HorizontalPodAutoscaler",
    "Pod",
    "PersistentVolume",
    "PersistentVolumeClaim",
}
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (MERGE_PATCH, JSON_PATCH, STRATEGIC_PATCH)


def now_rfc3339() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rv_of(obj: dict[str, Any]) -> int:
    return int(obj["metadata"]["resourceVersion"])


@dataclass
class DeleteOptions:
    grace_period_seconds: int | None = None
    propagation_policy: str | None = None  # Background, Foreground, Orphan
    precondition_uid: str | None = None
    precondition_rv: str | None = None
    dry_run: bool = False

    @classmethod
    def from_body(cls, body: dict[str, Any] | None, query: dict[str, str]) -> DeleteOptions:
        body = body or {}
        opts = cls()
        grace = body.get("gracePeriodSeconds", query.get("gracePeriodSeconds"))
        if grace is not None and grace != "":
            try:
                opts.grace_period_seconds = int(grace)
            except (TypeError, ValueError):
                raise errors.BadRequest(f"invalid gracePeriodSeconds: {grace!r}") from None
        policy = body.get("propagationPolicy") or query.get("propagationPolicy")
        orphan = body.get("orphanDependents", query.get("orphanDependents"))
        if policy is None and orphan is not None:
            policy = "Orphan" if str(orphan).lower() == "true" else "Background"
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
        dry = body.get("dryRun") or query.get("dryRun")
        opts.dry_run = bool(dry)
        return opts


@dataclass
class ListResult:
    items: list[dict[str, Any]]
    resource_version: int
    continue_token: str = ""
    remaining: int | None = None


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


@dataclass
class Registry:
    store: Store
    caches: dict[str, WatchCache]
    allocator: ServiceAllocator
    max_patch_retries: int = 8
    _rand: random.Random = field(default_factory=random.Random)

    # reads ---------------------------------------------------------------------------
    async def get(self, info: ResourceInfo, namespace: str | None, name: str) -> dict[str, Any]:
        return await self.store.get(info, namespace, name)

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
        cache = self.caches[info.plural]
        if resource_version == "0" and not continue_token and not limit and cache.ready.is_set():
            cached, rv = cache.snapshot(namespace)
            return ListResult([o for o in cached if selectors.matches(info, o)], rv)
        start: bytes | None = None
        revision = 0
        if continue_token:
            start, revision = decode_continue(continue_token)
            if not start.startswith(self.store.resource_prefix(info, namespace)):
                raise errors.BadRequest("the continue token does not belong to this list")
        elif resource_version not in ("", "0"):
            try:
                revision = int(resource_version)
            except ValueError:
                raise errors.BadRequest(f"invalid resourceVersion: {resource_version}") from None
            if limit == 0:
                revision = 0  # "not older than": the latest read satisfies it
        items: list[dict[str, Any]] = []
        page_size = max(limit, 100) if limit else 0
        try:
            while True:
                page, more, revision = await self.store.list_page(
                    info, namespace, start_after=start, limit=page_size, revision=revision
                )
                for idx, (key, obj) in enumerate(page):
                    if not selectors.matches(info, obj):
                        continue
                    items.append(obj)
                    if limit and len(items) == limit:
                        rest = more or idx < len(page) - 1
                        token = encode_continue(key, revision) if rest else ""
                        return ListResult(items, revision, token)
                if not more or not page:
                    return ListResult(items, revision)
                start = page[-1][0]
        except Compacted:
            raise errors.Gone(
                "The provided continue parameter is too old to display a consistent list "
                "result. You can start a new list without the continue parameter."
            ) from None

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
        if info.has_status and info.kind in _RESET_STATUS_ON_CREATE:
            obj.pop("status", None)
        if info.kind == "Secret":
            merge_string_data(obj)
        if info.kind == "Job":
            generate_job_selector(obj)
        if info.kind == "Pod":
            priority.admit_pod(obj, await self._priority_classes(obj))
        apply_defaults(info, obj)
        causes = validate(info, obj)
        if causes:
            raise errors.invalid_object(info.kind, info.group, meta.get("name", ""), causes)
        if info.namespaced:
            await self._check_namespace_open(meta["namespace"])
        if info.kind == "PriorityClass":
            priority.check_single_global_default(obj, await self._priority_classes())
        if dry_run:
            return obj
        if info.kind == "Service":
            return await self._create_service(info, obj)
        created = await self.store.create(info, obj)
        assert created is not None
        return created

    async def _create_service(self, info: ResourceInfo, obj: dict[str, Any]) -> dict[str, Any]:
        owner = f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"
        for attempt in range(12):
            svc = copy.deepcopy(obj)
            plan = await self.allocator.plan_create(svc, owner, attempt=attempt)
            created = await self.store.create(
                info, svc, extra_compare=plan.compare, extra_ops=plan.ops
            )
            if created is not None:
                return created
            await self.allocator.explain_failure(plan)
        raise errors.ServiceUnavailable("could not allocate a ClusterIP/NodePort; try again")

    async def _priority_classes(self, pod: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every PriorityClass, from the watch cache; a class the pod names that the cache
        has not seen yet (created a moment ago) is read from etcd, so it is never missed."""
        info = lookup("scheduling.k8s.io", "v1", "priorityclasses")
        assert info is not None
        cache = self.caches.get("priorityclasses")
        if cache is not None and cache.ready.is_set():
            classes = list(cache.snapshot(None)[0])
        else:
            page, _, _ = await self.store.list_page(
                info, None, start_after=None, limit=0, revision=0
            )
            classes = [obj for _, obj in page]
        spec = (pod or {}).get("spec")
        wanted = spec.get("priorityClassName") if isinstance(spec, dict) else None
        if wanted and not any(c["metadata"]["name"] == wanted for c in classes):
            try:
                classes.append(await self.store.get(info, None, str(wanted)))
            except errors.NotFound:
                pass
        return classes

    async def _check_namespace_open(self, namespace: str) -> None:
        assert NAMESPACES is not None
        ns = self.caches["namespaces"].get(None, namespace)
        if ns is None:
            try:
                ns = await self.store.get(NAMESPACES, None, namespace)
            except errors.NotFound:
                raise errors.NotFound(
                    f'namespaces "{namespace}" not found', name=namespace, kind="namespaces"
                ) from None
        if ns.get("metadata", {}).get("deletionTimestamp"):
            raise errors.Forbidden(
                f"unable to create new content in namespace {namespace} because it is being "
                "terminated",
                name=namespace,
                kind="namespaces",
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
        current = await self.store.get(info, namespace, name)
        wanted_rv = str(body.get("metadata", {}).get("resourceVersion") or "")
        if wanted_rv and wanted_rv != current["metadata"]["resourceVersion"]:
            raise conflict(info, name)
        return await self._update_from(info, current, body, subresource, dry_run)

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
            if info.kind == "Service":
                keep_allocated_values(current, new)
                drop_type_dependent_fields(current, new)
            elif info.kind == "Secret":
                merge_string_data(new)
            apply_defaults(info, new)
        causes = validate(info, new, current)
        if causes:
            raise errors.invalid_object(info.kind, info.group, current["metadata"]["name"], causes)
        if dry_run:
            return new
        expected = rv_of(current)
        if finalized(info, new):
            # The last finalizer of an object marked for deletion is gone: remove it.
            extra = self.allocator.release_ops(current) if info.kind == "Service" else []
            revision = await self.store.delete(info, current, expected, extra_ops=extra)
            new["metadata"]["resourceVersion"] = str(revision)
            return new
        if info.kind == "Service":
            return await self._update_service(info, current, new)
        return await self.store.update(info, new, expected)

    async def _update_service(
        self, info: ResourceInfo, current: dict[str, Any], new: dict[str, Any]
    ) -> dict[str, Any]:
        meta = current["metadata"]
        owner = f"{meta['namespace']}/{meta['name']}"
        for attempt in range(12):
            svc = copy.deepcopy(new)
            plan = await self.allocator.plan_update(current, svc, owner, attempt=attempt)
            try:
                return await self.store.update(
                    info, svc, rv_of(current), extra_compare=plan.compare, extra_ops=plan.ops
                )
            except errors.Conflict:
                fresh = await self.store.get(info, meta.get("namespace"), meta["name"])
                if fresh["metadata"]["resourceVersion"] != meta["resourceVersion"]:
                    raise
                await self.allocator.explain_failure(plan)
        raise errors.ServiceUnavailable("could not allocate a NodePort; try again")

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
        for _ in range(self.max_patch_retries):
            current = await self.store.get(info, namespace, name)
            patched = apply_patch(info, current, patch_type, patch)
            check_identity(info, namespace, name, patched)
            # Only a version the client itself put in the patch is a precondition.
            wanted_rv = patch_resource_version(patch)
            if wanted_rv and wanted_rv != current["metadata"]["resourceVersion"]:
                raise conflict(info, name)
            patched.setdefault("metadata", {})["resourceVersion"] = current["metadata"][
                "resourceVersion"
            ]
            try:
                return await self._update_from(info, current, patched, subresource, dry_run)
            except errors.Conflict:
                if wanted_rv:
                    raise
                continue  # someone else wrote in between: re-read and re-apply
        raise conflict(info, name)

    # delete --------------------------------------------------------------------------
    async def delete(
        self, info: ResourceInfo, namespace: str | None, name: str, opts: DeleteOptions
    ) -> tuple[dict[str, Any], bool]:
        """Delete or mark for deletion; returns the object and whether it is gone now."""
        for _ in range(self.max_patch_retries):
            current = await self.store.get(info, namespace, name)
            meta = current["metadata"]
            if opts.precondition_uid and opts.precondition_uid != meta.get("uid"):
                raise errors.Conflict(
                    f"Precondition failed: UID in precondition: {opts.precondition_uid}, "
                    f"UID in object meta: {meta.get('uid')}",
                    name=name,
                    group=info.group,
                    kind=info.plural,
                )
            if opts.precondition_rv and opts.precondition_rv != meta.get("resourceVersion"):
                raise errors.Conflict(
                    f"Precondition failed: ResourceVersion in precondition: "
                    f"{opts.precondition_rv}, ResourceVersion in object meta: "
                    f"{meta.get('resourceVersion')}",
                    name=name,
                    group=info.group,
                    kind=info.plural,
                )
            marked = mark_for_deletion(info, current, opts)
            try:
                if marked is None:
                    if opts.dry_run:
                        return current, True
                    extra = self.allocator.release_ops(current) if info.kind == "Service" else []
                    revision = await self.store.delete(
                        info, current, rv_of(current), extra_ops=extra
                    )
                    meta["resourceVersion"] = str(revision)
                    return current, True
                if opts.dry_run:
                    return marked, False
                if marked is current:
                    return current, False  # already terminating, nothing to change
                return await self.store.update(info, marked, rv_of(current)), False
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
        for obj in listed.items:
            meta = obj["metadata"]
            try:
                gone, _ = await self.delete(info, meta.get("namespace"), meta["name"], opts)
                deleted.append(gone)
            except errors.NotFound:
                continue
        return deleted

    # raw access for subresources -----------------------------------------------------
    async def get_raw(self, info: ResourceInfo, namespace: str | None, name: str) -> Any:
        kv, _ = await self.store.etcd.get(self.store.key(info, namespace, name))
        if kv is None:
            raise not_found(info, name)
        return decode_kv(kv)


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


JOB_UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")


def generate_job_selector(obj: dict[str, Any]) -> None:
    """Kubernetes' Job create strategy: unless `spec.manualSelector`, label the pod template
    with the Job's uid and name and select its pods by the uid (a selector the user gave is
    kept; validation then checks it matches the template)."""
    spec = obj.get("spec")
    if not isinstance(spec, dict) or spec.get("manualSelector") is True:
        return
    meta = obj["metadata"]
    uid, name = meta["uid"], str(meta.get("name") or "")
    template = spec.get("template")
    if isinstance(template, dict):
        tmeta = template.setdefault("metadata", {})
        labels = tmeta.setdefault("labels", {}) if isinstance(tmeta, dict) else None
        if isinstance(labels, dict):
            labels.update({key: uid for key in JOB_UID_LABELS})
            labels.update({key: name for key in JOB_NAME_LABELS})
    if spec.get("selector") is None:
        spec["selector"] = {"matchLabels": {JOB_UID_LABELS[0]: uid}}


def merge_for_update(
    info: ResourceInfo, current: dict[str, Any], new: dict[str, Any], subresource: str | None
) -> dict[str, Any]:
    """What an update stores: the server-owned parts of `current` win over the request."""
    if not isinstance(new, dict):
        raise errors.BadRequest("the body of the request must be a JSON object")
    cur_meta = current["metadata"]
    if subresource == "status":
        merged = copy.deepcopy(current)
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
        added = [f for f in meta.get("finalizers") or [] if f not in old]
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


def keep_allocated_values(old: dict[str, Any], new: dict[str, Any]) -> None:
    """A replace that leaves out the allocated ClusterIP or NodePorts keeps them."""
    old_spec, new_spec = old.get("spec") or {}, new.get("spec")
    if not isinstance(new_spec, dict):
        return
    if not new_spec.get("clusterIP") and new_spec.get("type") != "ExternalName":
        for key in ("clusterIP", "clusterIPs"):
            if key in old_spec:
                new_spec[key] = copy.deepcopy(old_spec[key])
    if new_spec.get("type") not in ("NodePort", "LoadBalancer"):
        return
    old_ports = {
        (p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
        for p in old_spec.get("ports") or []
        if isinstance(p, dict)
    }
    for port in new_spec.get("ports") or []:
        if isinstance(port, dict) and not port.get("nodePort"):
            kept = old_ports.get((port.get("port"), port.get("protocol", "TCP")))
            if kept:
                port["nodePort"] = kept


def merge_string_data(secret: dict[str, Any]) -> None:
    """`stringData` is write-only: its values land base64-encoded in `data`."""
    string_data = secret.pop("stringData", None)
    if not isinstance(string_data, dict):
        return
    data = secret.get("data")
    if not isinstance(data, dict):
        data = secret["data"] = {}
    for key, value in string_data.items():
        data[key] = base64.b64encode(str(value).encode()).decode()


def drop_type_dependent_fields(old: dict[str, Any], new: dict[str, Any]) -> None:
    """A Service leaving NodePort/LoadBalancer sheds the fields only those types may carry,
    when the client left them as they were (Kubernetes does the same)."""
    old_spec, new_spec = old.get("spec") or {}, new.get("spec")
    if not isinstance(new_spec, dict):
        return
    external = ("NodePort", "LoadBalancer")
    if old_spec.get("type") not in external or new_spec.get("type", "ClusterIP") in external:
        return
    if new_spec.get("externalTrafficPolicy") == old_spec.get("externalTrafficPolicy"):
        new_spec.pop("externalTrafficPolicy", None)
    old_ports = {
        p.get("port"): p.get("nodePort") for p in old_spec.get("ports") or [] if isinstance(p, dict)
    }
    for port in new_spec.get("ports") or []:
        if isinstance(port, dict) and port.get("nodePort") == old_ports.get(port.get("port")):
            port.pop("nodePort", None)


def finalized(info: ResourceInfo, obj: dict[str, Any]) -> bool:
    meta = obj.get("metadata", {})
    if not meta.get("deletionTimestamp") or meta.get("finalizers"):
        return False
    if info.kind == "Namespace":
        return not (obj.get("spec") or {}).get("finalizers")
    if info.kind == "Pod":
        # A pod marked with a grace period waits for its kubelet's final delete.
        return not (obj.get("spec") or {}).get("nodeName") or not meta.get(
            "deletionGracePeriodSeconds"
        )
    return True


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
    grace = 0
    if info.kind == "Pod":
        grace = pod_grace_period(current, opts)
    ns_finalizers = info.kind == "Namespace" and bool((current.get("spec") or {}).get("finalizers"))
    if not finalizers and grace == 0 and not ns_finalizers:
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
        mmeta["deletionTimestamp"] = (now + dt.timedelta(seconds=grace)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        mmeta["deletionGracePeriodSeconds"] = grace
    if finalizers:
        mmeta["finalizers"] = finalizers
    if info.kind == "Namespace":
        marked.setdefault("status", {})["phase"] = "Terminating"
    mmeta["generation"] = int(mmeta.get("generation") or 1) + 1
    return marked


def pod_grace_period(pod: dict[str, Any], opts: DeleteOptions) -> int:
    """0 means delete now: pods not yet on a node, or already finished, have no one to wait on."""
    spec = pod.get("spec") or {}
    if not spec.get("nodeName"):
        return 0
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return 0
    if opts.grace_period_seconds is not None:
        return max(0, opts.grace_period_seconds)
    grace = spec.get("terminationGracePeriodSeconds")
    return int(grace) if isinstance(grace, int) and grace >= 0 else 30


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
