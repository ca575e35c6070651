"""NodeReady: a node whose kubelet reports Ready False or Unknown takes no pods (a node
that has no Ready condition yet has never been judged and is not refused)."""

from __future__ import annotations

from typing import Any

from ..framework import SKIP, CycleState, Status, unresolvable
from ..nodeinfo import NodeInfo, PodInfo, any_not_ready

NAME = "NodeReady"
REASON = "node(s) were not ready"


def fits(node: NodeInfo) -> bool:
    return node.ready


class NodeReady:
    name = NAME

    def pre_filter(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        return None if any_not_ready(nodes) else SKIP

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        return None if fits(node) else unresolvable(NAME, REASON)


def factory(args: dict[str, Any]) -> NodeReady:
    return NodeReady()
