"""NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory fractions stay
close after placing the pod (score = (1 - standard deviation of the fractions) × 100)."""

from __future__ import annotations

from typing import Any

from ..framework import MAX_NODE_SCORE, CycleState
from ..nodeinfo import NodeInfo, PodInfo

NAME = "NodeResourcesBalancedAllocation"


def balance_score(pod: PodInfo, node: NodeInfo) -> int:
    alloc = node.allocatable
    if alloc.milli_cpu <= 0 or alloc.memory <= 0:
        return 0
    cpu = min(1.0, (node.nz_cpu + pod.nz_cpu) / alloc.milli_cpu)
    mem = min(1.0, (node.nz_mem + pod.nz_mem) / alloc.memory)
    std = abs(cpu - mem) / 2  # the standard deviation of two values
    return int((1 - std) * MAX_NODE_SCORE)


class BalancedAllocation:
    name = NAME

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        return balance_score(pod, node)


def factory(args: dict[str, Any]) -> BalancedAllocation:
    return BalancedAllocation()
