"""The DaemonSet controller: one daemon pod on every node that qualifies.

One sync of one DaemonSet key:

1. read the DaemonSet from the cache (gone: forget its expectations and back-offs);
2. claim its pods (adopt matching orphans, release controlled pods that stopped matching)
   and group them by node: `spec.nodeName`, or for a pod not bound yet the node named by its
   required `matchFields metadata.name` affinity term;
3. if every create/delete issued before has been seen (`Expectations`), `plan_manage`:
   for each node, `placement` says whether a daemon pod should run there (nodeSelector,
   required node affinity, NoSchedule/NoExecute taints against the template's tolerations
   plus the ones every daemon pod gets) and whether an existing one may stay (only an
   untolerated NoExecute taint evicts). Missing pods are created, extra ones deleted, pods on
   nodes that no longer qualify (or no longer exist) deleted, failed pods deleted and so
   replaced, with a per-node exponential back-off;
4. if that changed nothing and the strategy is RollingUpdate, `plan_rolling`: pods whose
   `controller-revision-hash` label differs from the template's hash are replaced, never
   leaving more than `maxUnavailable` nodes without an available daemon pod; with
   `maxSurge` the new pod starts beside the old one, which goes once the new one is
   available. OnDelete replaces nothing: a pod the user deletes comes back new;
5. write `status` (desired/current/misscheduled/ready/available/unavailable/updated counts,
   observedGeneration) when it changed.

Revisions (`history.py`, for `rollout history|undo`): before step 3 the template's
ControllerRevision `<ds>-<hash>` is created, or renumbered as the newest when an old
template comes back (a name taken by a foreign object raises `status.collisionCount`, which
changes the hash); once expectations are met, old revisions beyond `revisionHistoryLimit`
that no pod carries are deleted. Pods and revisions share the hash in
`controller-revision-hash`.

Placement goes through mk-scheduler, as kube's DaemonSet controller does since 1.12: each
pod is created with a required node affinity term `matchFields metadata.name In [<node>]`
(other required terms replaced, preferred ones kept), so the scheduler's filters still run
(resources, ports) and the pod is bound to exactly that node.

The decisions (`placement`, `plan_manage`, `plan_rolling`, `compute_status`) are pure
functions of the cached objects and a clock; `DaemonSetController.sync` reads the caches,
calls them and performs the writes. Concurrency: one event loop; the work queue never hands
one key to two workers, so the back-off table and expectations need no locks.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from minik8s.api import errors
from minik8s.api.dig import dig
from minik8s.api.nodematch import HARD_EFFECTS, selector_and_affinity_match, untolerated
from minik8s.api.pods import is_pod_available, is_pod_ready, is_pod_terminal
from minik8s.api.selectors import LabelSelector
from minik8s.api.times import epoch_seconds
from minik8s.client import copy_of, key_of
from minik8s.client.events import NORMAL, WARNING
from minik8s.client.informer import NAMESPACE_INDEX, OWNER_INDEX

from . import history
from .base import Controller, ControllerContext, Obj, res
from .expectations import Expectations
from .podevents import OwnerPodHandlers, selecting_owners
from .podutil import (
    adopt_pods,
    claim,
    controller_ref,
    delete_pods,
    is_deleting,
    meta,
    next_available_check,
    owner_ref,
    release_pods,
    slow_start_batches,
    template_hash,
    uid_of,
)

log = logging.getLogger(__name__)

PODS = res("pods")
DAEMONSETS = res("daemonsets")

HASH_LABEL = "controller-revision-hash"
NODE_NAME_FIELD = "metadata.name"
FAILED_BACKOFF_INITIAL = 1.0  # seconds before a node's failed daemon pod is replaced again
FAILED_BACKOFF_MAX = 300.0

# Every daemon pod tolerates these (as in Kubernetes): it runs on nodes that are not ready,
# unreachable, under resource pressure or cordoned, and is never evicted for those reasons.
DEFAULT_TOLERATIONS: list[Obj] = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]
HOST_NETWORK_TOLERATION: Obj = {
    "key": "node.kubernetes.io/network-unavailable",
    "operator": "Exists",
    "effect": "NoSchedule",
}


# ---- pure decisions: placement


def with_default_tolerations(pod_spec: Obj) -> list[Obj]:
    """The template's tolerations plus the daemon defaults it does not already have."""
    tolerations = [dict(t) for t in pod_spec.get("tolerations") or []]
    defaults = list(DEFAULT_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        defaults.append(HOST_NETWORK_TOLERATION)
    for extra in defaults:
        if not any(
            t.get("key") == extra["key"] and (t.get("effect") or "") == extra["effect"]
            for t in tolerations
        ):
            tolerations.append(dict(extra))
    return tolerations


def placement(ds: Obj, node: Obj) -> tuple[bool, bool]:
    """(should run, may keep running) a daemon pod of `ds` on `node`."""
    spec = dig(ds, "spec.template.spec", {})
    name = meta(node).get("name")
    if spec.get("nodeName") and spec["nodeName"] != name:
        return False, False
    if not selector_and_affinity_match(spec, node):
        return False, False
    taints = (node.get("spec") or {}).get("taints") or []
    tolerations = with_default_tolerations(spec)
    if untolerated(taints, tolerations, HARD_EFFECTS) is None:
        return True, True
    # an untolerated NoSchedule taint keeps new pods away but does not evict a running one
    return False, untolerated(taints, tolerations, ("NoExecute",)) is None


def node_of(pod: Obj) -> str:
    """The node a daemon pod is for: bound, or named by its matchFields affinity term."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms") or []
    if len(terms) == 1:
        fields = terms[0].get("matchFields") or []
        if len(fields) == 1:
            req = fields[0]
            values = req.get("values") or []
            if (
                req.get("key") == NODE_NAME_FIELD
                and req.get("operator") == "In"
                and len(values) == 1
            ):
                return str(values[0])
    return ""


def pod_for_node(ds: Obj, node_name: str, hash_: str) -> Obj:
    """A daemon pod for `node_name`: the template, the hash label, the default tolerations,
    and a required affinity that only that node satisfies."""
    template = copy_of((ds.get("spec") or {}).get("template") or {})
    tmeta = template.get("metadata") or {}
    spec: Obj = template.get("spec") or {}
    labels = {**(tmeta.get("labels") or {}), HASH_LABEL: hash_}
    pod_meta: Obj = {
        "generateName": f"{meta(ds).get('name', '')}-",
        "namespace": meta(ds).get("namespace"),
        "labels": labels,
        "ownerReferences": [owner_ref(ds)],
    }
    if tmeta.get("annotations"):
        pod_meta["annotations"] = dict(tmeta["annotations"])
    spec["tolerations"] = with_default_tolerations(spec)
    affinity = dict(spec.get("affinity") or {})
    node_affinity = dict(affinity.get("nodeAffinity") or {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
        "nodeSelectorTerms": [
            {"matchFields": [{"key": NODE_NAME_FIELD, "operator": "In", "values": [node_name]}]}
        ]
    }
    affinity["nodeAffinity"] = node_affinity
    spec["affinity"] = affinity
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": spec}


def daemonset_hash(ds: Obj) -> str:
    """The template's revision hash (`controller-revision-hash` of up-to-date pods)."""
    spec = ds.get("spec") or {}
    collisions = int((ds.get("status") or {}).get("collisionCount") or 0)
    return template_hash(spec.get("template") or {}, collisions)


def is_updated(pod: Obj, hash_: str) -> bool:
    return (meta(pod).get("labels") or {}).get(HASH_LABEL) == hash_


def _age_key(pod: Obj) -> tuple[int, float, str]:
    running = (pod.get("status") or {}).get("phase") == "Running"
    created = epoch_seconds(meta(pod).get("creationTimestamp")) or 0.0
    return (0 if running else 1, created, str(meta(pod).get("name") or ""))


def group_by_node(pods: Iterable[Obj]) -> dict[str, list[Obj]]:
    """Pods per node, running and oldest first ("" holds pods meant for no node)."""
    out: dict[str, list[Obj]] = {}
    for pod in pods:
        out.setdefault(node_of(pod), []).append(pod)
    for pods_on_node in out.values():
        pods_on_node.sort(key=_age_key)
    return out


def _scaled(value: Any, total: int) -> int:
    """An int-or-percent against `total`, rounded up (as kube does for both fenceposts)."""
    if isinstance(value, str) and value.endswith("%"):
        try:
            return math.ceil(int(value[:-1]) * total / 100)
        except ValueError:
            return 0
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def fenceposts(ds: Obj, desired: int) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) in nodes; both zero means one unavailable at a time."""
    strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
    rolling = strategy.get("rollingUpdate") or {}
    surge = _scaled(rolling.get("maxSurge", 0), desired)
    unavailable = _scaled(rolling.get("maxUnavailable", 1), desired)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def allows_surge(ds: Obj) -> bool:
    """A RollingUpdate with a non-zero maxSurge: old and new pod may share a node."""
    return strategy_of(ds) == "RollingUpdate" and fenceposts(ds, 1)[0] > 0


def strategy_of(ds: Obj) -> str:
    strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
    return str(strategy.get("type") or "RollingUpdate")


# ---- pure decisions: what to create and delete


@dataclass
class Plan:
    create: list[str] = field(default_factory=list)  # node names
    delete: list[Obj] = field(default_factory=list)  # pods
    failed: list[tuple[str, Obj]] = field(default_factory=list)  # (node, failed pod) deleted
    retry_in: float | None = None  # a node's failed-pod back-off ends in this many seconds

    def empty(self) -> bool:
        return not self.create and not self.delete


def plan_manage(
    ds: Obj,
    nodes: list[Obj],
    by_node: Mapping[str, list[Obj]],
    hash_: str,
    now: float,
    backoff_until: Mapping[str, float] | None = None,
) -> Plan:
    """Creates and deletes that put one daemon pod on every node that should run one.

    `by_node` holds every claimed pod (deleting and finished ones too: a node whose pod is
    still going away gets its new pod only once it is gone)."""
    plan = Plan()
    backoff_until = backoff_until or {}
    surge = allows_surge(ds)
    min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
    known: set[str] = set()
    for node in sorted(nodes, key=lambda n: str(meta(n).get("name") or "")):
        name = str(meta(node).get("name") or "")
        known.add(name)
        should_run, may_stay = placement(ds, node)
        pods = by_node.get(name) or []
        if should_run and not pods:
            plan.create.append(name)
        elif may_stay:
            running: list[Obj] = []
            for pod in pods:
                if is_deleting(pod):
                    continue
                if is_pod_terminal(pod):
                    until = backoff_until.get(name, 0.0)
                    if until > now:  # replaced too often lately: wait
                        wait = until - now
                        plan.retry_in = wait if plan.retry_in is None else min(plan.retry_in, wait)
                        continue
                    plan.delete.append(pod)
                    plan.failed.append((name, pod))
                else:
                    running.append(pod)
            if not surge:
                plan.delete.extend(running[1:])  # keep the oldest running pod
                continue
            newest = [p for p in running if is_updated(p, hash_)]
            oldest = [p for p in running if not is_updated(p, hash_)]
            plan.delete.extend(newest[1:] + oldest[1:])
            if newest and oldest and is_pod_available(newest[0], min_ready, now):
                plan.delete.append(oldest[0])
        else:
            plan.delete.extend(p for p in pods if not is_deleting(p))
    for name, pods in sorted(by_node.items()):
        if name not in known:  # the node is gone (or the pod names none)
            plan.delete.extend(p for p in pods if not is_deleting(p))
    return plan


def _updated_and_old(pods: list[Obj], hash_: str) -> tuple[Obj | None, Obj | None, bool]:
    """(new pod, old pod, ok) among a node's live pods; not ok: several of one kind."""
    new: Obj | None = None
    old: Obj | None = None
    for pod in pods:
        if is_deleting(pod) or is_pod_terminal(pod):
            continue
        if is_updated(pod, hash_):
            if new is not None:
                return None, None, False
            new = pod
        else:
            if old is not None:
                return None, None, False
            old = pod
    return new, old, True


