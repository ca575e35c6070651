"""The ReplicaSet controller: exactly `spec.replicas` pods matching the selector.

One sync of one ReplicaSet key:

1. read the ReplicaSet from the cache (gone: forget its expectations, done);
2. claim pods: those it controls that still match (a controlled pod that stopped matching is
   released: its ownerReference is removed); orphans that match are adopted;
3. if every create/delete it issued before has been seen (`Expectations`), compare the
   active pods with `spec.replicas`: create the missing ones in slow-start batches (1, 2,
   4, …; a failing batch stops the rest) or delete the least valuable surplus pods
   (`deletion_order`);
4. write `status` (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
   observedGeneration, the ReplicaFailure condition) if it changed.

The decisions (`claim`, `deletion_order`, `slow_start_batches`, `compute_status`) are pure
functions; `sync` reads the cache, calls them and performs the writes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from minik8s.api.selectors import LabelSelector
from minik8s.client import copy_of, key_of
from minik8s.client.events import NORMAL, WARNING
from minik8s.client.informer import NAMESPACE_INDEX

from .base import Controller, ControllerContext, Obj, res
from .expectations import Expectations
from .podutil import (
    adopt_pods,
    controller_ref,
    delete_pods,
    format_time,
    is_deleting,
    is_pod_active,
    is_pod_available,
    is_pod_ready,
    meta,
    next_available_check,
    owner_ref,
    parse_time,
    pod_condition,
    release_pods,
    restarts,
    set_condition,
    uid_of,
)

log = logging.getLogger(__name__)

PODS = res("pods")
REPLICASETS = res("replicasets")


# ---- pure decisions


@dataclass
class Claim:
    owned: list[Obj] = field(default_factory=list)  # controlled and matching (incl. adopted)
    adopt: list[Obj] = field(default_factory=list)
    release: list[Obj] = field(default_factory=list)


def claim(owner: Obj, candidates: Iterable[Obj], selector: LabelSelector) -> Claim:
    """Which pods the owner keeps, adopts and releases (Kubernetes' ClaimPods)."""
    result = Claim()
    uid = uid_of(owner)
    for pod in candidates:
        ref = controller_ref(pod)
        matches = selector.matches(meta(pod).get("labels"))
        if ref is not None:
            if ref.get("uid") != uid:
                continue
            if matches:
                result.owned.append(pod)
            elif not is_deleting(pod):
                result.release.append(pod)
        elif matches and not is_deleting(pod) and not is_deleting(owner):
            result.adopt.append(pod)
            result.owned.append(pod)
    return result


_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def _deletion_key(pod: Obj) -> tuple[int, int, int, float, int, float]:
    ready = is_pod_ready(pod)
    ready_since = parse_time((pod_condition(pod, "Ready") or {}).get("lastTransitionTime")) or 0.0
    created = parse_time(meta(pod).get("creationTimestamp")) or 0.0
    return (
        1 if (pod.get("spec") or {}).get("nodeName") else 0,  # unscheduled first
        _PHASE_RANK.get((pod.get("status") or {}).get("phase") or "Pending", 0),
        1 if ready else 0,  # not ready first
        -ready_since if ready else 0.0,  # ready for a shorter time first
        -restarts(pod),  # more restarts first
        -created,  # newest first
    )


def deletion_order(pods: Iterable[Obj]) -> list[Obj]:
    """Pods from the least to the most valuable: the first ones are deleted first."""
    return sorted(pods, key=lambda p: (*_deletion_key(p), meta(p).get("name", "")))


def slow_start_batches(count: int, initial: int = 1) -> list[int]:
    """Batch sizes 1, 2, 4, … adding up to `count`."""
    batches: list[int] = []
    size = max(1, initial)
    while count > 0:
        batch = min(size, count)
        batches.append(batch)
        count -= batch
        size *= 2
    return batches


def pod_from_template(owner: Obj) -> Obj:
    spec = owner.get("spec") or {}
    template = copy_of(spec.get("template") or {})
    tmeta = template.get("metadata") or {}
    pod_meta: Obj = {
        "generateName": f"{meta(owner).get('name', '')}-",
        "namespace": meta(owner).get("namespace"),
        "labels": dict(tmeta.get("labels") or {}),
        "ownerReferences": [owner_ref(owner)],
    }
    if tmeta.get("annotations"):
        pod_meta["annotations"] = dict(tmeta["annotations"])
    if tmeta.get("finalizers"):
        pod_meta["finalizers"] = list(tmeta["finalizers"])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": template.get("spec") or {},
    }


