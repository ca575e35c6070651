"""The scheduler against a real API server and etcd: nodes created through the API."""

from __future__ import annotations

from .conftest import Cluster


def test_resources_fit_and_overcommit_refused(cluster: Cluster) -> None:
    cluster.node("n1", cpu="2", memory="4Gi")
    cluster.node("n2", cpu="1", memory="4Gi")
    cluster.start_scheduler()
    cluster.pod("big", cpu="1500m")
    assert cluster.wait_bound("big") == "n1"
    cluster.pod("medium", cpu="800m")
    assert cluster.wait_bound("medium") == "n2"
    cluster.pod("toobig", cpu="900m")
    cond = cluster.wait_unschedulable("toobig")
    assert cond["reason"] == "Unschedulable"
    assert cond["message"].startswith("0/2 nodes are available: 2 Insufficient cpu.")
    events = cluster.wait(
        "FailedScheduling event", lambda: cluster.events("FailedScheduling", "toobig")
    )
    assert "Insufficient cpu" in events[0]["message"]
    assert cluster.events("Scheduled", "big")


def test_pending_pod_schedules_when_node_added(cluster: Cluster) -> None:
    cluster.start_scheduler()
    cluster.pod("waiting", cpu="100m")
    cond = cluster.wait_unschedulable("waiting")
    assert cond["message"].startswith("0/0 nodes are available")
    cluster.node("late")
    assert cluster.wait_bound("waiting") == "late"


def test_node_selector_affinity_and_cordon(cluster: Cluster) -> None:
    cluster.node("ssd-a", labels={"disk": "ssd", "gen": "3"})
    cluster.node("hdd-b", labels={"disk": "hdd", "gen": "5"})
    cluster.node("cordoned", labels={"disk": "ssd", "gen": "9"}, unschedulable=True)
    cluster.node("sick", labels={"disk": "ssd", "gen": "9"}, ready=False)
    cluster.start_scheduler()
    cluster.pod("sel", nodeSelector={"disk": "ssd"})
    assert cluster.wait_bound("sel") == "ssd-a"
    required = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["4"]}]}
                ]
            }
        }
    }
    cluster.pod("aff", affinity=required)
    assert cluster.wait_bound("aff") == "hdd-b"
    cluster.pod("nowhere", nodeSelector={"disk": "nvme"})
    message = cluster.wait_unschedulable("nowhere")["message"]
    assert message == (
        "0/4 nodes are available: 1 node(s) were not ready, 1 node(s) were unschedulable, "
        "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are "
        "available: 4 Preemption is not helpful for scheduling."
    )
    preferred = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 50,
                    "preference": {
                        "matchExpressions": [{"key": "disk", "operator": "In", "values": ["hdd"]}]
                    },
                }
            ]
        }
    }
    for i in range(3):
        cluster.pod(f"pref-{i}", affinity=preferred)
        assert cluster.wait_bound(f"pref-{i}") == "hdd-b"


def test_taints_and_tolerations(cluster: Cluster) -> None:
    cluster.node("gpu", taints=[{"key": "gpu", "value": "yes", "effect": "NoSchedule"}])
    cluster.node("soft", taints=[{"key": "slow", "effect": "PreferNoSchedule"}])
    cluster.start_scheduler()
    for i in range(3):
        cluster.pod(f"plain-{i}")
        assert cluster.wait_bound(f"plain-{i}") == "soft"
    tolerations = [{"key": "gpu", "operator": "Equal", "value": "yes", "effect": "NoSchedule"}]
    cluster.pod("tolerant", tolerations=tolerations, nodeSelector={"kubernetes.io/hostname": "gpu"})
    assert cluster.wait_bound("tolerant") == "gpu"
    cluster.pod("intolerant", nodeSelector={"kubernetes.io/hostname": "gpu"})
    message = cluster.wait_unschedulable("intolerant")["message"]
    assert message.startswith(
        "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
        "1 node(s) had untolerated taint {gpu: yes}."
    )


def test_anti_affinity_spreads_replicas(cluster: Cluster) -> None:
    for i in range(3):
        cluster.node(f"z{i}")
    cluster.start_scheduler()
    anti = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app": "web"}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    for i in range(3):
        cluster.pod(f"web-{i}", labels={"app": "web"}, affinity=anti)
    nodes = {cluster.wait_bound(f"web-{i}") for i in range(3)}
    assert nodes == {"z0", "z1", "z2"}
    cluster.pod("web-3", labels={"app": "web"}, affinity=anti)
    message = cluster.wait_unschedulable("web-3")["message"]
    assert message.startswith(
        "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules."
    )
    # required affinity: goes where a web pod runs, in the same zone-less host domain
    together = {
        "podAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {
                    "labelSelector": {"matchLabels": {"app": "web"}},
                    "topologyKey": "kubernetes.io/hostname",
                }
            ]
        }
    }
    cluster.pod("cache", affinity=together)
    assert cluster.wait_bound("cache") in {"z0", "z1", "z2"}


def test_topology_spread(cluster: Cluster) -> None:
    for zone, names in (("a", ["a1", "a2"]), ("b", ["b1"])):
        for name in names:
            cluster.node(name, labels={"zone": zone})
    cluster.start_scheduler()
    spread = [
        {
            "maxSkew": 1,
            "topologyKey": "zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"app": "db"}},
        }
    ]
    zones = []
    for i in range(4):
        cluster.pod(f"db-{i}", labels={"app": "db"}, topologySpreadConstraints=spread)
        zones.append(cluster.wait_bound(f"db-{i}")[0])
    assert zones.count("a") == 2 and zones.count("b") == 2
