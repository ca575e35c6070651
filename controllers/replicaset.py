"""The ReplicaSet controller: exactly `spec.replicas` pods matching the selector.

One sync of one ReplicaSet key reads the ReplicaSet from the cache (gone: forget its
expectations, done), builds its label selector and hands the rest to `podutil.Replicas`,
the replica-keeping sync it shares with the ReplicationController controller: claim
(adopt/release) pods, create the missing ones in slow-start batches or delete the least
valuable surplus once earlier writes were observed (`Expectations`), write `status`.
The decisions are pure functions of `podutil`; pod events reach it through `podevents`.
"""

from __future__ import annotations

import logging
from typing import Any

from minik8s.api.selectors import LabelSelector
from minik8s.client.informer import NAMESPACE_INDEX

from .base import Controller, ControllerContext, Obj, res
from .expectations import Expectations
from .podevents import OwnerPodHandlers, selecting_owners
from .podutil import Replicas, meta, pod_from_template, replica_status

log = logging.getLogger(__name__)

PODS = res("pods")
REPLICASETS = res("replicasets")

__all__ = ["ReplicaSetController", "compute_status", "pod_from_template"]


def compute_status(
    rs: Obj, pods: list[Obj], now: float, failure: str | None, selector_labels: dict[str, Any]
) -> Obj:
    """The status the ReplicaSet should have, given its active pods and the last create error."""
    return replica_status(rs, pods, now, failure)


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
        self.replicas = Replicas(
            self.client,
            self.recorder,
            self.expectations,
            REPLICASETS,
            burst=ctx.options.burst_replicas,
            initial_batch=ctx.options.slow_start_initial_batch,
        )

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
        selector = LabelSelector.from_dict((rs.get("spec") or {}).get("selector"))
        pods = self.pod_store.by_index(NAMESPACE_INDEX, ns)
        return await self.replicas.sync(rs, key, pods, selector, self.ctx.clock())
