"""NodeResourcesFit: requests (cpu, memory, ephemeral storage, pod count) must fit the
node's allocatable; scores LeastAllocated (default, spreading) or MostAllocated (bin
packing) over cpu and memory, with kube's non-zero defaults for pods that request nothing."""

from __future__ import annotations

from typing import Any

from ..framework import MAX_NODE_SCORE, CycleState, Status, remembered_scores, unschedulable
from ..nodeinfo import NodeInfo, PodInfo

NAME = "NodeResourcesFit"
LEAST_ALLOCATED, MOST_ALLOCATED = "LeastAllocated", "MostAllocated"


def insufficient(pod: PodInfo, node: NodeInfo) -> list[str]:
    """The reasons the pod does not fit, in kube's wording; empty when it fits."""
    reasons = []
    alloc, used, req = node.allocatable, node.requested, pod.requests
    if len(node.pods) + 1 > alloc.pods:
        reasons.append("Too many pods")
    if req.milli_cpu and used.milli_cpu + req.milli_cpu > alloc.milli_cpu:
        reasons.append("Insufficient cpu")
    if req.memory and used.memory + req.memory > alloc.memory:
        reasons.append("Insufficient memory")
    if req.ephemeral_storage and (
        used.ephemeral_storage + req.ephemeral_storage > alloc.ephemeral_storage
    ):
        reasons.append("Insufficient ephemeral-storage")
    return reasons


def _least(requested: int, capacity: int) -> int:
    if capacity <= 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def _most(requested: int, capacity: int) -> int:
    if capacity <= 0:
        return 0
    return min(requested, capacity) * MAX_NODE_SCORE // capacity


def allocation_score(pod: PodInfo, node: NodeInfo, strategy: str = LEAST_ALLOCATED) -> int:
    """Mean of the cpu and memory scores after placing the pod (weights 1 and 1)."""
    fn = _most if strategy == MOST_ALLOCATED else _least
    cpu = fn(node.nz_cpu + pod.nz_cpu, node.allocatable.milli_cpu)
    mem = fn(node.nz_mem + pod.nz_mem, node.allocatable.memory)
    return (cpu + mem) // 2


class NodeResourcesFit:
    name = NAME

    def __init__(self, strategy: str = LEAST_ALLOCATED) -> None:
        if strategy not in (LEAST_ALLOCATED, MOST_ALLOCATED):
            raise ValueError(f"NodeResourcesFit: unknown scoringStrategy type {strategy!r}")
        self.strategy = strategy

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        # `fits` inlined: this runs for every node a cycle looks at
        alloc, used, req = node.allocatable, node.requested, pod.requests
        if (
            len(node.pods) < alloc.pods
            and (not req.milli_cpu or used.milli_cpu + req.milli_cpu <= alloc.milli_cpu)
            and (not req.memory or used.memory + req.memory <= alloc.memory)
            and (
                not req.ephemeral_storage
                or used.ephemeral_storage + req.ephemeral_storage <= alloc.ephemeral_storage
            )
        ):
            return None
        return unschedulable(NAME, *insufficient(pod, node))

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        return self.score_nodes(state, pod, [node])[0]

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        strategy = self.strategy

        def compute(pod: PodInfo, node: NodeInfo) -> int:
            return allocation_score(pod, node, strategy)

        return remembered_scores((NAME, strategy, pod.nz_cpu, pod.nz_mem), pod, nodes, compute)


def factory(args: dict[str, Any]) -> NodeResourcesFit:
    strategy = ((args.get("scoringStrategy") or {}).get("type")) or LEAST_ALLOCATED
    return NodeResourcesFit(str(strategy))
