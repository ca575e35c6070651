"""DefaultPreemption (the post-filter): when a pod fits nowhere, find the node where
evicting the fewest, least important lower-priority pods makes it fit.

For each node whose failure might be fixed by removing pods (UNSCHEDULABLE, not
UNRESOLVABLE; at most `max_candidates` nodes) every lower-priority pod is removed in a
what-if copy; if the pod then passes the filters, the removed pods are added back from
the most important down while it still fits (reprieve), and the rest are the victims.
The cheapest candidate wins: the lowest highest-victim priority, then the lowest sum of
victim priorities, then the fewest victims, then the node name. Pure: the scheduler
evicts the victims and sets `status.nominatedNodeName`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .framework import Code, CycleState, Profile, Status
from .nodeinfo import NodeInfo, PodInfo

NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"


@dataclass
class Candidate:
    node: str
    victims: list[PodInfo]

    def cost(self) -> tuple[int, int, int, str]:
        prios = [v.priority for v in self.victims]
        return (max(prios, default=-(2**31)), sum(prios), len(prios), self.node)


def _fits(profile: Profile, pod: PodInfo, nodes: list[NodeInfo], node: NodeInfo) -> bool:
    state: CycleState = {}
    filters, failed = profile.run_pre_filters(state, pod, nodes)
    if failed is not None:
        return False
    return profile.run_filters(filters, state, pod, node) is None


def victims_on(
    profile: Profile, pod: PodInfo, nodes: list[NodeInfo], index: int
) -> list[PodInfo] | None:
    """The victims on nodes[index] that make the pod fit, or None when none can."""
    node = nodes[index]
    lower = [p for p in node.pods.values() if p.priority < pod.priority]
    if not lower:
        return None
    what_if = node.clone_without({p.key for p in lower})
    view = [*nodes[:index], what_if, *nodes[index + 1 :]]
    if not _fits(profile, pod, view, what_if):
        return None
    victims = []
    for p in sorted(lower, key=lambda p: (-p.priority, p.key)):
        what_if.add_pod(p)
        if not _fits(profile, pod, view, what_if):
            what_if.remove_pod(p.key)
            victims.append(p)
    return victims


def terminating_victims(pod: PodInfo, node: NodeInfo) -> bool:
    """Lower-priority pods on the node are already going: wait for them, evict no more."""
    return any(
        p.priority < pod.priority and (p.pod.get("metadata") or {}).get("deletionTimestamp")
        for p in node.pods.values()
    )


def preempt(
    profile: Profile,
    pod: PodInfo,
    nodes: list[NodeInfo],
    statuses: dict[str, Status],
    max_candidates: int = 100,
) -> tuple[Candidate | None, str]:
    """The cheapest candidate, or None with kube's `preemption: …` message."""
    if (pod.pod.get("spec") or {}).get("preemptionPolicy") == "Never":
        return None, "not eligible due to preemptionPolicy=Never."
    counts: Counter[str] = Counter()
    candidates = []
    tried = 0
    for i, node in enumerate(nodes):
        status = statuses.get(node.name)
        if status is None or status.code != Code.UNSCHEDULABLE:
            counts[NOT_HELPFUL] += 1
            continue
        if tried >= max_candidates:
            counts[NO_VICTIMS] += 1
            continue
        tried += 1
        victims = victims_on(profile, pod, nodes, i)
        if victims is None:
            counts[NO_VICTIMS] += 1
        else:
            candidates.append(Candidate(node.name, victims))
    if candidates:
        return min(candidates, key=Candidate.cost), ""
    parts = sorted(f"{n} {reason}" for reason, n in counts.items())
    return None, f"preemption: 0/{len(nodes)} nodes are available: {', '.join(parts)}."
