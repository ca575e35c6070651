"""The ReplicationController controller: a ReplicaSet whose selector is a map of labels.

Kubernetes runs ReplicationControllers through its ReplicaSet controller; so does this
one, through `podutil.Replicas`, the replica-keeping sync both share: the only difference
is the selector, here every `spec.selector` label must be equal (`LabelSelector.from_set`;
an empty or missing map selects nothing, which validation never lets through). Pod
events reach it through `podevents` like the ReplicaSet's.
"""

from __future__ import annotations

from minik8s.api.selectors import LabelSelector, SelectorError
from minik8s.client.informer import NAMESPACE_INDEX

from .base import Controller, ControllerContext, Obj, res
from .expectations import Expectations
from .podevents import OwnerPodHandlers, selecting_owners
from .podutil import Replicas, meta

REPLICATIONCONTROLLERS = res("replicationcontrollers")


def selector_of(rc: Obj) -> LabelSelector:
    """The equality selector of `spec.selector`; nothing when it is empty or malformed."""
    labels = (rc.get("spec") or {}).get("selector")
    if not isinstance(labels, dict) or not labels:
        return LabelSelector.match_nothing()
    try:
        return LabelSelector.from_set(labels)
    except (SelectorError, TypeError, AttributeError):
        return LabelSelector.match_nothing()


class ReplicationControllerController(Controller):
    name = "replicationcontroller"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.expectations = Expectations(ctx.monotonic)
        self.rc_informer = ctx.informer("replicationcontrollers")
        self.pod_informer = ctx.informer("pods")
        self.rc_store = self.rc_informer.store
        self.pod_store = self.pod_informer.store
        self.watch(self.rc_informer)
        self.pod_events = OwnerPodHandlers(
            "ReplicationController",
            self.rc_store,
            self.queue,
            expectations=self.expectations,
            adopters=selecting_owners(self.rc_store, selector_of),
        )
        self.pod_events.register(self.pod_informer)
        self.replicas = Replicas(
            self.client,
            self.recorder,
            self.expectations,
            REPLICATIONCONTROLLERS,
            burst=ctx.options.burst_replicas,
            initial_batch=ctx.options.slow_start_initial_batch,
        )

    def on_update(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") != meta(new).get("resourceVersion") or old is new:
            self.enqueue(new)

    async def sync(self, key: str) -> float | None:
        rc = self.rc_store.get(key)
        if rc is None:
            self.expectations.forget(key)
            return None
        pods = self.pod_store.by_index(NAMESPACE_INDEX, meta(rc).get("namespace") or "")
        return await self.replicas.sync(rc, key, pods, selector_of(rc), self.ctx.clock())
