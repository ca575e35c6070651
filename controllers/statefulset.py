"""The StatefulSet controller: pods with stable names, stable storage and ordered changes.

A StatefulSet of N replicas owns the pods `<set>-0` … `<set>-(N-1)` (shifted by
`spec.ordinals.start`). Each pod keeps its identity across re-creation: the same name,
`spec.hostname` = its name and `spec.subdomain` = `spec.serviceName` (so a headless Service
gives it a stable DNS-style record in Endpoints), and, for every `volumeClaimTemplates`
entry, the PersistentVolumeClaim `<template>-<set>-<ordinal>`. Claims are created before
their pod and are never deleted by pod deletion or scale down (Kubernetes' default
`persistentVolumeClaimRetentionPolicy` Retain); `whenDeleted: Delete` makes the set own its
claims (the garbage collector removes them with the set) and `whenScaled: Delete` deletes
the claims of a pod removed by scale down.

One sync of one StatefulSet key:

1. read the set from the cache (gone, or being deleted: nothing to do);
2. its pods are those it controls (controller ownerReference) whose name carries an
   ordinal; an orphan named like its pods and matching its selector is adopted, a pod that
   stopped matching is released (both a patch with a resourceVersion precondition);
   ordinals in range are *replicas*, the others are *condemned*;
3. `plan()` (pure) decides the next writes, Kubernetes' StatefulSetControl order:
   - each missing replica is created, lowest ordinal first; a failed one is deleted (and
     re-created by a later sync);
   - with `podManagementPolicy: OrderedReady` (the default) the walk stops at the first
     replica that is missing, terminating or not Running and Ready (available, with
     `minReadySeconds`): web-1 is never created before web-0 is Ready;
   - condemned pods are deleted highest ordinal first; OrderedReady deletes one at a time
     and only while every replica is healthy; `Parallel` creates and deletes all at once;
   - `updateStrategy: RollingUpdate` then deletes, highest ordinal first and one at a time,
     a replica at ordinal >= `partition` whose `controller-revision-hash` is not the update
     revision, and waits for each re-created pod to be Running and Ready before the next;
     `OnDelete` leaves updates to the user deleting pods;
4. the writes are performed (AlreadyExists / NotFound count as done: names are fixed, so
   a stale cache can at worst repeat a write, never duplicate a pod) and `status` is
   written when it changed.

Revisions: each template the set has had is a ControllerRevision `<set>-<hash of the
template>` owned by the set (`data.spec.template`, `revision` 1, 2, …; going back to an
earlier template gives its ControllerRevision the next number, as `kubectl rollout undo`
expects), carried by every pod in the `controller-revision-hash` label.
`status.updateRevision` is the current template's, `status.currentRevision` the one the
pods below the partition run (a pod re-created there gets that revision's template), and it
becomes the update revision once every replica is updated and ready. Revisions that are
neither, and that no pod runs, are deleted beyond `revisionHistoryLimit`, oldest first.

Concurrency model: the base controller's one event loop; the queue never hands one set to
two workers. The pure decision takes everything it needs (pods, revisions, now) as arguments.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from minik8s.api import errors
from minik8s.api.pods import is_pod_available, is_pod_ready, is_pod_terminal
from minik8s.api.selectors import LabelSelector
from minik8s.client import copy_of, key_of
from minik8s.client.events import NORMAL, WARNING
from minik8s.client.informer import NAMESPACE_INDEX, OWNER_INDEX

from .base import Controller, ControllerContext, Obj, res
from .podevents import OwnerPodHandlers
from .podutil import (
    adopt_pods,
    controller_ref,
    is_deleting,
    meta,
    next_available_check,
    owner_ref,
    release_pods,
    template_hash,
    uid_of,
)
from .podutil import claim as claim_pods

log = logging.getLogger(__name__)

PODS = res("pods")
PVCS = res("persistentvolumeclaims")
STATEFULSETS = res("statefulsets")
CONTROLLER_REVISIONS = res("controllerrevisions")

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"
HASH_LABEL = "controller.kubernetes.io/hash"


# ---- pure helpers


def ordinal_of(set_name: str, pod_name: str) -> int | None:
    """The ordinal in `<set>-<ordinal>`, or None for a name of another shape."""
    match = re.fullmatch(re.escape(set_name) + r"-(0|[1-9][0-9]*)", pod_name)
    return int(match.group(1)) if match else None


def revision_name(sts: Obj) -> str:
    """The revision of the set's current template: `<set>-<hash>`."""
    spec = sts.get("spec") or {}
    collisions = int((sts.get("status") or {}).get("collisionCount") or 0)
    return f"{meta(sts).get('name', '')}-{template_hash(spec.get('template') or {}, collisions)}"


