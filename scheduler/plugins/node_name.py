"""NodeName: a pod that names its node (`spec.nodeName`) fits that node only."""

from __future__ import annotations

from typing import Any

from ..framework import SKIP, CycleState, Status, unresolvable
from ..nodeinfo import NodeInfo, PodInfo

NAME = "NodeName"
REASON = "node(s) didn't match the requested node name"


def fits(pod: PodInfo, node: NodeInfo) -> bool:
    wanted = (pod.pod.get("spec") or {}).get("nodeName")
    return not wanted or wanted == node.name


class NodeName:
    name = NAME

    def pre_filter(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        return None if (pod.pod.get("spec") or {}).get("nodeName") else SKIP

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        return None if fits(pod, node) else unresolvable(NAME, REASON)


def factory(args: dict[str, Any]) -> NodeName:
    return NodeName()