def compute_status(
    rs: Obj, pods: list[Obj], now: float, failure: str | None, selector_labels: dict[str, str]
) -> Obj:
    """The status the ReplicaSet should have, given its active pods and the last create error."""
    spec = rs.get("spec") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    old = rs.get("status") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    fully = [
        p
        for p in pods
        if all((meta(p).get("labels") or {}).get(k) == v for k, v in template_labels.items())
    ]
    status: Obj = {
        "replicas": len(pods),
        "fullyLabeledReplicas": len(fully),
        "readyReplicas": sum(1 for p in pods if is_pod_ready(p)),
        "availableReplicas": sum(1 for p in pods if is_pod_available(p, min_ready, now)),
        "observedGeneration": meta(rs).get("generation", 0),
    }
    conditions = [c for c in old.get("conditions") or [] if c.get("type") != "ReplicaFailure"]
    if failure is not None:
        previous = [c for c in old.get("conditions") or [] if c.get("type") == "ReplicaFailure"]
        conditions = set_condition(
            [*conditions, *previous],
            {
                "type": "ReplicaFailure",
                "status": "True",
                "reason": "FailedCreate",
                "message": failure,
            },
            format_time(now),
        )
    if conditions:
        status["conditions"] = conditions
    return status


def status_changed(old: Obj, new: Obj) -> bool:
    keys = (
        "replicas",
        "fullyLabeledReplicas",
        "readyReplicas",
        "availableReplicas",
        "observedGeneration",
        "conditions",
    )
    return any((old.get(k) or 0) != (new.get(k) or 0) for k in keys)


# ---- the controller