def plan_rolling(
    ds: Obj, nodes: list[Obj], by_node: Mapping[str, list[Obj]], hash_: str, now: float
) -> Plan:
    """The next step of a RollingUpdate, once `plan_manage` has nothing left to do.

    Without surge: old pods are deleted (their replacements come from `plan_manage`) while
    fewer than maxUnavailable nodes lack an available daemon pod; an old pod that is not
    available anyway may always go. With surge: a new pod starts beside an old one on up to
    maxSurge nodes at a time; the old one goes once the new one is available."""
    plan = Plan()
    min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
    by_name = {str(meta(n).get("name") or ""): n for n in nodes}
    should_run = {name: placement(ds, n)[0] for name, n in by_name.items()}
    desired = sum(1 for run in should_run.values() if run)
    max_surge, max_unavailable = fenceposts(ds, desired)
    # every node that runs (or should run) a daemon pod, in a stable order
    names = sorted({n for n, run in should_run.items() if run} | (set(by_node) & set(by_name)))
    if max_surge == 0:
        unavailable = 0
        free: list[Obj] = []  # old pods that are unavailable already
        candidates: list[Obj] = []
        for name in names:
            new, old, ok = _updated_and_old(by_node.get(name) or [], hash_)
            if not ok or (new is None and old is None) or (new is not None and old is not None):
                unavailable += 1  # plan_manage settles this node first
            elif new is not None:
                unavailable += 0 if is_pod_available(new, min_ready, now) else 1
            elif old is not None and not is_pod_available(old, min_ready, now):
                free.append(old)
            elif old is not None:
                candidates.append(old)
        room = max(0, max_unavailable - unavailable)
        plan.delete = free + candidates[:room]
        return plan
    surging = 0
    replace_now: list[str] = []
    surge_candidates: list[str] = []
    for name in names:
        new, old, ok = _updated_and_old(by_node.get(name) or [], hash_)
        if not ok:
            surging += 1
        elif old is None:
            continue  # nothing old here; plan_manage creates a missing pod
        elif new is None:
            if is_pod_available(old, min_ready, now):
                surge_candidates.append(name)
            elif should_run.get(name):
                replace_now.append(name)
            else:
                plan.delete.append(old)
        elif not is_pod_available(new, min_ready, now):
            surging += 1
        else:
            plan.delete.append(old)
    room = max(0, max_surge - surging)
    plan.create = replace_now + surge_candidates[:room]
    return plan


