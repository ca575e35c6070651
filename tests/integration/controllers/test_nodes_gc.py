"""Garbage collection in its three modes, Node IPAM, node lifecycle, leader election."""

from __future__ import annotations

import ipaddress
import time
import uuid
from pathlib import Path

import httpx
import pytest

from minik8s.cluster import processes
from tests.integration.controllers.conftest import (
    ControllerManager,
    Obj,
    patch,
    wait_for,
)

pytestmark = pytest.mark.integration
MERGE = {"Content-Type": "application/merge-patch+json"}


def rs_body(name: str, replicas: int) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
        },
    }


def pods_of(api: httpx.Client, ns: str, app: str) -> list[Obj]:
    return list(
        api.get(f"/api/v1/namespaces/{ns}/pods", params={"labelSelector": f"app={app}"}).json()[
            "items"
        ]
    )


@pytest.mark.parametrize("policy", ["Background", "Foreground", "Orphan"])
def test_cascading_delete(
    api: httpx.Client, ns: str, controller_manager: ControllerManager, policy: str
) -> None:
    base = f"/apis/apps/v1/namespaces/{ns}/replicasets"
    assert api.post(base, json=rs_body("gc", 3)).status_code == 201
    wait_for(lambda: len(pods_of(api, ns, "gc")) == 3, "3 pods")
    r = api.request("DELETE", f"{base}/gc", json={"propagationPolicy": policy})
    assert r.status_code in (200, 202), r.text
    if policy == "Orphan":
        wait_for(lambda: api.get(f"{base}/gc").status_code == 404, "the ReplicaSet gone")
        pods = wait_for(
            lambda: (
                (p := pods_of(api, ns, "gc"))
                and all(not x["metadata"].get("ownerReferences") for x in p)
                and p
            ),
            "orphaned pods",
        )
        assert len(pods) == 3
        return
    if policy == "Foreground":
        # the owner stays (with its finalizer) until its dependents are gone
        assert "foregroundDeletion" in r.json()["metadata"].get("finalizers", [])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            pods = pods_of(api, ns, "gc")  # read the pods first, then the owner
            if api.get(f"{base}/gc").status_code == 404:
                assert not pods, "the owner went before its dependents"
                break
            time.sleep(0.05)
    wait_for(lambda: api.get(f"{base}/gc").status_code == 404, "the ReplicaSet gone")
    wait_for(lambda: not pods_of(api, ns, "gc"), "its pods gone")


def node(name: str) -> Obj:
    return {"metadata": {"name": name, "labels": {"test": "controllers"}}}


def lease(name: str) -> Obj:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
    return {
        "metadata": {"name": name},
        "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": now},
    }


def test_node_ipam_gives_unique_cidrs(
    api: httpx.Client, controller_manager: ControllerManager
) -> None:
    names = [f"ipam-{uuid.uuid4().hex[:6]}-{i}" for i in range(4)]
    for n in names:
        assert api.post("/api/v1/nodes", json=node(n)).status_code == 201
    try:
        cidrs = wait_for(
            lambda: (
                all(
                    c := [
                        api.get(f"/api/v1/nodes/{n}").json()["spec"].get("podCIDR") for n in names
                    ]
                )
                and c
            ),
            "podCIDRs",
        )
        assert len(set(cidrs)) == 4
        for c in cidrs:
            net = ipaddress.IPv4Network(c)
            assert net.prefixlen == 24 and net.subnet_of(ipaddress.IPv4Network("10.244.0.0/16"))
        # a deleted node's CIDR is free again; a new node never gets one in use
        api.delete(f"/api/v1/nodes/{names[0]}")
        wait_for(lambda: api.get(f"/api/v1/nodes/{names[0]}").status_code == 404, "node gone")
        again = f"ipam-{uuid.uuid4().hex[:6]}-x"
        names.append(again)
        api.post("/api/v1/nodes", json=node(again))
        fresh = wait_for(
            lambda: api.get(f"/api/v1/nodes/{again}").json()["spec"].get("podCIDR"),
            "a podCIDR for the new node",
        )
        assert fresh not in cidrs[1:]
    finally:
        for n in names:
            api.delete(f"/api/v1/nodes/{n}")


