"""The pure parts of the bootstrap loop: the Service's repair and the Endpoints."""

from __future__ import annotations

from apiserver.bootstrap import (
    ADDRESS_ANNOTATION,
    PORT_ANNOTATION,
    desired_service,
    endpoint_subsets,
    first_address,
    lease_name,
    live_endpoints,
    repaired_service,
)
from minik8s.api.times import rfc3339


def lease(address: str, port: int, renewed: float, duration: int = 15) -> dict:
    return {
        "metadata": {
            "name": lease_name("h", address, port),
            "annotations": {ADDRESS_ANNOTATION: address, PORT_ANNOTATION: str(port)},
        },
        "spec": {"renewTime": rfc3339(renewed, micro=True), "leaseDurationSeconds": duration},
    }


def test_first_address_of_the_service_range() -> None:
    assert first_address("10.96.0.0/12") == "10.96.0.1"
    assert first_address("fd00:10:96::/108") == "fd00:10:96::1"


def test_lease_names_are_stable_and_distinct() -> None:
    assert lease_name("h", "10.0.0.1", 6443) == lease_name("h", "10.0.0.1", 6443)
    assert lease_name("h", "10.0.0.1", 6443) != lease_name("h", "10.0.0.1", 6444)
    assert lease_name("h", "10.0.0.1", 6443).startswith("apiserver-")


def test_endpoints_from_unexpired_usable_leases() -> None:
    now = 1_000_000.0
    leases = [
        lease("10.0.0.2", 6443, now - 5),
        lease("10.0.0.1", 6443, now - 1),
        lease("10.0.0.3", 7443, now - 1),
        lease("10.0.0.9", 6443, now - 16),  # expired
        lease("127.0.0.1", 6443, now),  # loopback: Endpoints refuse it
        {"metadata": {"name": "x"}, "spec": {}},  # unreadable
    ]
    live = live_endpoints(leases, now)
    assert live == [("10.0.0.1", 6443), ("10.0.0.2", 6443), ("10.0.0.3", 7443)]
    assert endpoint_subsets(live) == [
        {
            "addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
        },
        {
            "addresses": [{"ip": "10.0.0.3"}],
            "ports": [{"name": "https", "port": 7443, "protocol": "TCP"}],
        },
    ]


def test_the_service_is_repaired_but_never_fought_over() -> None:
    svc = desired_service("10.96.0.1", 6443)
    assert repaired_service(svc, {6443}, 6443) is None
    # another live server's port is kept
    assert repaired_service(svc, {6443, 7443}, 7443) is None
    # a dead server's port is replaced by ours
    fixed = repaired_service(svc, {7443}, 7443)
    assert fixed is not None and fixed["spec"]["ports"][0]["targetPort"] == 7443
    # a changed port, type or selector is put back
    changed = desired_service("10.96.0.1", 6443)
    changed["spec"]["ports"][0]["port"] = 8443
    changed["spec"]["selector"] = {"app": "x"}
    changed["spec"]["type"] = "NodePort"
    changed["spec"]["ports"][0]["nodePort"] = 30001
    fixed = repaired_service(changed, {6443}, 6443)
    assert fixed is not None
    assert fixed["spec"]["ports"] == [
        {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}
    ]
    assert fixed["spec"]["type"] == "ClusterIP" and "selector" not in fixed["spec"]
    assert changed["spec"]["selector"] == {"app": "x"}  # the input is left alone
