"""NodeResourcesBalancedAllocation: prefer nodes whose cpu and memory fractions stay
close after placing the pod (score = (1 - standard deviation of the fractions) × 100)."""

from __future__ import annotations

from typing import Any

from ..framework import MAX_NODE_SCORE, CycleState, remembered_scores
from ..nodeinfo import NodeInfo, PodInfo

NAME = "NodeResourcesBalancedAllocation"


def balance_score(pod: PodInfo, node: NodeInfo) -> int:
    alloc = node.allocatable
    cpu_cap, mem_cap = alloc.milli_cpu, alloc.memory
    if cpu_cap <= 0 or mem_cap <= 0:
        return 0
    cpu = (node.nz_cpu + pod.nz_cpu) / cpu_cap
    mem = (node.nz_mem + pod.nz_mem) / mem_cap
    cpu = cpu if cpu < 1.0 else 1.0
    mem = mem if mem < 1.0 else 1.0
    std = (cpu - mem if cpu > mem else mem - cpu) / 2  # the standard deviation of two values
    return int((1 - std) * MAX_NODE_SCORE)


class BalancedAllocation:
    name = NAME

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        return balance_score(pod, node)

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        return remembered_scores((NAME, pod.nz_cpu, pod.nz_mem), pod, nodes, balance_score)


def factory(args: dict[str, Any]) -> BalancedAllocation:
    return BalancedAllocation()
