"""Objects the API server owns: system namespaces, system PriorityClasses, the `kubernetes`
Service and its Endpoints, kept in place against deletes through the API and straight
from etcd."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from apiserver.main import advertise_address
from minik8s.cluster import processes
from tests.conftest import APIServerProcess, EtcdProcess

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
SERVICE = "/api/v1/namespaces/default/services/kubernetes"
ENDPOINTS = "/api/v1/namespaces/default/endpoints/kubernetes"
MERGE = {"Content-Type": "application/merge-patch+json"}


def eventually(cond: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = cond()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def etcd_delete(etcd: EtcdProcess, key: str) -> None:
    out = subprocess.run(
        ["etcdctl", f"--endpoints={etcd.url}", "del", key],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "1", f"{key} was not in etcd: {out!r}"


def exists(api: httpx.Client, path: str) -> bool:
    return api.get(path).status_code == 200


@pytest.mark.parametrize("name", SYSTEM_NAMESPACES)
def test_system_namespaces_cannot_be_deleted(api: httpx.Client, name: str) -> None:
    before = api.get(f"/api/v1/namespaces/{name}").json()
    r = api.delete(f"/api/v1/namespaces/{name}")
    assert r.status_code == 403, r.text
    status = r.json()
    assert status["kind"] == "Status" and status["reason"] == "Forbidden"
    refusal = f'namespaces "{name}" is forbidden: this namespace may not be deleted'
    assert status["message"] == refusal
    assert status["details"] == {"name": name, "kind": "namespaces"}
    after = api.get(f"/api/v1/namespaces/{name}").json()
    assert after == before  # not even marked for deletion


def test_system_priority_classes_cannot_be_deleted(api: httpx.Client) -> None:
    r = api.delete("/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical")
    assert r.status_code == 403, r.text
    assert "this is a system priority class and cannot be deleted" in r.json()["message"]


def test_deleting_a_namespace_collection_spares_the_system_ones(api: httpx.Client) -> None:
    r = api.delete("/api/v1/namespaces", params={"fieldSelector": "metadata.name=kube-public"})
    assert r.status_code == 403 and "may not be deleted" in r.json()["message"]
    assert not api.get("/api/v1/namespaces/kube-public").json()["metadata"].get("deletionTimestamp")


@pytest.mark.parametrize(
    "key",
    [
        "/registry/namespaces/kube-public",
        "/registry/namespaces/kube-node-lease",
        "/registry/priorityclasses/system-cluster-critical",
    ],
)
def test_system_objects_deleted_from_etcd_come_back(
    api: httpx.Client, etcd: EtcdProcess, key: str
) -> None:
    path = {
        "namespaces": "/api/v1/namespaces/",
        "priorityclasses": "/apis/scheduling.k8s.io/v1/priorityclasses/",
    }[key.split("/")[2]] + key.rsplit("/", 1)[1]
    old_uid = api.get(path).json()["metadata"]["uid"]
    etcd_delete(etcd, key)
    back = eventually(
        lambda: (
            (r := api.get(path)).status_code == 200
            and r.json()["metadata"]["uid"] != old_uid
            and r.json()
        ),
        f"{path} to be re-created",
    )
    assert back["metadata"]["name"] == key.rsplit("/", 1)[1]


def test_the_kubernetes_service(api: httpx.Client, apiserver: APIServerProcess) -> None:
    svc = eventually(lambda: (r := api.get(SERVICE)).status_code == 200 and r.json(), SERVICE)
    spec = svc["spec"]
    assert spec["clusterIP"] == "10.96.0.1"
    assert spec["type"] == "ClusterIP"
    assert "selector" not in spec
    [port] = spec["ports"]
    assert (port["name"], port["port"], port["protocol"]) == ("https", 443, "TCP")
    assert isinstance(port["targetPort"], int)
    assert svc["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}

    # The Endpoints list this server (its advertised address and port).
    me = advertise_address(["127.0.0.1"])

    def listed() -> bool:
        for subset in api.get(ENDPOINTS).json().get("subsets") or []:
            if subset["ports"][0]["port"] == apiserver.port:
                return me in [a["ip"] for a in subset["addresses"]]
        return False

    eventually(listed, "this API server in the kubernetes Endpoints")
    lease = api.get(
        "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases",
        params={"labelSelector": "apiserver.kubernetes.io/identity=kube-apiserver"},
    ).json()["items"]
    ports = {int(x["metadata"]["annotations"]["apiserver.minik8s.io/port"]) for x in lease}
    assert apiserver.port in ports


def test_the_kubernetes_service_is_repaired(api: httpx.Client, etcd: EtcdProcess) -> None:
    eventually(lambda: exists(api, SERVICE), SERVICE)
    # A changed port is put back.
    r = api.patch(
        SERVICE,
        json={"spec": {"ports": [{"name": "https", "port": 8443, "targetPort": 1}]}},
        headers=MERGE,
    )
    assert r.status_code == 200, r.text

    def repaired() -> bool:
        [port] = api.get(SERVICE).json()["spec"]["ports"]
        return port["port"] == 443 and port["targetPort"] != 1

    eventually(repaired, "the port to be put back")
    # Deleted through the API: it comes back with the same address.
    uid = api.get(SERVICE).json()["metadata"]["uid"]
    assert api.delete(SERVICE).status_code == 200

    def recreated() -> bool:
        r = api.get(SERVICE)
        return r.status_code == 200 and r.json()["metadata"]["uid"] != uid

    eventually(recreated, "the Service to be re-created")
    assert api.get(SERVICE).json()["spec"]["clusterIP"] == "10.96.0.1"
    # Deleted from etcd, Endpoints included.
    uid = api.get(SERVICE).json()["metadata"]["uid"]
    etcd_delete(etcd, "/registry/endpoints/default/kubernetes")
    etcd_delete(etcd, "/registry/services/default/kubernetes")
    eventually(recreated, "the Service to be re-created after an etcd delete")
    eventually(lambda: exists(api, ENDPOINTS), "the Endpoints to be re-created")


def test_two_api_servers_share_the_endpoints_and_leave_them(
    etcd: EtcdProcess, apiserver: APIServerProcess, tmp_path: Path
) -> None:
    port = processes.free_port()
    other = APIServerProcess(
        f"http://127.0.0.1:{port}",
        port,
        etcd.url,
        tmp_path / "other.log",
        # Advertised only (nothing is sent there): an address Endpoints accept.
        ["--advertise-address", "10.250.254.99"],
    )
    other.start()
    try:
        with httpx.Client(base_url=apiserver.url, timeout=10) as api:

            def addresses() -> set[tuple[str, int]]:
                subsets = api.get(ENDPOINTS).json().get("subsets") or []
                return {(a["ip"], s["ports"][0]["port"]) for s in subsets for a in s["addresses"]}

            eventually(lambda: ("10.250.254.99", port) in addresses(), "the second server")
            assert any(p == apiserver.port for _, p in addresses())
            other.stop()
            # A clean stop takes the server out at once (its Lease is deleted).
            eventually(lambda: ("10.250.254.99", port) not in addresses(), "the server to leave")
            # The Service never points at a server that left.
            eventually(
                lambda: api.get(SERVICE).json()["spec"]["ports"][0]["targetPort"] != port,
                "the Service to point at a live server",
            )
    finally:
        other.stop()
