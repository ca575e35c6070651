"""PodTopologySpread: `topologySpreadConstraints`. DoNotSchedule constraints filter: placing
the pod in a node's domain must keep (matching pods in that domain + 1) − (the fewest in
any domain) ≤ maxSkew. ScheduleAnyway constraints score: fewer matching pods in the
node's domain is better. Only nodes that pass the pod's nodeSelector / required node
affinity and carry the topology key count as domains (nodeAffinityPolicy Honor)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from minik8s.api.nodematch import required_node_affinity_matches
from minik8s.api.selectors import LabelSelector, SelectorError

from ..framework import SKIP, CycleState, Status, unresolvable, unschedulable
from ..nodeinfo import NodeInfo, PodInfo

NAME = "PodTopologySpread"
REASON = "node(s) didn't match pod topology spread constraints"
MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)"
_FILTER = NAME + "/filter"
_SCORE = NAME + "/score"

Obj = dict[str, Any]


def _constraints(pod: PodInfo, when: str) -> list[Obj]:
    spec = pod.pod.get("spec") or {}
    return [
        c
        for c in spec.get("topologySpreadConstraints") or []
        if (c.get("whenUnsatisfiable") or "DoNotSchedule") == when
    ]


def _selector(c: Obj) -> LabelSelector:
    try:
        return LabelSelector.from_dict(c.get("labelSelector"))
    except SelectorError:
        return LabelSelector.match_nothing()


def count_domains(
    pod: PodInfo, constraints: list[Obj], nodes: list[NodeInfo]
) -> list[Counter[str]]:
    """Per constraint: matching pods per domain value (every eligible domain present)."""
    spec = pod.pod.get("spec") or {}
    counts: list[Counter[str]] = [Counter() for _ in constraints]
    selectors = [_selector(c) for c in constraints]
    for node in nodes:
        if not required_node_affinity_matches(spec, node.labels, node.name):
            continue
        for i, c in enumerate(constraints):
            value = node.labels.get(c.get("topologyKey") or "")
            if value is None:
                continue
            n = sum(
                1
                for other in node.pods.values()
                if other.namespace == pod.namespace
                and other.key != pod.key
                and selectors[i].matches(other.labels)
            )
            counts[i][value] += n
    return counts


def skew_ok(pod: PodInfo, c: Obj, counts: Counter[str], value: str) -> bool:
    self_match = 1 if _selector(c).matches(pod.labels) else 0
    low = min(counts.values()) if counts else 0
    return counts.get(value, 0) + self_match - low <= int(c.get("maxSkew") or 1)


class PodTopologySpread:
    name = NAME

    def pre_filter(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        constraints = _constraints(pod, "DoNotSchedule")
        if not constraints:
            return SKIP
        state[_FILTER] = (constraints, count_domains(pod, constraints, nodes))
        return None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        pre = state.get(_FILTER)
        if pre is None:
            return None
        constraints, counts = pre
        for c, cnt in zip(constraints, counts, strict=True):
            value = node.labels.get(c.get("topologyKey") or "")
            if value is None:
                return unresolvable(NAME, MISSING_LABEL)
            if not skew_ok(pod, c, cnt, value):
                return unschedulable(NAME, REASON)
        return None

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        constraints = _constraints(pod, "ScheduleAnyway")
        if not constraints:
            return SKIP
        state[_SCORE] = (constraints, count_domains(pod, constraints, nodes))
        return None

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        constraints, counts = state[_SCORE]
        total = 0
        for c, cnt in zip(constraints, counts, strict=True):
            value = node.labels.get(c.get("topologyKey") or "")
            total += cnt.get(value, 0) if value is not None else max(cnt.values(), default=0) + 1
        return total

    def normalize(self, state: CycleState, pod: PodInfo, scores: dict[str, int]) -> None:
        if not scores:
            return
        low, high = min(scores.values()), max(scores.values())
        for k, v in scores.items():
            scores[k] = 100 if high == low else 100 * (high - v) // (high - low)


def factory(args: dict[str, Any]) -> PodTopologySpread:
    return PodTopologySpread()
