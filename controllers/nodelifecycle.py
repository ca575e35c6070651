"""Node lifecycle: notice nodes whose kubelet stopped renewing its Lease, taint them
unreachable, evict their pods.

Timeline of one node (G = --node-monitor-grace-period, T = a pod's tolerationSeconds for
node.kubernetes.io/unreachable:NoExecute, --default-not-ready-toleration-seconds when it
has no such toleration; a toleration without seconds tolerates for ever)::

    lease renewed ─── … no renewal … ──G──► Ready=Unknown (node status), its pods Ready=False,
                                            taints unreachable:NoSchedule + :NoExecute,
                                            Event NodeNotReady
                                            ──T──► pod deleted (rate-limited, Event
                                                   TaintManagerEviction); its ReplicaSet
                                                   makes a replacement
    lease renewed again ─────────────────► unreachable taints removed (the kubelet posts
                                            Ready itself)

Staleness is judged by this process's monotonic clock from the moment it first saw the
Lease's current renewTime (as leader election does), so clocks of different machines need
not agree; a node never seen with a Lease counts from the moment it was first seen.

Concurrency model: a monitor task enqueues every node each --node-monitor-period; a Lease
change enqueues its node; syncs run with the queue's one-worker-per-key guarantee.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from minik8s.api import errors
from minik8s.api.times import epoch_seconds, rfc3339
from minik8s.client.events import NORMAL, WARNING
from minik8s.client.informer import NODE_NAME_INDEX

from .base import Controller, ControllerContext, Obj, res
from .podutil import is_pod_active, meta, set_condition

log = logging.getLogger(__name__)

NODES = res("nodes")
PODS = res("pods")
LEASE_NAMESPACE = "kube-node-lease"
UNREACHABLE = "node.kubernetes.io/unreachable"


@dataclass
class _Seen:
    renew: str | None
    at: float


def unreachable_taints(now: str, existing: list[Obj]) -> list[Obj]:
    """`existing` plus the two unreachable taints (kept as they were if present)."""
    have = {(t.get("key"), t.get("effect")) for t in existing}
    out = list(existing)
    for effect in ("NoSchedule", "NoExecute"):
        if (UNREACHABLE, effect) not in have:
            taint: Obj = {"key": UNREACHABLE, "effect": effect}
            if effect == "NoExecute":
                taint["timeAdded"] = now
            out.append(taint)
    return out


def toleration_seconds(pod: Obj, default: int) -> float | None:
    """How long the pod tolerates the unreachable NoExecute taint; None: for ever."""
    for tol in (pod.get("spec") or {}).get("tolerations") or []:
        effect = tol.get("effect")
        if effect not in (None, "", "NoExecute"):
            continue
        key = tol.get("key")
        if tol.get("operator") == "Exists" and not key:
            pass
        elif key != UNREACHABLE:
            continue
        seconds = tol.get("tolerationSeconds")
        return None if seconds is None else max(0.0, float(seconds))
    return float(default)


def unknown_conditions(node: Obj, now: str) -> list[Obj]:
    conditions = list((node.get("status") or {}).get("conditions") or [])
    types = [c.get("type") for c in conditions] or ["Ready"]
    if "Ready" not in types:
        types.append("Ready")
    for ctype in types:
        conditions = set_condition(
            conditions,
            {
                "type": ctype,
                "status": "Unknown",
                "reason": "NodeStatusUnknown",
                "message": "Kubelet stopped posting node status.",
                "lastHeartbeatTime": now,
            },
            now,
        )
    return conditions


class NodeLifecycleController(Controller):
    name = "nodelifecycle"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.node_informer = ctx.informer("nodes")
        self.lease_informer = ctx.informer("leases", LEASE_NAMESPACE)
        self.pod_informer = ctx.informer("pods")
        self.watch(self.node_informer)
        self.lease_informer.add_handler(
            self._lease_changed, lambda old, new: self._lease_changed(new), None
        )
        self.seen: dict[str, _Seen] = {}
        self._next_eviction = 0.0

    def on_update(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") != meta(new).get("resourceVersion"):
            self.enqueue(new)

    def _lease_changed(self, lease: Obj) -> None:
        self.queue.add(meta(lease).get("name", ""))

    async def run(self, workers: int | None = None) -> None:
        monitor = asyncio.create_task(self._monitor(), name="nodelifecycle-monitor")
        try:
            await super().run(workers)
        finally:
            monitor.cancel()
            await asyncio.gather(monitor, return_exceptions=True)

    async def _monitor(self) -> None:
        while not self.queue.shutting_down:
            names = self.node_informer.store.keys()
            for name in names:
                self.queue.add(name)
            await asyncio.sleep(self.ctx.options.node_monitor_period)

    def _observe(self, name: str) -> float:
        """Seconds since the node's Lease was last seen to change."""
        lease = self.lease_informer.store.get(f"{LEASE_NAMESPACE}/{name}")
        renew = ((lease or {}).get("spec") or {}).get("renewTime")
        now = self.ctx.monotonic()
        seen = self.seen.get(name)
        if seen is None or seen.renew != renew:
            seen = self.seen[name] = _Seen(renew, now)
        return now - seen.at

    async def sync(self, name: str) -> float | None:
        node = self.node_informer.store.get(name)
        if node is None:
            self.seen.pop(name, None)
            return None
        opts = self.ctx.options
        silent = self._observe(name)
        taints = list((node.get("spec") or {}).get("taints") or [])
        ours = [t for t in taints if t.get("key") == UNREACHABLE]
        if silent <= opts.node_monitor_grace_period:
            if ours:
                keep = [t for t in taints if t.get("key") != UNREACHABLE]
                await self.client.patch(NODES, name, {"spec": {"taints": keep or None}})
                await self.recorder.event(
                    node, NORMAL, "NodeReachable", f"Node {name} renews its lease again"
                )
            return max(0.5, opts.node_monitor_grace_period - silent + 0.5)
        stamp = rfc3339(self.ctx.clock())
        ready: Obj = next(
            (
                c
                for c in (node.get("status") or {}).get("conditions") or []
                if c.get("type") == "Ready"
            ),
            {},
        )
        if ready.get("status") != "Unknown":
            log.warning("node %s: lease not renewed for %.0fs: Ready=Unknown", name, silent)
            await self.client.patch(
                NODES,
                name,
                {"status": {"conditions": unknown_conditions(node, stamp)}},
                subresource="status",
            )
            await self.recorder.event(
                node, NORMAL, "NodeNotReady", f"Node {name} status is now: NodeNotReady"
            )
            await self._mark_pods_not_ready(name, stamp)
        if len(ours) < 2:
            node = await self.client.patch(
                NODES, name, {"spec": {"taints": unreachable_taints(stamp, taints)}}
            )
            taints = list((node.get("spec") or {}).get("taints") or [])
        return await self._evict(name, taints)

    async def _mark_pods_not_ready(self, node_name: str, stamp: str) -> None:
        for pod in self.pod_informer.store.by_index(NODE_NAME_INDEX, node_name):
            if not is_pod_active(pod):
                continue
            conditions = set_condition(
                list((pod.get("status") or {}).get("conditions") or []),
                {"type": "Ready", "status": "False", "reason": "NodeNotReady"},
                stamp,
            )
            try:
                await self.client.patch(
                    PODS,
                    meta(pod)["name"],
                    {"status": {"conditions": conditions}},
                    meta(pod).get("namespace"),
                    subresource="status",
                )
            except errors.NotFound:
                continue

    async def _evict(self, node_name: str, taints: list[Obj]) -> float | None:
        opts = self.ctx.options
        no_execute = next(
            (t for t in taints if t.get("key") == UNREACHABLE and t.get("effect") == "NoExecute"),
            None,
        )
        if no_execute is None:
            return opts.node_monitor_period
        added = epoch_seconds(no_execute.get("timeAdded")) or self.ctx.clock()
        now = self.ctx.clock()
        soonest: float | None = None
        for pod in self.pod_informer.store.by_index(NODE_NAME_INDEX, node_name):
            if not is_pod_active(pod):
                continue
            seconds = toleration_seconds(pod, opts.default_toleration_seconds)
            if seconds is None:
                continue
            wait = added + seconds - now
            if wait > 0:
                soonest = wait if soonest is None else min(soonest, wait)
                continue
            mono = self.ctx.monotonic()
            if mono < self._next_eviction:
                delay = self._next_eviction - mono
                soonest = delay if soonest is None else min(soonest, delay)
                continue
            self._next_eviction = max(mono, self._next_eviction) + 1.0 / max(
                opts.eviction_rate, 1e-6
            )
            try:
                await self.client.delete(PODS, meta(pod)["name"], meta(pod).get("namespace"))
            except errors.NotFound:
                continue
            await self.recorder.event(
                pod,
                WARNING,
                "TaintManagerEviction",
                f"Marking for deletion Pod {meta(pod).get('namespace')}/{meta(pod)['name']}",
            )
        period = opts.node_monitor_period
        return max(0.1, min(soonest, period)) if soonest is not None else period
