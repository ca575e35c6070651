"""The scheduling framework: one small interface per extension point and a profile that
runs them.

Extension points, in the order a scheduling cycle calls them::

    pre_filter(state, pod, nodes)   once per pod: precompute, or SKIP (this pod needs nothing
                                    from the plugin, so its filter is not called)
    filter(state, pod, node)        per node: None (fits) or a Status with the reason
    post_filter(...)                when no node fits: preemption (see `preemption.py`)
    pre_score(state, pod, nodes)    once per pod, on the feasible nodes, or SKIP
    score(state, pod, node)         per feasible node: an int (or score_nodes, all at once)
    normalize(state, pod, scores)   rescales that plugin's scores to 0..MAX_NODE_SCORE

A plugin implements any subset; a profile holds the enabled plugins of each point with
the score weights. Statuses mean something: UNSCHEDULABLE (preemption might help),
UNRESOLVABLE (it will not: node name, selector, taint), ERROR (a bug or bad input).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol, runtime_checkable

from .nodeinfo import NodeInfo, PodInfo

MAX_NODE_SCORE = 100


class Code(Enum):
    SUCCESS = 0
    UNSCHEDULABLE = 1  # removing pods from the node might make the pod fit
    UNRESOLVABLE = 2  # UnschedulableAndUnresolvable: preemption cannot help
    ERROR = 3
    SKIP = 4


@dataclass(frozen=True)
class Status:
    code: Code
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @property
    def ok(self) -> bool:
        return self.code == Code.SUCCESS


SKIP = Status(Code.SKIP)


def unschedulable(plugin: str, *reasons: str) -> Status:
    return Status(Code.UNSCHEDULABLE, reasons, plugin)


def unresolvable(plugin: str, *reasons: str) -> Status:
    return Status(Code.UNRESOLVABLE, reasons, plugin)


CycleState = dict[str, Any]
"""Per-pod scratch space plugins share between their own extension points."""


@runtime_checkable
class PreFilterPlugin(Protocol):
    name: str

    def pre_filter(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        """None to go on, SKIP to skip this plugin's filter, else the pod fits nowhere."""


@runtime_checkable
class FilterPlugin(Protocol):
    name: str

    def filter(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> Status | None:
        """None when the pod fits the node, else why not."""


@runtime_checkable
class PreScorePlugin(Protocol):
    name: str

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        """None to go on, SKIP to leave this plugin's score out for this pod."""


@runtime_checkable
class ScorePlugin(Protocol):
    name: str

    def score(self, state: CycleState, pod: PodInfo, node: NodeInfo) -> int: ...


@runtime_checkable
class ScoreNodesPlugin(Protocol):
    name: str

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        """`score` of each node, in order: one call per cycle instead of one per node."""


def remembered_scores(
    key: tuple[Any, ...],
    pod: PodInfo,
    nodes: list[NodeInfo],
    compute: Callable[[PodInfo, NodeInfo], int],
) -> list[int]:
    """Scores that depend only on a node's accounting and the pod's `key`: remembered on
    each node (`NodeInfo.scores`, emptied when its pods or the node change), so a node the
    last cycle saw is not scored again for a pod of the same shape."""
    short = _SCORE_KEYS.setdefault(key, len(_SCORE_KEYS))  # an int hashes for free
    out = []
    for node in nodes:
        known = node.scores.get(short)
        if known is None:
            known = node.scores[short] = compute(pod, node)
        out.append(known)
    return out


_SCORE_KEYS: dict[tuple[Any, ...], int] = {}  # one small int per (plugin, pod shape) seen


@runtime_checkable
class NormalizeScorePlugin(Protocol):
    name: str

    def normalize(self, state: CycleState, pod: PodInfo, scores: dict[str, int]) -> None:
        """Rescale `scores` (node name → score) in place to 0..MAX_NODE_SCORE."""


def default_normalize(scores: dict[str, int], reverse: bool = False) -> None:
    """kube's DefaultNormalizeScore: scale so the highest is MAX_NODE_SCORE (or reversed)."""
    if not scores:
        return
    top = max(scores.values())
    if top == 0:
        if reverse:
            for k in scores:
                scores[k] = MAX_NODE_SCORE
        return
    for k, v in scores.items():
        v = MAX_NODE_SCORE * v // top
        scores[k] = MAX_NODE_SCORE - v if reverse else v


@dataclass
class FitError:
    """No node fits: the status of every node that was tried."""

    pod: PodInfo
    num_nodes: int
    statuses: dict[str, Status] = field(default_factory=dict)
    pre_filter: Status | None = None  # a pre-filter that failed for every node
    preemption_message: str = ""

    def message(self) -> str:
        """kube-scheduler's wording: `0/5 nodes are available: 2 Insufficient cpu, 3 …`."""
        counts: Counter[str] = Counter()
        if self.pre_filter is not None:
            for reason in self.pre_filter.reasons:
                counts[reason] += self.num_nodes
        for status in self.statuses.values():
            for reason in status.reasons:
                counts[reason] += 1
        parts = sorted(f"{n} {reason}" for reason, n in counts.items())
        text = f"0/{self.num_nodes} nodes are available"
        text += (": " + ", ".join(parts) + ".") if parts else "."
        if self.preemption_message:
            text += " " + self.preemption_message
        return text


@dataclass
class Profile:
    """The plugins of one schedulerName, per extension point, with score weights."""

    scheduler_name: str
    pre_filters: list[PreFilterPlugin] = field(default_factory=list)
    filters: list[FilterPlugin] = field(default_factory=list)
    pre_scores: list[PreScorePlugin] = field(default_factory=list)
    scores: list[tuple[ScorePlugin, int]] = field(default_factory=list)
    preemption: bool = True
    percentage_of_nodes_to_score: int = 0  # 0: adaptive, like kube-scheduler

    def run_pre_filters(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> tuple[list[FilterPlugin], Status | None]:
        """The filters to run for this pod, or the status of a pre-filter that failed."""
        skipped: set[str] = set()
        for plugin in self.pre_filters:
            status = plugin.pre_filter(state, pod, nodes)
            if status is None:
                continue
            if status.code == Code.SKIP:
                skipped.add(plugin.name)
                continue
            return [], status
        return [f for f in self.filters if f.name not in skipped], None

    @staticmethod
    def run_filters(
        filters: list[FilterPlugin], state: CycleState, pod: PodInfo, node: NodeInfo
    ) -> Status | None:
        for plugin in filters:
            status = plugin.filter(state, pod, node)
            if status is not None:
                return status
        return None

    def run_scores(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> dict[str, int]:
        """Weighted sum of every score plugin's normalised score, per node name."""
        totals = [0] * len(nodes)
        skipped: set[str] = set()
        for pre in self.pre_scores:
            status = pre.pre_score(state, pod, nodes)
            if status is not None and status.code == Code.SKIP:
                skipped.add(pre.name)
        for plugin, weight in self.scores:
            if plugin.name in skipped or weight == 0:
                continue
            batch = getattr(plugin, "score_nodes", None)
            if batch is not None:
                values = batch(state, pod, nodes)
            else:
                score = plugin.score
                values = [score(state, pod, n) for n in nodes]
            normalize = getattr(plugin, "normalize", None)
            if normalize is not None:
                named = dict(zip((n.name for n in nodes), values, strict=True))
                normalize(state, pod, named)
                values = list(named.values())
            totals = [t + v * weight for t, v in zip(totals, values, strict=True)]
        return dict(zip((n.name for n in nodes), totals, strict=True))
