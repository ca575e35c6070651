"""The scheduling cycle's hot paths: node-wide checks are skipped for a pod when no node
of the cluster could fail them (and run, and refuse, as soon as one could); the inlined and
remembered resource rules agree with the plain ones."""

from __future__ import annotations

import itertools

from scheduler.cache import SchedulerCache
from scheduler.framework import SKIP
from scheduler.nodeinfo import NodeList, subset_of
from scheduler.plugins.balanced_allocation import BalancedAllocation, balance_score
from scheduler.plugins.node_ready import NodeReady
from scheduler.plugins.node_resources_fit import (
    MOST_ALLOCATED,
    NodeResourcesFit,
    allocation_score,
    insufficient,
)
from scheduler.plugins.node_unschedulable import NodeUnschedulable
from scheduler.plugins.taint_toleration import TaintToleration

from .fixtures import node, pinfo, place

NO_SCHEDULE = {"key": "dedicated", "value": "db", "effect": "NoSchedule"}


def test_node_wide_filters_skip_a_clean_cluster_and_run_on_a_tainted_one() -> None:
    cache = SchedulerCache()
    for name in ("a", "b"):
        cache.add_node(node(name).node)
    p = pinfo("p")
    plugins = (TaintToleration(), NodeUnschedulable(), NodeReady())
    assert [x.pre_filter({}, p, cache.node_list()) for x in plugins] == [SKIP, SKIP, SKIP]
    assert TaintToleration().pre_score({}, p, cache.node_list()) == SKIP

    cache.update_node(node("a", taints=[NO_SCHEDULE], unschedulable=True, ready="False").node)
    nodes = cache.node_list()
    assert [x.pre_filter({}, p, nodes) for x in plugins] == [None, None, None]
    tainted = cache.node("a")
    assert tainted is not None
    refusal = TaintToleration().filter({}, p, tainted)
    assert refusal is not None and refusal.reasons == (
        "node(s) had untolerated taint {dedicated: db}",
    )


def test_a_plain_list_is_counted_on_the_spot() -> None:
    nodes = [node("a"), node("b", taints=[NO_SCHEDULE])]
    assert TaintToleration().pre_filter({}, pinfo("p"), nodes) is None
    assert TaintToleration().pre_filter({}, pinfo("p"), nodes[:1]) == SKIP


def test_a_subset_keeps_only_the_counts_of_zero() -> None:
    whole = NodeList([node("a"), node("b", taints=[NO_SCHEDULE])])
    whole.tainted, whole.unschedulable, whole.not_ready, whole.pods_with_affinity = 1, 0, 0, 0
    part = subset_of(whole)
    assert (part.tainted, part.unschedulable, part.not_ready, part.pods_with_affinity) == (
        -1,
        0,
        0,
        0,
    )


def test_inlined_fit_and_scores_agree_with_the_plain_rules() -> None:
    fit, most, balanced = NodeResourcesFit(), NodeResourcesFit(MOST_ALLOCATED), BalancedAllocation()
    shapes = [(None, None), ("100m", "128Mi"), ("1500m", "3Gi"), ("4", "8Gi"), ("5", "1Mi")]
    for (pc, pm), (uc, um), pods in itertools.product(shapes, shapes, (1, 3)):
        n = place(node(cpu="4", memory="8Gi", pods=pods), pinfo("u", uc, um))
        p = pinfo("p", pc, pm)
        assert (fit.filter({}, p, n) is None) == (insufficient(p, n) == []), (pc, pm, uc, um, pods)
        assert fit.score({}, p, n) == allocation_score(p, n)
        assert most.score({}, p, n) == allocation_score(p, n, MOST_ALLOCATED)
        assert 0 <= balanced.score({}, p, n) <= 100


def test_remembered_scores_follow_the_node_as_pods_come_and_go() -> None:
    fit, balanced = NodeResourcesFit(), BalancedAllocation()
    n = node(cpu="4", memory="8Gi")
    p = pinfo("p", "1", "1Gi")
    empty = (fit.score({}, p, n), balanced.score({}, p, n))
    assert (fit.score({}, p, n), balanced.score({}, p, n)) == empty  # answered from memory
    place(n, pinfo("u", "2", "1Gi"))
    loaded = (fit.score({}, p, n), balanced.score({}, p, n))
    assert loaded == (allocation_score(p, n), balance_score(p, n))
    assert loaded != empty
    n.remove_pod("default/u")
    assert (fit.score({}, p, n), balanced.score({}, p, n)) == empty
    n.set_node(node(cpu="8", memory="8Gi").node)  # allocatable grew
    assert fit.score({}, p, n) == allocation_score(p, n) != empty[0]