def test_node_lease_expiry_taints_and_evicts(
    api: httpx.Client, ns: str, controller_manager: ControllerManager
) -> None:
    name = f"lost-{uuid.uuid4().hex[:6]}"
    assert api.post("/api/v1/nodes", json=node(name)).status_code == 201
    leases = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
    assert api.post(leases, json=lease(name)).status_code == 201
    try:
        # the API server answers 409 to a patch that races another write (Node IPAM's
        # podCIDR patch here) instead of retrying it itself: retry, bounded
        ready = {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]}
        for _ in range(20):
            r = patch(api, f"/api/v1/nodes/{name}/status", headers=MERGE, json={"status": ready})
            if r.status_code != 409:
                break
        assert r.status_code == 200, r.text
        rs = rs_body("evict", 2)
        rs["spec"]["template"]["spec"]["nodeName"] = name  # pods "running" on the node
        patient = {
            "metadata": {"name": "patient", "labels": {"app": "patient"}},
            "spec": {
                "nodeName": name,
                "containers": [{"name": "c", "image": "i"}],
                "tolerations": [
                    {
                        "key": "node.kubernetes.io/unreachable",
                        "operator": "Exists",
                        "effect": "NoExecute",
                    }
                ],
            },
        }
        assert api.post(f"/api/v1/namespaces/{ns}/pods", json=patient).status_code == 201
        assert api.post(f"/apis/apps/v1/namespaces/{ns}/replicasets", json=rs).status_code == 201
        first = wait_for(lambda: (p := pods_of(api, ns, "evict")) and len(p) == 2 and p, "pods")
        first_names = {p["metadata"]["name"] for p in first}
        for p in [*first, api.get(f"/api/v1/namespaces/{ns}/pods/patient").json()]:
            patch(
                api,
                f"/api/v1/namespaces/{ns}/pods/{p['metadata']['name']}/status",
                headers=MERGE,
                json={
                    "status": {
                        "phase": "Running",
                        "conditions": [{"type": "Ready", "status": "True"}],
                    }
                },
            )

        # the lease is never renewed: after the grace period the node is unreachable
        def tainted() -> bool:
            n = api.get(f"/api/v1/nodes/{name}").json()
            keys = {(t["key"], t["effect"]) for t in n["spec"].get("taints") or []}
            conds = (n.get("status") or {}).get("conditions") or []
            ready: Obj = next((c for c in conds if c["type"] == "Ready"), {})
            return ready.get("status") == "Unknown" and keys >= {
                ("node.kubernetes.io/unreachable", "NoSchedule"),
                ("node.kubernetes.io/unreachable", "NoExecute"),
            }

        wait_for(tainted, "Ready=Unknown and the unreachable taints", 30)
        patient_pod = api.get(f"/api/v1/namespaces/{ns}/pods/patient").json()
        ready = next(c for c in patient_pod["status"]["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "False"

        # after the (lab) toleration seconds the pods are evicted and replaced
        def replaced() -> bool:
            live = [
                p for p in pods_of(api, ns, "evict") if not p["metadata"].get("deletionTimestamp")
            ]
            return len(live) == 2 and not ({p["metadata"]["name"] for p in live} & first_names)

        wait_for(replaced, "replacement pods", 30)
        # the pod that tolerates the taint for ever stays
        assert (
            not api.get(f"/api/v1/namespaces/{ns}/pods/patient")
            .json()["metadata"]
            .get("deletionTimestamp")
        )
        # the kubelet comes back: the lease is renewed, the taints go
        current = api.get(f"{leases}/{name}").json()
        current["spec"]["renewTime"] = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
        assert api.put(f"{leases}/{name}", json=current).status_code == 200
        wait_for(
            lambda: (
                not [
                    t
                    for t in api.get(f"/api/v1/nodes/{name}").json()["spec"].get("taints") or []
                    if t["key"] == "node.kubernetes.io/unreachable"
                ]
            ),
            "taints removed",
            30,
        )
    finally:
        api.delete(f"/api/v1/nodes/{name}")
        api.delete(f"{leases}/{name}")


def test_two_replicas_never_both_act(tmp_path: Path) -> None:
    """Two managers on a cluster of their own: only the holder acts; the standby takes over."""
    etcd_port, peer = processes.free_port(), processes.free_port()
    etcd = processes.start_etcd(tmp_path / "etcd", etcd_port, peer, tmp_path / "etcd.log")
    port = processes.free_port()
    server = processes.start_apiserver(
        f"http://127.0.0.1:{etcd_port}", port, tmp_path / "apiserver.log"
    )
    url = f"http://127.0.0.1:{port}"
    # generous lease timings so a loaded machine does not make the leadership flap; the
    # leader releases the Lease when stopped, so the standby still takes over at once
    flags = [
        "--controllers",
        "replicaset",
        "--leader-elect-lease-duration",
        "15s",
        "--leader-elect-renew-deadline",
        "10s",
        "--leader-elect-retry-period",
        "0.5s",
    ]
    managers = [ControllerManager(url, tmp_path / f"cm-{i}.log", flags) for i in range(2)]
    lease_path = (
        "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager"
    )
    api = httpx.Client(base_url=url, timeout=10)
    try:
        for m in managers:
            wait_for(m.ready, "a controller manager", 30)
        holder = wait_for(
            lambda: (
                api.get(lease_path).status_code == 200
                and api.get(lease_path).json()["spec"].get("holderIdentity")
            ),
            "a leader",
        )
        base = "/apis/apps/v1/namespaces/default/replicasets"
        api.post(base, json=rs_body("pair", 5))
        wait_for(lambda: len(pods_of(api, "default", "pair")) == 5, "5 pods")
        deadline = time.monotonic() + 2  # a double create would show as more than 5 pods
        while time.monotonic() < deadline:
            assert len(pods_of(api, "default", "pair")) == 5
            time.sleep(0.1)
        pid = holder.rsplit("_", 2)[-2]
        leader = next(m for m in managers if str(m.proc.pid) == pid)
        standby = next(m for m in managers if m is not leader)
        assert "caches synced" in leader.log.read_text()
        assert "caches synced" not in standby.log.read_text()
        leader.stop()
        wait_for(
            lambda: api.get(lease_path).json()["spec"].get("holderIdentity") not in (holder, ""),
            "a new leader",
            30,
        )
        patch(api, f"{base}/pair", json={"spec": {"replicas": 2}}, headers=MERGE)
        wait_for(lambda: len(pods_of(api, "default", "pair")) == 2, "the standby scales down")
        # someone else takes the Lease: the leader stops acting at its next renewal, stands
        # by, and leads again once the thief's Lease has stood unrenewed for its duration
        lease = api.get(lease_path).json()
        lease["spec"].update(holderIdentity="thief", leaseDurationSeconds=6)
        assert api.put(lease_path, json=lease).status_code == 200
        wait_for(lambda: "leadership lost" in standby.log.read_text(), "the leader to stand by")
        patch(api, f"{base}/pair", json={"spec": {"replicas": 3}}, headers=MERGE)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:  # nobody leads: nothing acts
            assert len(pods_of(api, "default", "pair")) == 2
            time.sleep(0.1)
        wait_for(lambda: len(pods_of(api, "default", "pair")) == 3, "a new term scales up", 60)
        assert api.get(lease_path).json()["spec"]["holderIdentity"] != "thief"
    finally:
        api.close()
        for m in managers:
            m.stop()
        processes.stop(server)
        processes.stop(etcd)
