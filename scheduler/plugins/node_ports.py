"""NodePorts: two pods cannot take the same host port (same protocol, overlapping IP)."""

from __future__ import annotations

from typing import Any

from ..framework import SKIP, CycleState, Status, unschedulable
from ..nodeinfo import NodeInfo, PodInfo

NAME = "NodePorts"
REASON = "node(s) didn't have free ports for the requested pod ports"
ANY_IP = "0.0.0.0"


def conflicts(want: tuple[str, str, int], used: dict[tuple[str, str, int], int]) -> bool:
    ip, proto, port = want
    if ip == ANY_IP:
        return any(p == port and pr == proto for (_, pr, p) in used)
    return (ip, proto, port) in used or (ANY_IP, proto, port) in used


def fits(pod: PodInfo, node: NodeInfo) -> bool:
    return not any(conflicts(p, node.used_ports) for p in pod.ports)


class NodePorts:
    name = NAME

    def pre_filter(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        return None if pod.ports else SKIP

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        return None if fits(pod, node) else unschedulable(NAME, REASON)


def factory(args: dict[str, Any]) -> NodePorts:
    return NodePorts()
