"""ClusterIP and NodePort allocation, stored in etcd with transactions."""

from __future__ import annotations

import concurrent.futures
import ipaddress

import httpx

from tests.manifests import manifest


def _svc(name: str, **spec: object) -> dict:
    body = manifest("services", name)
    body["spec"].update(spec)
    return body


def test_cluster_ips_are_unique_under_concurrent_creates(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/services"

    def create(i: int) -> httpx.Response:
        with httpx.Client(base_url=str(api.base_url), timeout=20) as c:
            return c.post(path, json=_svc(f"svc{i}"))

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        results = list(pool.map(create, range(50)))
    assert [r.status_code for r in results] == [201] * 50
    ips = [r.json()["spec"]["clusterIP"] for r in results]
    assert len(set(ips)) == 50
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("10.96.0.0/12") for ip in ips)
    assert all(r.json()["spec"]["clusterIPs"] == [r.json()["spec"]["clusterIP"]] for r in results)


def test_requested_cluster_ip(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/services"
    r = api.post(path, json=_svc("fixed", clusterIP="10.100.200.7"))
    assert r.status_code == 201 and r.json()["spec"]["clusterIP"] == "10.100.200.7"
    r = api.post(path, json=_svc("fixed2", clusterIP="10.100.200.7"))
    assert r.status_code == 422
    assert r.json()["details"]["causes"][0]["field"] == "spec.clusterIP"
    assert "already allocated" in r.json()["message"]
    r = api.post(path, json=_svc("outside", clusterIP="192.168.1.1"))
    assert r.status_code == 422 and "range" in r.json()["message"]
    assert api.get(f"{path}/fixed2").status_code == 404
    # Released on delete, so it can be taken again.
    assert api.delete(f"{path}/fixed").status_code == 200
    assert api.post(path, json=_svc("fixed3", clusterIP="10.100.200.7")).status_code == 201


def test_headless_service_gets_no_ip(api: httpx.Client, ns: str) -> None:
    r = api.post(f"/api/v1/namespaces/{ns}/services", json=_svc("headless", clusterIP="None"))
    assert r.status_code == 201 and r.json()["spec"]["clusterIP"] == "None"


def test_node_ports(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/services"
    r = api.post(path, json=_svc("np", type="NodePort"))
    assert r.status_code == 201, r.text
    port = r.json()["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767
    taken = _svc("np2", type="NodePort")
    taken["spec"]["ports"][0]["nodePort"] = port
    r = api.post(path, json=taken)
    assert r.status_code == 422 and "already allocated" in r.json()["message"]
    outside = _svc("np3", type="NodePort")
    outside["spec"]["ports"][0]["nodePort"] = 80
    assert api.post(path, json=outside).status_code == 422
    # Turning it back into a ClusterIP service releases the port.
    svc = api.get(f"{path}/np").json()
    svc["spec"]["type"] = "ClusterIP"
    for p in svc["spec"]["ports"]:
        p.pop("nodePort", None)
    assert api.put(f"{path}/np", json=svc).status_code == 200
    assert api.post(path, json=taken).status_code == 201


def test_cluster_ip_is_immutable(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/services"
    svc = api.post(path, json=_svc("imm")).json()
    svc["spec"]["clusterIP"] = "10.96.9.9"
    svc["spec"]["clusterIPs"] = ["10.96.9.9"]
    r = api.put(f"{path}/imm", json=svc)
    assert r.status_code == 422
    assert r.json()["details"]["causes"][0]["field"] == "spec.clusterIP"
