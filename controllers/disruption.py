"""The disruption controller: the status of every PodDisruptionBudget.

For one budget it counts the pods its selector selects in its namespace and writes
(Kubernetes' DisruptionController, `pkg/controller/disruption`):

- `expectedPods` and `desiredHealthy`: with an integer `minAvailable`, the selected pods
  and that number; with a percentage, or with `maxUnavailable`, the replicas their
  controllers want (the `spec.replicas` of each distinct ReplicaSet — or of its
  Deployment —, ReplicationController or StatefulSet), percentages rounded up. A selected
  pod without such a controller makes that impossible: the status then allows no
  disruption, with the condition `DisruptionAllowed=False` (SyncFailed) saying why;
- `currentHealthy`: selected pods that are Ready, not being deleted, and not listed in
  `disruptedPods` (evictions the API server granted less than two minutes ago whose
  deletion has not been seen yet; older entries are dropped, and the budget is looked at
  again when the next one would expire);
- `disruptionsAllowed` = currentHealthy - desiredHealthy (never below 0, and 0 while no
  pod is expected), `observedGeneration`, and `DisruptionAllowed` True (SufficientPods) or
  False (InsufficientPods).

The API server's eviction subresource reads this status to grant or refuse (429) an
eviction. Event handlers queue the budgets whose selector selects a changed pod (its old
and new labels); `compute_status` is pure, `sync` reads the caches and writes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from typing import Any

from minik8s.api.kinds.poddisruptionbudget import (
    DISRUPTION_ALLOWED,
    INSUFFICIENT_PODS,
    SUFFICIENT_PODS,
    SYNC_FAILED,
)
from minik8s.api.pods import is_pod_ready
from minik8s.api.selectors import LabelSelector, SelectorError
from minik8s.api.times import epoch_seconds, rfc3339
from minik8s.client import copy_of, key_of
from minik8s.client.informer import NAMESPACE_INDEX

from .base import Controller, ControllerContext, Obj, res
from .podutil import controller_ref, is_deleting, meta, set_condition

log = logging.getLogger(__name__)

PDBS = res("poddisruptionbudgets")
# How long a granted eviction keeps its pod out of currentHealthy without its deletion
# being seen (Kubernetes' DeletionTimeout).
DELETION_TIMEOUT = 120.0

# The replicas a pod's controller wants: (uid, replicas) of the controller that counts, or
# None when `ref` (a controller ownerReference in `namespace`) is no scalable controller.
ScaleOf = Callable[[Obj, str], tuple[str, int] | None]


class NoController(Exception):
    """A selected pod has no controller whose scale could be counted."""


def selector_of(pdb: Obj) -> LabelSelector:
    """policy/v1: a missing selector selects nothing, an empty one every pod."""
    try:
        return LabelSelector.from_dict((pdb.get("spec") or {}).get("selector"))
    except (SelectorError, TypeError, AttributeError):
        return LabelSelector.match_nothing()


def scaled(value: Any, total: int) -> int:
    """An IntOrString against `total`: an integer as it is, `N%` of total rounded up."""
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


def expected_scale(pods: Iterable[Obj], scale_of: ScaleOf) -> int:
    """The replicas the controllers of `pods` want, each controller counted once."""
    scales: dict[str, int] = {}
    for pod in pods:
        ref = controller_ref(pod)
        name = meta(pod).get("name")
        if ref is None:
            raise NoController(f'found no controller ref for pod "{name}"')
        if ref.get("uid") in scales:
            continue
        found = scale_of(ref, str(meta(pod).get("namespace") or ""))
        if found is None:
            raise NoController(f'found no controllers for pod "{name}"')
        scales[found[0]] = found[1]
    return sum(scales.values())


def expected_and_desired(pdb: Obj, pods: list[Obj], scale_of: ScaleOf) -> tuple[int, int]:
    spec = pdb.get("spec") or {}
    if spec.get("maxUnavailable") is not None:
        expected = expected_scale(pods, scale_of)
        unavailable = scaled(spec["maxUnavailable"], expected)
        return expected, max(expected - unavailable, 0)
    minimum = spec.get("minAvailable")
    if minimum is None:
        return len(pods), 0
    if isinstance(minimum, str):
        expected = expected_scale(pods, scale_of)
        return expected, scaled(minimum, expected)
    return len(pods), int(minimum)


def recent_disruptions(pdb: Obj, pods: list[Obj], now: float) -> tuple[dict[str, str], float]:
    """The `disruptedPods` entries still pending (the pod exists, is not being deleted, and
    its eviction is younger than DELETION_TIMEOUT), and when the oldest expires (inf)."""
    listed = (pdb.get("status") or {}).get("disruptedPods") or {}
    kept: dict[str, str] = {}
    recheck = math.inf
    for pod in pods:
        name = str(meta(pod).get("name") or "")
        if is_deleting(pod) or name not in listed:
            continue
        since = epoch_seconds(listed[name])
        if since is None or since + DELETION_TIMEOUT < now:
            continue  # expected to be deleted by now, but it was not: count it again
        kept[name] = listed[name]
        recheck = min(recheck, since + DELETION_TIMEOUT)
    return kept, recheck


def count_healthy(pods: list[Obj], disrupted: dict[str, str]) -> int:
    return sum(
        1
        for p in pods
        if not is_deleting(p) and meta(p).get("name") not in disrupted and is_pod_ready(p)
    )


def allowed_condition(status: Obj, now: float, generation: int) -> list[Obj]:
    allowed = int(status.get("disruptionsAllowed") or 0) > 0
    return set_condition(
        list(status.get("conditions") or []),
        {
            "type": DISRUPTION_ALLOWED,
            "status": "True" if allowed else "False",
            "observedGeneration": generation,
            "reason": SUFFICIENT_PODS if allowed else INSUFFICIENT_PODS,
            "message": "",
        },
        rfc3339(now),
    )


def compute_status(pdb: Obj, pods: list[Obj], scale_of: ScaleOf, now: float) -> tuple[Obj, float]:
    """The status `pdb` should have, and when to look again (inf: on events only)."""
    old = pdb.get("status") or {}
    generation = int(meta(pdb).get("generation") or 0)
    try:
        expected, desired = expected_and_desired(pdb, pods, scale_of)
    except NoController as e:
        failed = {**old, "disruptionsAllowed": 0}
        failed["conditions"] = set_condition(
            list(old.get("conditions") or []),
            {
                "type": DISRUPTION_ALLOWED,
                "status": "False",
                "observedGeneration": int(old.get("observedGeneration") or 0),
                "reason": SYNC_FAILED,
                "message": str(e),
            },
            rfc3339(now),
        )
        return failed, math.inf
    disrupted, recheck = recent_disruptions(pdb, pods, now)
    healthy = count_healthy(pods, disrupted)
    allowed = healthy - desired
    if expected <= 0 or allowed <= 0:
        allowed = 0
    status: Obj = {"observedGeneration": generation}
    if disrupted:
        status["disruptedPods"] = disrupted
    status.update(
        disruptionsAllowed=allowed,
        currentHealthy=healthy,
        desiredHealthy=desired,
        expectedPods=expected,
        conditions=list(old.get("conditions") or []),
    )
    status["conditions"] = allowed_condition(status, now, generation)
    return status, recheck


def status_changed(old: Obj, new: Obj) -> bool:
    keys = set(old) | set(new)
    return any(old.get(k) != new.get(k) for k in keys)


def _selected_by(pdb: Obj, pod: Obj | None) -> bool:
    if pod is None:
        return False
    return selector_of(pdb).matches(meta(pod).get("labels") or {})


class DisruptionController(Controller):
    name = "disruption"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.pdb_informer = ctx.informer("poddisruptionbudgets")
        self.pod_informer = ctx.informer("pods")
        self.pdbs = self.pdb_informer.store
        self.pods = self.pod_informer.store
        # the controllers whose spec.replicas a percentage or maxUnavailable counts
        self.replicasets = ctx.informer("replicasets").store
        self.deployments = ctx.informer("deployments").store
        self.rcs = ctx.informer("replicationcontrollers").store
        self.statefulsets = ctx.informer("statefulsets").store
        self.watch(self.pdb_informer)
        self.pod_informer.add_handler(self.pod_added, self.pod_updated, self.pod_added)

    # ---- handlers: a pod event queues the budgets that select the pod

    def pod_added(self, pod: Obj) -> None:
        self._queue_budgets(pod, None)

    def pod_updated(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") == meta(new).get("resourceVersion") and old is not new:
            return
        self._queue_budgets(new, old)

    def _queue_budgets(self, pod: Obj, old: Obj | None) -> None:
        for pdb in self.pdbs.by_index(NAMESPACE_INDEX, meta(pod).get("namespace") or ""):
            if _selected_by(pdb, pod) or _selected_by(pdb, old):
                self.enqueue(pdb)

    # ---- scales

    def scale_of(self, ref: Obj, namespace: str) -> tuple[str, int] | None:
        kind, uid = ref.get("kind"), ref.get("uid")
        stores = {
            "ReplicaSet": self.replicasets,
            "ReplicationController": self.rcs,
            "StatefulSet": self.statefulsets,
            "Deployment": self.deployments,
        }
        store = stores.get(str(kind))
        owner = store.get(f"{namespace}/{ref.get('name')}") if store is not None else None
        if owner is None or meta(owner).get("uid") != uid:
            return None
        if kind == "ReplicaSet":
            parent = controller_ref(owner)
            if parent is not None and parent.get("kind") == "Deployment":
                return self.scale_of(parent, namespace)  # the Deployment's replicas count
        return str(uid), int((owner.get("spec") or {}).get("replicas", 1))

    # ---- sync

    async def sync(self, key: str) -> float | None:
        pdb = self.pdbs.get(key)
        if pdb is None:
            return None
        ns = meta(pdb).get("namespace") or ""
        selector = selector_of(pdb)
        pods = [
            p
            for p in self.pods.by_index(NAMESPACE_INDEX, ns)
            if selector.matches(meta(p).get("labels") or {})
        ]
        now = self.ctx.clock()
        status, recheck = compute_status(pdb, pods, self.scale_of, now)
        if status_changed(pdb.get("status") or {}, status):
            updated = copy_of(pdb)
            updated["status"] = status
            await self.client.update(PDBS, updated, ns, subresource="status")
            log.debug("budget %s: %s", key_of(pdb), status)
        return None if math.isinf(recheck) else max(recheck - now, 0.1)
