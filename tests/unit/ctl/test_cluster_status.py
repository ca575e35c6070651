"""`mkctl cluster status` rows from what the API server answered (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from minik8s.ctl.cmd_cluster import render, status_rows

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def _cs(name: str, healthy: bool, text: str) -> dict[str, Any]:
    cond = {"type": "Healthy", "status": "True" if healthy else "False"}
    cond["message" if healthy else "error"] = text
    return {"metadata": {"name": name}, "conditions": [cond]}


def _lease(holder: str, renewed: str, duration: int = 15) -> dict[str, Any]:
    return {
        "spec": {"holderIdentity": holder, "renewTime": renewed, "leaseDurationSeconds": duration}
    }


def _node(name: str, ready: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {},
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": ready,
                    "lastHeartbeatTime": "2026-01-01T11:59:00Z",
                    "message": "kubelet stopped posting node status" if ready != "True" else "",
                }
            ],
            "nodeInfo": {"kubeletVersion": "v1.32.0-minik8s"},
        },
    }


def _rows(**changes: Any) -> list[Any]:
    args: dict[str, Any] = {
        "server": "http://127.0.0.1:6443",
        "ready": (True, ""),
        "version": {"gitVersion": "v1.32.0-minik8s"},
        "components": [
            _cs("scheduler", True, "ok"),
            _cs("controller-manager", True, "ok"),
            _cs("etcd-0", True, '{"health":"true"}'),
        ],
        "leader_leases": {
            "scheduler": _lease("vm_1", "2026-01-01T11:59:58.000000Z"),
            "controller-manager": None,
        },
        "nodes": [_node("vm", "True")],
        "node_leases": {"vm": _lease("vm", "2026-01-01T11:59:55.000000Z", 40)},
        "now": NOW,
    }
    args.update(changes)
    return status_rows(**args)


def test_a_healthy_cluster() -> None:
    rows = _rows()
    assert all(r.healthy for r in rows)
    by = {r.component: r for r in rows}
    assert by["apiserver"].details == "http://127.0.0.1:6443, v1.32.0-minik8s"
    assert by["scheduler"].details == "ok; leader vm_1 (renewed 2s ago)"
    assert by["controller-manager"].details == "ok; no leader lease"
    node = by["node/vm (kubelet)"]
    assert node.status == "Ready"
    assert "heartbeat 5s ago" in node.details  # the node Lease, fresher than the status


def test_a_stopped_scheduler_and_a_lost_node_are_unhealthy() -> None:
    rows = _rows(
        components=[_cs("scheduler", False, 'Get "http://127.0.0.1:10259/healthz": refused')],
        leader_leases={"scheduler": _lease("vm_1", "2026-01-01T11:59:00Z")},
        nodes=[_node("vm", "Unknown")],
        node_leases={"vm": None},
    )
    bad = {r.component: r for r in rows if not r.healthy}
    assert set(bad) == {"scheduler", "node/vm (kubelet)"}
    assert bad["scheduler"].status == "Unhealthy"
    assert bad["scheduler"].details.endswith("(renewed 60s ago), lease expired")
    assert bad["node/vm (kubelet)"].status == "Unknown"
    assert "heartbeat 60s ago" in bad["node/vm (kubelet)"].details


def test_no_nodes_and_an_unready_api_server() -> None:
    rows = _rows(ready=(False, "etcd failed"), nodes=[], components=None)
    bad = [r.component for r in rows if not r.healthy]
    assert bad == ["apiserver", "componentstatuses", "nodes"]


def test_render_aligns_columns() -> None:
    lines = render(_rows())
    assert lines[0].split() == ["COMPONENT", "STATUS", "DETAILS"]
    assert lines[1].index("Healthy") == lines[0].index("STATUS")


def test_dns_row() -> None:
    assert all(r.component != "dns" for r in _rows())  # no add-on: no row
    service = {"spec": {"clusterIP": "10.96.0.10"}}
    deployment = {"spec": {"replicas": 2}}
    endpoints = {
        "subsets": [
            {"addresses": [{"ip": "10.244.1.3", "nodeName": "node1"}, {"ip": "10.244.2.4"}]}
        ]
    }
    row = _rows(dns=(service, endpoints, deployment))[-1]
    assert (row.component, row.status, row.healthy) == ("dns", "Healthy", True)
    assert row.details == "kube-dns 10.96.0.10: 2/2 ready (10.244.1.3 on node1, 10.244.2.4)"
    down = _rows(dns=(service, {"subsets": []}, deployment))[-1]
    assert (down.status, down.healthy) == ("Unhealthy", False)
    assert down.details == "kube-dns 10.96.0.10: 0/2 ready; names do not resolve"
