"""Preemption through the eviction API: only lower-priority pods go."""

from __future__ import annotations

from .conftest import Cluster


def test_preemption_evicts_only_lower_priority(cluster: Cluster) -> None:
    cluster.node("only", cpu="2")
    cluster.start_scheduler()
    cluster.pod("low", cpu="1", priority=10)
    cluster.pod("high", cpu="1", priority=1000)
    assert cluster.wait_bound("low") == "only"
    assert cluster.wait_bound("high") == "only"
    cluster.pod("urgent", cpu="1", priority=500)
    assert cluster.wait_bound("urgent") == "only"
    assert cluster.get_pod("low") is None  # evicted (grace 0, so gone at once)
    assert cluster.node_of("high") == "only"
    urgent = cluster.get_pod("urgent")
    assert urgent is not None
    assert urgent["status"].get("nominatedNodeName") == "only"
    assert cluster.events("Preempted", "low")
    # nothing lower left: the next pod stays pending and nothing is evicted
    cluster.pod("also-urgent", cpu="1", priority=500)
    message = cluster.wait_unschedulable("also-urgent")["message"]
    assert message == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod."
    )
    assert cluster.node_of("high") == "only" and cluster.node_of("urgent") == "only"
