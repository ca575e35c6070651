"""InterPodAffinity: required pod affinity / anti-affinity by topologyKey (filter), and
preferred terms (score).

A term selects pods by `labelSelector` in `namespaces` (default: the pod's own; an empty
`namespaceSelector` means every namespace). Its topology domain on a node is the node's
value of `topologyKey`. The filter refuses a node when
- an existing pod's required anti-affinity matches the incoming pod in that domain,
- the incoming pod's required affinity term has no matching pod in that domain (unless no
  pod matches anywhere and the pod matches its own term: the first of a group),
- the incoming pod's required anti-affinity term has a matching pod in that domain.
`pre_filter` counts matches per (topologyKey, value) once per pod, so the per-node filter
is a few dict lookups.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from minik8s.api.selectors import LabelSelector, SelectorError

from ..framework import SKIP, CycleState, Status, unschedulable
from ..nodeinfo import NodeInfo, PodInfo, any_pods_with_affinity

NAME = "InterPodAffinity"
AFFINITY_REASON = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_REASON = "node(s) didn't satisfy existing pods anti-affinity rules"
_STATE = NAME + "/pre"
_SCORE = NAME + "/score"

Obj = dict[str, Any]
Domain = tuple[str, str]


def _required(affinity: Obj, kind: str) -> list[Obj]:
    return (affinity.get(kind) or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or []


def _preferred(affinity: Obj, kind: str) -> list[Obj]:
    return (affinity.get(kind) or {}).get("preferredDuringSchedulingIgnoredDuringExecution") or []


def term_matches(term: Obj, owner_namespace: str, pod: PodInfo) -> bool:
    """Does `pod` match the affinity term written by a pod in `owner_namespace`?"""
    namespaces = term.get("namespaces") or []
    ns_selector = term.get("namespaceSelector")
    if ns_selector is not None and not (
        ns_selector.get("matchLabels") or ns_selector.get("matchExpressions")
    ):
        pass  # an empty namespaceSelector: every namespace
    elif namespaces:
        if pod.namespace not in namespaces:
            return False
    elif pod.namespace != owner_namespace:
        return False
    try:
        selector = LabelSelector.from_dict(term.get("labelSelector"))
    except SelectorError:
        return False
    return selector.matches(pod.labels)


def _domain(node: NodeInfo, term: Obj) -> Domain | None:
    key = term.get("topologyKey") or ""
    value = node.labels.get(key)
    return None if value is None else (key, value)


class _Pre:
    def __init__(self) -> None:
        self.existing_anti: Counter[Domain] = Counter()
        self.affinity: list[Counter[Domain]] = []
        self.anti: list[Counter[Domain]] = []
        self.affinity_terms: list[Obj] = []
        self.anti_terms: list[Obj] = []
        self.any_affinity_match = False


def precompute(pod: PodInfo, nodes: list[NodeInfo]) -> _Pre:
    pre = _Pre()
    pre.affinity_terms = _required(pod.affinity, "podAffinity")
    pre.anti_terms = _required(pod.affinity, "podAntiAffinity")
    pre.affinity = [Counter() for _ in pre.affinity_terms]
    pre.anti = [Counter() for _ in pre.anti_terms]
    for node in nodes:
        for other in node.pods_with_affinity.values():
            for term in _required(other.affinity, "podAntiAffinity"):
                if term_matches(term, other.namespace, pod):
                    d = _domain(node, term)
                    if d is not None:
                        pre.existing_anti[d] += 1
        if not pre.affinity_terms and not pre.anti_terms:
            continue
        for other in node.pods.values():
            if other.key == pod.key:
                continue
            for i, term in enumerate(pre.affinity_terms):
                if term_matches(term, pod.namespace, other):
                    pre.any_affinity_match = True
                    d = _domain(node, term)
                    if d is not None:
                        pre.affinity[i][d] += 1
            for i, term in enumerate(pre.anti_terms):
                if term_matches(term, pod.namespace, other):
                    d = _domain(node, term)
                    if d is not None:
                        pre.anti[i][d] += 1
    return pre


def check(pre: _Pre, pod: PodInfo, node: NodeInfo) -> str | None:
    """The reason the node is refused, or None."""
    if pre.existing_anti:
        for key, value in pre.existing_anti:
            if node.labels.get(key) == value:
                return EXISTING_ANTI_REASON
    for i, term in enumerate(pre.anti_terms):
        d = _domain(node, term)
        if d is not None and pre.anti[i][d] > 0:
            return ANTI_AFFINITY_REASON
    if pre.affinity_terms:
        if not pre.any_affinity_match and all(
            term_matches(t, pod.namespace, pod) for t in pre.affinity_terms
        ):
            # the first pod of a group that wants to be with itself: only the keys must exist
            if all(_domain(node, t) is not None for t in pre.affinity_terms):
                return None
            return AFFINITY_REASON
        for i, term in enumerate(pre.affinity_terms):
            d = _domain(node, term)
            if d is None or pre.affinity[i][d] == 0:
                return AFFINITY_REASON
    return None


def preferred_scores(pod: PodInfo, nodes: list[NodeInfo]) -> Counter[Domain]:
    """Weight per topology domain: + for preferred affinity, − for preferred anti-affinity."""
    weights: Counter[Domain] = Counter()
    terms = [(t, 1) for t in _preferred(pod.affinity, "podAffinity")]
    terms += [(t, -1) for t in _preferred(pod.affinity, "podAntiAffinity")]
    for node in nodes:
        for other in node.pods.values():
            for weighted, sign in terms:
                term = weighted.get("podAffinityTerm") or {}
                if term_matches(term, pod.namespace, other):
                    d = _domain(node, term)
                    if d is not None:
                        weights[d] += sign * int(weighted.get("weight") or 0)
    return weights


class InterPodAffinity:
    name = NAME

    def pre_filter(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        has_existing = any_pods_with_affinity(nodes)
        if not has_existing and not pod.has_pod_affinity:
            return SKIP
        pre = precompute(pod, nodes)
        if not pre.existing_anti and not pre.affinity_terms and not pre.anti_terms:
            return SKIP
        state[_STATE] = pre
        return None

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        pre: _Pre | None = state.get(_STATE)
        if pre is None:
            return None
        why = check(pre, pod, node)
        return None if why is None else unschedulable(NAME, why)

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        if not (
            _preferred(pod.affinity, "podAffinity") or _preferred(pod.affinity, "podAntiAffinity")
        ):
            return SKIP
        state[_SCORE] = preferred_scores(pod, nodes)
        return None

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        weights: Counter[Domain] = state.get(_SCORE) or Counter()
        return sum(w for (key, value), w in weights.items() if node.labels.get(key) == value)

    def normalize(self, state: CycleState, pod: PodInfo, scores: dict[str, int]) -> None:
        if not scores:
            return
        low, high = min(scores.values()), max(scores.values())
        for k, v in scores.items():
            scores[k] = 0 if high == low else 100 * (v - low) // (high - low)


def factory(args: dict[str, Any]) -> InterPodAffinity:
    return InterPodAffinity()