def new_revision(sts: Obj, name: str, number: int) -> Obj:
    """A ControllerRevision holding the set's template, the way Kubernetes stores it."""
    template = copy_of((sts.get("spec") or {}).get("template") or {})
    template["$patch"] = "replace"
    selector_labels = ((sts.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {
            "name": name,
            "namespace": meta(sts).get("namespace"),
            "labels": {**selector_labels, HASH_LABEL: name.rpartition("-")[2]},
            "ownerReferences": [owner_ref(sts)],
        },
        "data": {"spec": {"template": template}},
        "revision": number,
    }


def revision_template(rev: Obj) -> Obj:
    """The pod template a ControllerRevision holds."""
    template = dict((((rev.get("data") or {}).get("spec") or {}).get("template")) or {})
    template.pop("$patch", None)
    return template


def pod_revision(pod: Obj) -> str:
    return str((meta(pod).get("labels") or {}).get(REVISION_LABEL) or "")


def start_ordinal(sts: Obj) -> int:
    ordinals = (sts.get("spec") or {}).get("ordinals") or {}
    return int(ordinals.get("start") or 0)


def claim_name(template_name: str, set_name: str, ordinal: int) -> str:
    return f"{template_name}-{set_name}-{ordinal}"


def claims_for(sts: Obj, ordinal: int) -> list[Obj]:
    """The PersistentVolumeClaims the pod at `ordinal` mounts, one per claim template."""
    spec = sts.get("spec") or {}
    name = meta(sts).get("name", "")
    selector_labels = (spec.get("selector") or {}).get("matchLabels") or {}
    retention = spec.get("persistentVolumeClaimRetentionPolicy") or {}
    out = []
    for template in spec.get("volumeClaimTemplates") or []:
        tmeta = template.get("metadata") or {}
        cmeta: Obj = {
            "name": claim_name(tmeta.get("name", ""), name, ordinal),
            "namespace": meta(sts).get("namespace"),
            "labels": {**(tmeta.get("labels") or {}), **selector_labels},
        }
        if tmeta.get("annotations"):
            cmeta["annotations"] = dict(tmeta["annotations"])
        if retention.get("whenDeleted") == "Delete":
            cmeta["ownerReferences"] = [owner_ref(sts)]
        out.append(
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": cmeta,
                "spec": copy_of(template.get("spec") or {}),
            }
        )
    return out


def pod_for(sts: Obj, ordinal: int, template: Obj, revision: str) -> Obj:
    """The pod at `ordinal`, from `template` (the set's, or a remembered older revision)."""
    spec = sts.get("spec") or {}
    set_name = meta(sts).get("name", "")
    name = f"{set_name}-{ordinal}"
    template = copy_of(template)
    tmeta = template.get("metadata") or {}
    labels = {
        **(tmeta.get("labels") or {}),
        POD_NAME_LABEL: name,
        POD_INDEX_LABEL: str(ordinal),
        REVISION_LABEL: revision,
    }
    pod_meta: Obj = {
        "name": name,
        "namespace": meta(sts).get("namespace"),
        "labels": labels,
        "ownerReferences": [owner_ref(sts)],
    }
    if tmeta.get("annotations"):
        pod_meta["annotations"] = dict(tmeta["annotations"])
    pod_spec = template.get("spec") or {}
    pod_spec["hostname"] = name
    if spec.get("serviceName"):
        pod_spec["subdomain"] = spec["serviceName"]
    claim_volumes = {
        (t.get("metadata") or {}).get("name", ""): {
            "name": (t.get("metadata") or {}).get("name", ""),
            "persistentVolumeClaim": {
                "claimName": claim_name(
                    (t.get("metadata") or {}).get("name", ""), set_name, ordinal
                )
            },
        }
        for t in spec.get("volumeClaimTemplates") or []
    }
    volumes = [v for v in pod_spec.get("volumes") or [] if v.get("name") not in claim_volumes]
    volumes += list(claim_volumes.values())
    if volumes:
        pod_spec["volumes"] = volumes
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": pod_spec}


