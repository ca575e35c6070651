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

The decisions (`claim`, `deletion_order` and `slow_start_batches` from `podutil`, shared
with the other workload controllers; `compute_status`) are pure functions; `sync` reads the
cache, calls them and performs the writes. Pod events reach it through `podevents`.
"""

from __future__ import annotations

import asyncio
import logging

from minik8s.api.pods import is_pod_available, is_pod_ready
from minik8s.api.selectors import LabelSelector
from minik8s.api.times import rfc3339
from minik8s.client import copy_of, key_of
from minik8s.client.events import NORMAL, WARNING
from minik8s.client.informer import NAMESPACE_INDEX

from .base import Controller, ControllerContext, Obj, res
from .expectations import Expectations
from .podevents import OwnerPodHandlers, selecting_owners
from .podutil import (
    adopt_pods,
    claim,
    delete_pods,
    deletion_order,
    is_deleting,
    is_pod_active,
    meta,
    next_available_check,
    owner_ref,
    release_pods,
    set_condition,
    slow_start_batches,
)

log = logging.getLogger(__name__)

PODS = res("pods")
REPLICASETS = res("replicasets")


# ---- pure decisions


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
            rfc3339(now),
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
        self.pod_events = OwnerPodHandlers(
            "ReplicaSet",
            self.rs_store,
            self.queue,
            expectations=self.expectations,
            adopters=selecting_owners(self.rs_store),
        )
        self.pod_events.register(self.pod_informer)

    # ---- handlers

    def on_update(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") != meta(new).get("resourceVersion") or old is new:
            self.enqueue(new)

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
