"""The zone's records from Services, Endpoints and Pods, and lookups (pure)."""

from __future__ import annotations

from typing import Any

from dns.records import AAAA, CNAME, NXDOMAIN, PTR, SRV, TXT, A, Srv, Zone, dashed, undashed

Obj = dict[str, Any]
Z = "cluster.local"


def _svc(name: str, ns: str = "shop", **spec: Any) -> Obj:
    return {"metadata": {"name": name, "namespace": ns}, "spec": spec}


def _data(zone: Zone, name: str, qtype: int) -> list[Any]:
    return [r.data for r in zone.lookup(name, qtype).answers]


def test_cluster_ip_service() -> None:
    zone = Zone(Z)
    ports = [{"name": "http", "port": 80, "protocol": "TCP"}, {"port": 9000}]
    svc = _svc(
        "web", clusterIP="10.96.0.20", clusterIPs=["10.96.0.20", "fd00:10:96::20"], ports=ports
    )
    assert zone.set_service(svc, None)
    assert not zone.set_service(svc, None)  # unchanged: no new generation
    assert _data(zone, "web.shop.svc.cluster.local", A) == ["10.96.0.20"]
    assert _data(zone, "WEB.shop.svc.cluster.local.", AAAA) == ["fd00:10:96::20"]
    assert _data(zone, "_http._tcp.web.shop.svc.cluster.local", SRV) == [
        Srv(0, 100, 80, "web.shop.svc.cluster.local")
    ]
    assert _data(zone, "20.0.96.10.in-addr.arpa", PTR) == ["web.shop.svc.cluster.local"]
    # existing name, other type: NOERROR without data; empty non-terminals too
    assert zone.lookup("web.shop.svc.cluster.local", TXT).rcode == 0
    assert zone.lookup("shop.svc.cluster.local", A).rcode == 0
    assert zone.lookup("other.shop.svc.cluster.local", A).rcode == NXDOMAIN
    generation = zone.generation
    assert zone.remove_service("shop", "web") and zone.generation > generation
    assert zone.lookup("web.shop.svc.cluster.local", A).rcode == NXDOMAIN
    assert zone.lookup("shop.svc.cluster.local", A).rcode == NXDOMAIN
    assert not zone.has_ptr("20.0.96.10.in-addr.arpa")


def test_headless_service() -> None:
    zone = Zone(Z)
    svc = _svc("db", clusterIP="None")
    zone.set_service(svc, None)
    assert zone.lookup("db.shop.svc.cluster.local", A).rcode == NXDOMAIN  # nothing ready
    endpoints = {
        "subsets": [
            {
                "addresses": [{"ip": "10.244.1.5", "hostname": "db-0"}, {"ip": "10.244.2.6"}],
                "notReadyAddresses": [{"ip": "10.244.3.7", "hostname": "db-2"}],
                "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}],
            }
        ]
    }
    zone.set_service(svc, endpoints)
    assert _data(zone, "db.shop.svc.cluster.local", A) == ["10.244.1.5", "10.244.2.6"]
    assert _data(zone, "db-0.db.shop.svc.cluster.local", A) == ["10.244.1.5"]
    assert _data(zone, "10-244-2-6.db.shop.svc.cluster.local", A) == ["10.244.2.6"]
    assert zone.lookup("db-2.db.shop.svc.cluster.local", A).rcode == NXDOMAIN
    srv = zone.lookup("_pg._tcp.db.shop.svc.cluster.local", SRV)
    assert [s.data.target for s in srv.answers] == [
        "db-0.db.shop.svc.cluster.local",
        "10-244-2-6.db.shop.svc.cluster.local",
    ]
    assert {s.data.weight for s in srv.answers} == {50}
    assert sorted(r.data for r in srv.additional) == ["10.244.1.5", "10.244.2.6"]
    published = _svc("db", clusterIP="None", publishNotReadyAddresses=True)
    zone.set_service(published, endpoints)
    assert _data(zone, "db-2.db.shop.svc.cluster.local", A) == ["10.244.3.7"]


def test_external_name_and_cname_chasing() -> None:
    zone = Zone(Z)
    zone.set_service(_svc("web", clusterIP="10.96.0.20"), None)
    zone.set_service(
        _svc("alias", type="ExternalName", externalName="web.shop.svc.cluster.local."), None
    )
    zone.set_service(_svc("out", type="ExternalName", externalName="www.example.org"), None)
    answer = zone.lookup("alias.shop.svc.cluster.local", A).answers
    assert [(r.rtype, r.data) for r in answer] == [
        (CNAME, "web.shop.svc.cluster.local"),
        (A, "10.96.0.20"),
    ]
    assert _data(zone, "out.shop.svc.cluster.local", A) == ["www.example.org"]


def test_pods_dns_version_and_apex() -> None:
    zone = Zone(Z)
    assert zone.lookup("10-244-1-5.shop.pod.cluster.local", A).rcode == NXDOMAIN
    zone.add_pod_ip("shop", "10.244.1.5")
    assert _data(zone, "10-244-1-5.shop.pod.cluster.local", A) == ["10.244.1.5"]
    assert zone.lookup("10-244-1-5.other.pod.cluster.local", A).rcode == NXDOMAIN
    zone.remove_pod_ip("shop", "10.244.1.5")
    assert zone.lookup("10-244-1-5.shop.pod.cluster.local", A).rcode == NXDOMAIN
    insecure = Zone(Z, pods="insecure")
    assert _data(insecure, "10-1-2-3.any.pod.cluster.local", A) == ["10.1.2.3"]
    assert _data(zone, "dns-version.cluster.local", TXT) == ["1.1.0"]
    assert zone.lookup("cluster.local", A).rcode == 0
    assert dashed("fd00::1") == "fd00--1" and undashed("fd00--1") == "fd00::1"
    assert undashed("not-an-ip") is None


def test_other_domain() -> None:
    zone = Zone("corp.internal")
    zone.set_service(_svc("web", clusterIP="10.96.0.20"), None)
    assert _data(zone, "web.shop.svc.corp.internal", A) == ["10.96.0.20"]
    assert not zone.in_zone("web.shop.svc.cluster.local")