def is_healthy(pod: Obj, min_ready: int, now: float) -> bool:
    """Running, Ready (for minReadySeconds) and not terminating: the next one may go."""
    running = (pod.get("status") or {}).get("phase") == "Running"
    return running and not is_deleting(pod) and is_pod_available(pod, min_ready, now)


@dataclass
class Plan:
    create: list[tuple[int, str]] = field(default_factory=list)  # (ordinal, revision)
    delete: list[Obj] = field(default_factory=list)
    condemned: list[Obj] = field(default_factory=list)  # the deletes that are scale down


def plan(sts: Obj, pods: list[Obj], current_rev: str, update_rev: str, now: float) -> Plan:
    """The next creates and deletes for a set whose pods are `pods` (already claimed)."""
    spec = sts.get("spec") or {}
    name = meta(sts).get("name", "")
    start = start_ordinal(sts)
    replicas = int(spec.get("replicas", 1) or 0)
    parallel = spec.get("podManagementPolicy") == "Parallel"
    min_ready = int(spec.get("minReadySeconds") or 0)
    strategy = spec.get("updateStrategy") or {}
    rolling = (strategy.get("type") or "RollingUpdate") == "RollingUpdate"
    partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
    by_ordinal: dict[int, Obj] = {}
    for pod in pods:
        ordinal = ordinal_of(name, meta(pod).get("name", ""))
        if ordinal is not None:
            by_ordinal[ordinal] = pod
    wanted = range(start, start + replicas)
    out = Plan()

    # 1. replicas, lowest first; OrderedReady stops at the first one that is not healthy
    for ordinal in wanted:
        found = by_ordinal.get(ordinal)
        if found is None:
            below = rolling and ordinal - start < partition
            out.create.append((ordinal, current_rev if below else update_rev))
        elif is_pod_terminal(found) and not is_deleting(found):
            out.delete.append(found)
        elif is_healthy(found, min_ready, now):
            continue
        if not parallel:
            return out

    # 2. condemned pods, highest first; OrderedReady one at a time
    for ordinal in sorted((o for o in by_ordinal if o not in wanted), reverse=True):
        pod = by_ordinal[ordinal]
        if not is_deleting(pod):
            out.delete.append(pod)
            out.condemned.append(pod)
        if not parallel:
            return out
    if parallel and (out.create or out.delete):
        return out  # scaling first; updates once every replica exists

    # 3. rolling update: highest first, one at a time, only ordinals >= partition
    if rolling:
        for ordinal in reversed(wanted):
            if ordinal - start < partition:
                break
            target = by_ordinal.get(ordinal)
            if target is None:
                return out
            pod = target
            if pod_revision(pod) != update_rev and not is_deleting(pod):
                out.delete.append(pod)
                return out
            if not is_healthy(pod, min_ready, now):
                return out
    return out


def compute_status(sts: Obj, pods: list[Obj], current_rev: str, update_rev: str, now: float) -> Obj:
    """The status of a set over its claimed pods (Kubernetes' updateStatefulSetStatus)."""
    spec = sts.get("spec") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    old = sts.get("status") or {}
    status: Obj = {
        "observedGeneration": meta(sts).get("generation", 0),
        "replicas": len(pods),
        "readyReplicas": 0,
        "availableReplicas": 0,
        "currentReplicas": 0,
        "updatedReplicas": 0,
        "currentRevision": current_rev,
        "updateRevision": update_rev,
        "collisionCount": int(old.get("collisionCount") or 0),
    }
    for pod in pods:
        running = (pod.get("status") or {}).get("phase") == "Running"
        if running and is_pod_ready(pod):
            status["readyReplicas"] += 1
            if is_pod_available(pod, min_ready, now):
                status["availableReplicas"] += 1
        if is_deleting(pod):
            continue
        if pod_revision(pod) == current_rev:
            status["currentReplicas"] += 1
        if pod_revision(pod) == update_rev:
            status["updatedReplicas"] += 1
    # every pod runs the update revision and is ready: it becomes the current one
    replicas = int(spec.get("replicas", 1) or 0)
    if (
        status["updatedReplicas"] == status["replicas"] == replicas
        and status["readyReplicas"] == replicas
    ):
        status["currentRevision"] = update_rev
        status["currentReplicas"] = status["updatedReplicas"]
    if old.get("conditions"):
        status["conditions"] = old["conditions"]
    return status