# ---- pure decisions: status


def compute_status(
    ds: Obj, nodes: list[Obj], by_node: Mapping[str, list[Obj]], hash_: str, now: float
) -> Obj:
    """DaemonSetStatus from the live (not deleting, not finished) pods of each node."""
    min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
    desired = current = misscheduled = ready = available = updated = 0
    for node in nodes:
        name = str(meta(node).get("name") or "")
        should_run, _ = placement(ds, node)
        live = [p for p in by_node.get(name) or [] if not is_deleting(p) and not is_pod_terminal(p)]
        if should_run:
            desired += 1
            if live:
                current += 1
                pod = live[0]
                if is_pod_ready(pod):
                    ready += 1
                    if is_pod_available(pod, min_ready, now):
                        available += 1
                if is_updated(pod, hash_):  # with surge: once the old pod has gone
                    updated += 1
        elif live:
            misscheduled += 1
    status: Obj = {
        "currentNumberScheduled": current,
        "numberMisscheduled": misscheduled,
        "desiredNumberScheduled": desired,
        "numberReady": ready,
        "numberAvailable": available,
        "numberUnavailable": desired - available,
        "updatedNumberScheduled": updated,
        "observedGeneration": meta(ds).get("generation", 0),
    }
    old = ds.get("status") or {}
    for kept in ("collisionCount", "conditions"):
        if old.get(kept):
            status[kept] = old[kept]
    return status


