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


def test_a_never_preempting_class_waits_instead(cluster: Cluster) -> None:
    cluster.node("only", cpu="1")
    cluster.start_scheduler()
    cluster.pod("low", cpu="1", priority=10)
    assert cluster.wait_bound("low") == "only"
    klass = {"metadata": {"name": "polite"}, "value": 900, "preemptionPolicy": "Never"}
    r = cluster.api.post("/apis/scheduling.k8s.io/v1/priorityclasses", json=klass)
    assert r.status_code == 201, r.text
    body = {
        "metadata": {"name": "polite-pod"},
        "spec": {
            "priorityClassName": "polite",
            "containers": [
                {
                    "name": "c",
                    "image": "minik8s/pause:latest",
                    "resources": {"requests": {"cpu": "1"}},
                }
            ],
        },
    }
    r = cluster.api.post(f"/api/v1/namespaces/{cluster.ns}/pods", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["spec"]["priority"] == 900
    assert r.json()["spec"]["preemptionPolicy"] == "Never"
    message = cluster.wait_unschedulable("polite-pod")["message"]
    assert "preemptionPolicy=Never" in message
    assert cluster.node_of("low") == "only"  # nobody was evicted for it
