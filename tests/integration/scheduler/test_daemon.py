"""The daemon: two leader-elected replicas never double-bind; health, metrics, profiles."""

from __future__ import annotations

import httpx

from .conftest import Cluster

LE = [
    "--leader-elect-lease-duration",
    "3s",
    "--leader-elect-renew-deadline",
    "2s",
    "--leader-elect-retry-period",
    "500ms",
]


def test_two_replicas_one_leader_no_double_binding(cluster: Cluster) -> None:
    for i in range(4):
        cluster.node(f"n{i}", cpu="2", pods=20)
    first, _ = cluster.start_scheduler(*LE, leader_elect=True)
    second, _ = cluster.start_scheduler(*LE, leader_elect=True)
    names = [f"p{i}" for i in range(40)]
    for name in names:
        cluster.pod(name, cpu="100m")
    for name in names:
        cluster.wait_bound(name)
    lease = cluster.api.get(
        "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler"
    ).json()
    assert lease["spec"]["holderIdentity"]
    # every pod was bound once: one Scheduled event each, no failed bindings
    scheduled = cluster.events("Scheduled")
    assert sorted(e["involvedObject"]["name"] for e in scheduled) == sorted(names)
    assert all(e.get("count", 1) == 1 for e in scheduled)
    assert not [e for e in cluster.events("FailedScheduling") if "Binding rejected" in e["message"]]
    # the leader stops: the standby takes over and schedules new pods
    holder = lease["spec"]["holderIdentity"]
    leader = first if str(first.pid) in holder else second
    leader.terminate()
    leader.wait(30)
    cluster.pod("after-failover", cpu="100m")
    cluster.wait_bound("after-failover", timeout=90)


def test_health_metrics_and_profiles(cluster: Cluster, tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    config = tmp_path / "scheduler.yaml"
    config.write_text(
        """
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
- schedulerName: bin-packer
  plugins:
    score:
      disabled: [{name: "*"}]
      enabled: [{name: NodeResourcesFit, weight: 1}]
  pluginConfig:
  - name: NodeResourcesFit
    args: {scoringStrategy: {type: MostAllocated}}
"""
    )
    cluster.node("small", cpu="2", memory="4Gi")
    cluster.node("large", cpu="8", memory="16Gi")
    _, port = cluster.start_scheduler("--config", str(config))
    cluster.pod("spread", cpu="500m", memory="512Mi")
    assert cluster.wait_bound("spread") == "large"  # LeastAllocated: the emptier node
    cluster.pod("packed", cpu="500m", memory="512Mi", schedulerName="bin-packer")
    assert cluster.wait_bound("packed") == "small"  # MostAllocated: the fuller node
    cluster.pod("foreign", schedulerName="someone-else")
    assert httpx.get(f"http://127.0.0.1:{port}/healthz").text == "ok"
    text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    assert 'scheduler_schedule_attempts_total{profile="bin-packer",result="scheduled"} 1.0' in text
    assert 'scheduler_pending_pods{queue="active"}' in text
    assert "scheduler_scheduling_attempt_duration_seconds_bucket" in text
    foreign = cluster.get_pod("foreign")
    assert foreign is not None and not foreign["spec"].get("nodeName")
    assert not foreign.get("status", {}).get("conditions")
