"""NodeUnschedulable: a cordoned node (`spec.unschedulable`) takes only pods that tolerate
the `node.kubernetes.io/unschedulable:NoSchedule` taint."""

from __future__ import annotations

from typing import Any

from minik8s.api.nodematch import tolerated

from ..framework import SKIP, CycleState, Status, unresolvable
from ..nodeinfo import NodeInfo, PodInfo, any_unschedulable

NAME = "NodeUnschedulable"
REASON = "node(s) were unschedulable"
TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}


def fits(pod: PodInfo, node: NodeInfo) -> bool:
    if not node.unschedulable:
        return True
    return tolerated((pod.pod.get("spec") or {}).get("tolerations") or [], TAINT)


class NodeUnschedulable:
    name = NAME

    def pre_filter(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        return None if any_unschedulable(nodes) else SKIP

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        return None if fits(pod, node) else unresolvable(NAME, REASON)


def factory(args: dict[str, Any]) -> NodeUnschedulable:
    return NodeUnschedulable()