def status_changed(old: Obj, new: Obj) -> bool:
    return any((old.get(k) or 0) != (v or 0) for k, v in new.items())


# ---- the controller


@dataclass
class _Backoff:
    delay: float
    until: float


class DaemonSetController(Controller):
    name = "daemonset"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.expectations = Expectations(ctx.monotonic)
        self.backoff: dict[tuple[str, str], _Backoff] = {}  # (ds key, node) -> back-off
        self.ds_informer = ctx.informer("daemonsets")
        self.pod_informer = ctx.informer("pods")
        self.node_informer = ctx.informer("nodes")
        self.ds_store = self.ds_informer.store
        self.pod_store = self.pod_informer.store
        self.node_store = self.node_informer.store
        self.rev_store = ctx.informer("controllerrevisions").store
        self.watch(self.ds_informer)
        self.pod_events = OwnerPodHandlers(
            "DaemonSet",
            self.ds_store,
            self.queue,
            expectations=self.expectations,
            adopters=selecting_owners(self.ds_store),
        )
        self.pod_events.register(self.pod_informer)
        self.node_informer.add_handler(self.node_event, self.update_node, self.node_event)
        ctx.informer("controllerrevisions").add_handler(on_delete=self.delete_revision)

    # ---- handlers

    def on_update(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") != meta(new).get("resourceVersion") or old is new:
            self.enqueue(new)

    def node_event(self, node: Obj) -> None:
        for ds in self.ds_store.list():
            self.queue.add(key_of(ds))

    def update_node(self, old: Obj, new: Obj) -> None:
        def placement_inputs(node: Obj) -> tuple[Any, ...]:
            return (meta(node).get("labels"), (node.get("spec") or {}).get("taints"))

        if placement_inputs(old) != placement_inputs(new):
            self.node_event(new)

    def delete_revision(self, rev: Obj) -> None:
        # the current template's revision deleted by hand comes back on the next sync
        key = self.pod_events.owner_key(rev, controller_ref(rev))
        if key is not None:
            self.queue.add(key)

    # ---- sync

    async def sync(self, key: str) -> float | None:
        ds = self.ds_store.get(key)
        if ds is None:
            self.expectations.forget(key)
            for entry in [k for k in self.backoff if k[0] == key]:
                del self.backoff[entry]
            return None
        if is_deleting(ds):
            return None  # the garbage collector removes the pods
        ns = meta(ds).get("namespace") or ""
        spec = ds.get("spec") or {}
        selector = LabelSelector.from_dict(spec.get("selector"))
        claimed = claim(ds, self.pod_store.by_index(NAMESPACE_INDEX, ns), selector)
        owned = [p for p in claimed.owned if p not in claimed.adopt]
        owned += await adopt_pods(self.client, ds, claimed.adopt)
        await release_pods(self.client, ds, claimed.release)
        by_node = group_by_node(owned)
        nodes = list(self.node_store.list())
        hash_ = daemonset_hash(ds)
        revisions = history.owned(self.rev_store.by_index(OWNER_INDEX, uid_of(ds)), ds)
        if await history.ensure_current(self.client, ds, revisions, hash_) is None:
            await self._bump_collision_count(ds)
            return 0.0  # a new hash: look again at once
        now = self.ctx.clock()
        retry_in: float | None = None
        failure: str | None = None
        if self.expectations.satisfied(key):
            plan = plan_manage(ds, nodes, by_node, hash_, now, self._backoff_of(key))
            retry_in = plan.retry_in
            if plan.empty() and strategy_of(ds) == "RollingUpdate":
                plan = plan_rolling(ds, nodes, by_node, hash_, now)
            failure = await self._apply(ds, key, plan, hash_, now)
        if self.expectations.satisfied(key):
            await self._cleanup_history(ds, revisions, owned, hash_)
        status = compute_status(ds, nodes, by_node, hash_, now)
        if status_changed(ds.get("status") or {}, status):
            updated = copy_of(ds)
            updated["status"] = status
            await self.client.update(DAEMONSETS, updated, ns, subresource="status")
        if failure is not None:
            raise RuntimeError(failure)  # retried with backoff
        waits = [
            w
            for w in (
                retry_in,
                next_available_check(owned, int(spec.get("minReadySeconds") or 0), now),
            )
            if w is not None
        ]
        return min(waits) if waits else None

    async def _bump_collision_count(self, ds: Obj) -> None:
        updated = copy_of(ds)
        status = updated.setdefault("status", {})
        status["collisionCount"] = int(status.get("collisionCount") or 0) + 1
        log.info("%s: revision name taken; collisionCount %d", key_of(ds), status["collisionCount"])
        await self.client.update(
            DAEMONSETS, updated, meta(ds).get("namespace"), subresource="status"
        )

    async def _cleanup_history(
        self, ds: Obj, revisions: list[Obj], pods: list[Obj], hash_: str
    ) -> None:
        """Delete old revisions beyond revisionHistoryLimit that no claimed pod carries."""
        _, old = history.split(revisions, f"{meta(ds).get('name', '')}-{hash_}")
        live = {str((meta(p).get("labels") or {}).get(HASH_LABEL) or "") for p in pods}
        for rev in history.to_delete(old, history.history_limit(ds), live):
            try:
                await self.client.delete(
                    history.CONTROLLER_REVISIONS, meta(rev)["name"], meta(rev).get("namespace")
                )
            except errors.NotFound:
                continue

    def _backoff_of(self, key: str) -> dict[str, float]:
        return {node: b.until for (k, node), b in self.backoff.items() if k == key}

    def _bump_backoff(self, key: str, node: str, now: float) -> None:
        previous = self.backoff.get((key, node))
        if previous is None or now - previous.until > 2 * FAILED_BACKOFF_MAX:
            delay = FAILED_BACKOFF_INITIAL
        else:
            delay = min(FAILED_BACKOFF_MAX, previous.delay * 2)
        self.backoff[(key, node)] = _Backoff(delay, now + delay)

    async def _apply(self, ds: Obj, key: str, plan: Plan, hash_: str, now: float) -> str | None:
        if plan.empty():
            return None
        self.expectations.expect(key, len(plan.create), [key_of(p) for p in plan.delete])
        for node, pod in plan.failed:
            self._bump_backoff(key, node, now)
            self.recorder.emit(
                ds,
                WARNING,
                "FailedDaemonPod",
                f"Found failed daemon pod {key_of(pod)} on node {node}, will try to kill it",
            )
        await self._delete(ds, key, plan.delete)
        return await self._create(ds, key, plan.create, hash_)

    async def _create(self, ds: Obj, key: str, nodes: list[str], hash_: str) -> str | None:
        """One pod per node, in slow-start batches (1, 2, 4, …); a failing batch stops."""
        ns = meta(ds).get("namespace")
        remaining = list(nodes)
        for size in slow_start_batches(len(nodes), self.ctx.options.slow_start_initial_batch):
            batch, remaining = remaining[:size], remaining[size:]
            results = await asyncio.gather(
                *(self.client.create(PODS, pod_for_node(ds, n, hash_), ns) for n in batch),
                return_exceptions=True,
            )
            failed = [r for r in results if isinstance(r, BaseException)]
            for node, result in zip(batch, results, strict=True):
                if not isinstance(result, BaseException):
                    self.recorder.emit(
                        ds,
                        NORMAL,
                        "SuccessfulCreate",
                        f"Created pod: {meta(result).get('name')} on node {node}",
                    )
            if failed:
                self.expectations.lower_creations(key, len(failed) + len(remaining))
                message = str(failed[0])
                await self.recorder.event(ds, WARNING, "FailedCreate", f"Error creating: {message}")
                return message
        return None

    async def _delete(self, ds: Obj, key: str, pods: list[Obj]) -> None:
        # the caller has expected these deletions together with its creates
        await delete_pods(self.client, self.recorder, self.expectations, ds, key, pods)
