"""TaintToleration: NoSchedule and NoExecute taints a pod does not tolerate keep it off the
node; untolerated PreferNoSchedule taints lower the node's score."""

from __future__ import annotations

from typing import Any

from minik8s.api.nodematch import tolerated

from ..framework import SKIP, CycleState, Status, default_normalize, unresolvable
from ..nodeinfo import NodeInfo, PodInfo, any_tainted

NAME = "TaintToleration"
HARD_EFFECTS = ("NoSchedule", "NoExecute")


def untolerated_taint(pod: PodInfo, node: NodeInfo) -> dict[str, Any] | None:
    """The first NoSchedule/NoExecute taint the pod does not tolerate, if any."""
    tolerations = (pod.pod.get("spec") or {}).get("tolerations") or []
    for taint in node.taints:
        if taint.get("effect") in HARD_EFFECTS and not tolerated(tolerations, taint):
            return taint
    return None


def reason(taint: dict[str, Any]) -> str:
    return f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}"


def intolerable_count(pod: PodInfo, node: NodeInfo) -> int:
    tolerations = [
        t
        for t in (pod.pod.get("spec") or {}).get("tolerations") or []
        if (t.get("effect") or "PreferNoSchedule") == "PreferNoSchedule"
    ]
    return sum(
        1
        for taint in node.taints
        if taint.get("effect") == "PreferNoSchedule" and not tolerated(tolerations, taint)
    )


class TaintToleration:
    name = NAME

    def pre_filter(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        return None if any_tainted(nodes) else SKIP

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        # untainted nodes all score the same: leaving the plugin out changes no ranking
        return None if any_tainted(nodes) else SKIP

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        if not node.taints:
            return None
        taint = untolerated_taint(pod, node)
        return None if taint is None else unresolvable(NAME, reason(taint))

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int:
        return intolerable_count(pod, node) if node.taints else 0

    def normalize(self, state: CycleState, pod: PodInfo, scores: dict[str, int]) -> None:
        default_normalize(scores, reverse=True)


def factory(args: dict[str, Any]) -> TaintToleration:
    return TaintToleration()