def status_changed(old: Obj, new: Obj) -> bool:
    return any(old.get(k) != v for k, v in new.items())


# ---- the controller


class StatefulSetController(Controller):
    name = "statefulset"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.sts_informer = ctx.informer("statefulsets")
        self.pod_informer = ctx.informer("pods")
        self.pvc_informer = ctx.informer("persistentvolumeclaims")
        self.sts_store = self.sts_informer.store
        self.pod_store = self.pod_informer.store
        self.pvc_store = self.pvc_informer.store
        self.rev_store = ctx.informer("controllerrevisions").store
        self.watch(self.sts_informer)
        # no expectations: pod names are fixed, so a stale cache cannot duplicate a pod
        self.pod_events = OwnerPodHandlers(
            "StatefulSet", self.sts_store, self.queue, adopters=self._adopters
        )
        self.pod_events.register(self.pod_informer)

    # ---- handlers

    def on_update(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") != meta(new).get("resourceVersion") or old is new:
            self.enqueue(new)

    def _adopters(self, pod: Obj) -> list[str]:
        """The sets of the orphan's namespace whose pod names it carries."""
        ns = meta(pod).get("namespace") or ""
        return [
            key_of(sts)
            for sts in self.sts_store.by_index(NAMESPACE_INDEX, ns)
            if ordinal_of(meta(sts).get("name", ""), meta(pod).get("name", "")) is not None
        ]

    # ---- sync

    async def sync(self, key: str) -> float | None:
        sts = self.sts_store.get(key)
        if sts is None or is_deleting(sts):
            return None
        pods = await self._claim_pods(sts)
        revisions = self._revisions(sts)
        update_rev = revision_name(sts)
        if await self._ensure_revision(sts, revisions, update_rev) is None:
            return 0.0  # a hash collision: collisionCount was raised, look again
        current_rev = str((sts.get("status") or {}).get("currentRevision") or update_rev)
        templates = {update_rev: (sts.get("spec") or {}).get("template") or {}}
        for rev in revisions:
            if meta(rev).get("name") == current_rev and current_rev != update_rev:
                templates[current_rev] = revision_template(rev)
        now = self.ctx.clock()
        decided = plan(sts, pods, current_rev, update_rev, now)
        for pod in decided.delete:
            await self._delete_pod(sts, pod, pod in decided.condemned)
        for ordinal, revision in decided.create:
            if revision not in templates:
                log.warning(
                    "%s: no ControllerRevision %s; creating at %s", key, revision, update_rev
                )
                revision = update_rev
            await self._create_pod(sts, ordinal, templates[revision], revision)
        await self._truncate_history(sts, revisions, pods, {current_rev, update_rev})
        status = compute_status(sts, pods, current_rev, update_rev, now)
        if status_changed(sts.get("status") or {}, status):
            updated = copy_of(sts)
            updated["status"] = status
            await self.client.update(
                STATEFULSETS, updated, meta(sts).get("namespace"), subresource="status"
            )
        return next_available_check(
            pods, int((sts.get("spec") or {}).get("minReadySeconds") or 0), now
        )

    # ---- revisions

    def _revisions(self, sts: Obj) -> list[Obj]:
        uid = uid_of(sts)
        return [
            r
            for r in self.rev_store.by_index(OWNER_INDEX, uid)
            if (controller_ref(r) or {}).get("uid") == uid
        ]

    async def _ensure_revision(self, sts: Obj, revisions: list[Obj], name: str) -> Obj | None:
        """The ControllerRevision of the set's template, created or renumbered as the newest.
        None: the name is taken by another object (the set's collisionCount goes up)."""
        ns = meta(sts).get("namespace")
        newest = max((int(r.get("revision") or 0) for r in revisions), default=0)
        found = next((r for r in revisions if meta(r).get("name") == name), None)
        if found is not None:
            if int(found.get("revision") or 0) < newest:  # back to an older template
                patch = {"revision": newest + 1}
                return await self.client.patch(CONTROLLER_REVISIONS, name, patch, ns)
            return found
        try:
            return await self.client.create(
                CONTROLLER_REVISIONS, new_revision(sts, name, newest + 1), ns
            )
        except errors.AlreadyExists:
            existing = await self.client.get(CONTROLLER_REVISIONS, name, ns)
            if (controller_ref(existing) or {}).get("uid") == uid_of(sts):
                return existing  # ours; the cache was behind
        updated = copy_of(sts)
        status = updated.setdefault("status", {})
        status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
        await self.client.update(STATEFULSETS, updated, ns, subresource="status")
        return None

    async def _truncate_history(
        self, sts: Obj, revisions: list[Obj], pods: list[Obj], keep: set[str]
    ) -> None:
        limit = int((sts.get("spec") or {}).get("revisionHistoryLimit", 10) or 0)
        live = keep | {pod_revision(p) for p in pods}
        old = sorted(
            (r for r in revisions if meta(r).get("name") not in live),
            key=lambda r: int(r.get("revision") or 0),
        )
        for rev in old[: max(0, len(old) - limit)]:
            try:
                await self.client.delete(
                    CONTROLLER_REVISIONS, meta(rev)["name"], meta(rev)["namespace"]
                )
            except errors.NotFound:
                continue

    # ---- pods

    async def _claim_pods(self, sts: Obj) -> list[Obj]:
        """The pods the set controls: orphans named like its pods and matching its selector
        are adopted, controlled pods that stopped matching are released (ClaimPods)."""
        name = meta(sts).get("name", "")
        ns = meta(sts).get("namespace") or ""
        candidates = [
            p
            for p in self.pod_store.by_index(NAMESPACE_INDEX, ns)
            if ordinal_of(name, meta(p).get("name", "")) is not None
            or (controller_ref(p) or {}).get("uid") == uid_of(sts)
        ]
        selector = LabelSelector.from_dict((sts.get("spec") or {}).get("selector"))
        claimed = claim_pods(sts, candidates, selector)
        owned = [p for p in claimed.owned if p not in claimed.adopt]
        owned += await adopt_pods(self.client, sts, claimed.adopt)
        await release_pods(self.client, sts, claimed.release)
        return owned

    async def _create_pod(self, sts: Obj, ordinal: int, template: Obj, revision: str) -> None:
        ns = meta(sts).get("namespace")
        set_name = meta(sts).get("name", "")
        pod = pod_for(sts, ordinal, template, revision)
        pod_name = meta(pod)["name"]
        for claim in claims_for(sts, ordinal):
            cname = meta(claim)["name"]
            existing = self.pvc_store.get(f"{ns}/{cname}")
            if existing is not None:
                if is_deleting(existing):
                    raise RuntimeError(f"pvc {cname} is being deleted; pod {pod_name} waits")
                continue
            try:
                await self.client.create(PVCS, claim, ns)
            except errors.AlreadyExists:
                continue
            except errors.APIError as exc:
                message = (
                    f"create Claim {cname} for Pod {pod_name} in StatefulSet {set_name} "
                    f"failed error: {exc}"
                )
                await self.recorder.event(sts, WARNING, "FailedCreate", message)
                raise
            self.recorder.emit(
                sts,
                NORMAL,
                "SuccessfulCreate",
                f"create Claim {cname} Pod {pod_name} in StatefulSet {set_name} success",
            )
        try:
            await self.client.create(PODS, pod, ns)
        except errors.AlreadyExists:
            return  # the cache is behind: the pod is there
        except errors.APIError as exc:
            message = f"create Pod {pod_name} in StatefulSet {set_name} failed error: {exc}"
            await self.recorder.event(sts, WARNING, "FailedCreate", message)
            raise
        self.recorder.emit(
            sts,
            NORMAL,
            "SuccessfulCreate",
            f"create Pod {pod_name} in StatefulSet {set_name} successful",
        )

    async def _delete_pod(self, sts: Obj, pod: Obj, scaled_down: bool) -> None:
        ns = meta(pod).get("namespace")
        name = meta(pod).get("name", "")
        set_name = meta(sts).get("name", "")
        try:
            await self.client.delete(PODS, name, ns)
        except errors.NotFound:
            pass
        else:
            self.recorder.emit(
                sts,
                NORMAL,
                "SuccessfulDelete",
                f"delete Pod {name} in StatefulSet {set_name} successful",
            )
        retention = (sts.get("spec") or {}).get("persistentVolumeClaimRetentionPolicy") or {}
        if not scaled_down or retention.get("whenScaled") != "Delete":
            return
        ordinal = ordinal_of(set_name, name)
        for claim in claims_for(sts, ordinal if ordinal is not None else -1):
            try:
                await self.client.delete(PVCS, meta(claim)["name"], ns)
            except errors.NotFound:
                continue