class ReplicaSetController(Controller):
    name = "replicaset"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.expectations = Expectations(ctx.monotonic)
        self.rs_informer = ctx.informer("replicasets")
        self.pod_informer = ctx.informer("pods")
        self.rs_store = self.rs_informer.store
        self.pod_store = self.pod_informer.store
        self.watch(self.rs_informer)
        self.pod_informer.add_handler(self.add_pod, self.update_pod, self.delete_pod)

    # ---- handlers

    def on_update(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") != meta(new).get("resourceVersion") or old is new:
            self.enqueue(new)

    def _owner_key(self, pod: Obj, ref: Obj | None) -> str | None:
        if ref is None or ref.get("kind") != "ReplicaSet":
            return None
        key = f"{meta(pod).get('namespace')}/{ref.get('name')}"
        rs = self.rs_store.get(key)
        if rs is None or uid_of(rs) != ref.get("uid"):
            return None
        return key

    def _matching_owners(self, pod: Obj) -> list[str]:
        ns = meta(pod).get("namespace") or ""
        labels = meta(pod).get("labels") or {}
        keys = []
        for rs in self.rs_store.by_index(NAMESPACE_INDEX, ns):
            sel = LabelSelector.from_dict((rs.get("spec") or {}).get("selector"))
            if sel.matches(labels):
                keys.append(key_of(rs))
        return keys

    def add_pod(self, pod: Obj) -> None:
        key = self._owner_key(pod, controller_ref(pod))
        if key is not None:
            if is_deleting(pod):
                self.expectations.deletion_observed(key, key_of(pod))
            else:
                self.expectations.creation_observed(key)
            self.queue.add(key)
            return
        if controller_ref(pod) is None:
            for key in self._matching_owners(pod):
                self.queue.add(key)

    def update_pod(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") == meta(new).get("resourceVersion") and old is not new:
            return
        new_ref, old_ref = controller_ref(new), controller_ref(old)
        if is_deleting(new) and not is_deleting(old):
            key = self._owner_key(new, new_ref)
            if key is not None:
                self.expectations.deletion_observed(key, key_of(new))
        if old_ref is not None and (new_ref is None or old_ref.get("uid") != new_ref.get("uid")):
            old_key = self._owner_key(old, old_ref)
            if old_key is not None:
                self.queue.add(old_key)
        key = self._owner_key(new, new_ref)
        if key is not None:
            self.queue.add(key)
            return
        if new_ref is None:
            for key in self._matching_owners(new):
                self.queue.add(key)

    def delete_pod(self, pod: Obj) -> None:
        key = self._owner_key(pod, controller_ref(pod))
        if key is not None:
            self.expectations.deletion_observed(key, key_of(pod))
            self.queue.add(key)

    # ---- sync

    async def sync(self, key: str) -> float | None:
        rs = self.rs_store.get(key)
        if rs is None:
            self.expectations.forget(key)
            return None
        ns = meta(rs).get("namespace") or ""
        spec = rs.get("spec") or {}
        selector = LabelSelector.from_dict(spec.get("selector"))
        claimed = claim(rs, self.pod_store.by_index(NAMESPACE_INDEX, ns), selector)
        owned = [p for p in claimed.owned if p not in claimed.adopt]
        owned += await adopt_pods(self.client, rs, claimed.adopt)
        await release_pods(self.client, rs, claimed.release)
        active = [p for p in owned if is_pod_active(p)]
        failure: str | None = None
        if self.expectations.satisfied(key) and not is_deleting(rs):
            diff = len(active) - int(spec.get("replicas", 1))
            if diff < 0:
                failure = await self._create(rs, key, -diff)
            elif diff > 0:
                await self._delete(rs, key, deletion_order(active)[:diff])
        now = self.ctx.clock()
        status = compute_status(rs, active, now, failure, {})
        if status_changed(rs.get("status") or {}, status):
            updated = copy_of(rs)
            updated["status"] = status
            await self.client.update(REPLICASETS, updated, ns, subresource="status")
        if failure is not None:
            raise RuntimeError(failure)  # retried with backoff
        return next_available_check(active, int(spec.get("minReadySeconds") or 0), now)

    async def _create(self, rs: Obj, key: str, count: int) -> str | None:
        """Creates `count` pods (at most --burst-replicas) in slow-start batches."""
        opts = self.ctx.options
        count = min(count, opts.burst_replicas)
        ns = meta(rs).get("namespace")
        self.expectations.expect_creations(key, count)
        remaining = count
        for batch in slow_start_batches(count, opts.slow_start_initial_batch):
            results = await asyncio.gather(
                *(self.client.create(PODS, pod_from_template(rs), ns) for _ in range(batch)),
                return_exceptions=True,
            )
            remaining -= batch
            failed = [r for r in results if isinstance(r, BaseException)]
            for result in results:
                if isinstance(result, BaseException):
                    continue
                # in the background: an Event must not slow the next batch down
                self.recorder.emit(
                    rs, NORMAL, "SuccessfulCreate", f"Created pod: {meta(result).get('name')}"
                )
            if failed:
                self.expectations.lower_creations(key, len(failed) + remaining)
                message = str(failed[0])
                await self.recorder.event(rs, WARNING, "FailedCreate", f"Error creating: {message}")
                return message
        return None

    async def _delete(self, rs: Obj, key: str, pods: list[Obj]) -> None:
        self.expectations.expect_deletions(key, [key_of(p) for p in pods])
        await delete_pods(self.client, self.recorder, self.expectations, rs, key, pods)
