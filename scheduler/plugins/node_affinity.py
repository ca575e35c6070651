"""NodeAffinity: `nodeSelector` and required node affinity terms filter (In, NotIn,
Exists, DoesNotExist, Gt, Lt; matchFields on metadata.name); preferred terms score by the
sum of the weights of the terms a node matches."""

from __future__ import annotations

from typing import Any

from minik8s.api.nodematch import required_node_affinity_matches, term_matches

from ..framework import SKIP, CycleState, Status, default_normalize, unresolvable
from ..nodeinfo import NodeInfo, PodInfo

NAME = "NodeAffinity"
REASON = "node(s) didn't match Pod's node affinity/selector"


def fits(pod: PodInfo, node: NodeInfo) -> bool:
    return required_node_affinity_matches(pod.pod.get("spec") or {}, node.labels, node.name)


def _preferred(pod: PodInfo) -> list[dict[str, Any]]:
    na = pod.affinity.get("nodeAffinity") or {}
    return na.get("preferredDuringSchedulingIgnoredDuringExecution") or []


def preferred_score(pod: PodInfo, node: NodeInfo) -> int:
    total = 0
    for term in _preferred(pod):
        if term_matches(term.get("preference") or {}, node.labels, node.name):
            total += int(term.get("weight") or 0)
    return total


class NodeAffinity:
    name = NAME

    def pre_filter(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        spec = pod.pod.get("spec") or {}
        if spec.get("nodeSelector") or (pod.affinity.get("nodeAffinity") or {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution"
        ):
            return None
        return SKIP

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        return None if fits(pod, node) else unresolvable(NAME, REASON)

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        return None if _preferred(pod) else SKIP

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        return preferred_score(pod, node)

    def normalize(self, state: CycleState, pod: PodInfo, scores: dict[str, int]) -> None:
        default_normalize(scores)


def factory(args: dict[str, Any]) -> NodeAffinity:
    return NodeAffinity()
