"""Golden files for the rendered rules; regenerate with MINIK8S_UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from proxy import render
from proxy.proxier import pod_routes

GOLDEN = Path(__file__).parent / "golden"
CONFIG = render.ProxyConfig(
    node_name="node-a", cluster_cidr="10.244.0.0/16", service_cidr="10.96.0.0/12"
)


def svc(name: str, ip: str, ports: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"namespace": "default", "name": name},
        "spec": {"clusterIP": ip, "ports": ports, "type": "ClusterIP", **spec},
    }


def eps(name: str, addrs: list[tuple[str, str]], ports: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metadata": {"namespace": "default", "name": name},
        "subsets": [{"addresses": [{"ip": ip, "nodeName": n} for ip, n in addrs], "ports": ports}],
    }


WEB = svc("web", "10.96.0.10", [{"name": "http", "port": 80, "protocol": "TCP"}])
WEB_EPS = eps(
    "web",
    [("10.244.1.5", "node-a"), ("10.244.2.7", "node-b"), ("10.244.1.6", "node-a")],
    [{"name": "http", "port": 8080, "protocol": "TCP"}],
)

CASES: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {
    "clusterip": (
        [WEB, svc("dns", "10.96.0.53", [{"name": "dns", "port": 53, "protocol": "UDP"}])],
        [
            WEB_EPS,
            eps(
                "dns",
                [("10.244.2.9", "node-b")],
                [{"name": "dns", "port": 5353, "protocol": "UDP"}],
            ),
        ],
    ),
    "nodeport": (
        [
            svc("np", "10.96.0.20", [{"port": 80, "nodePort": 30080}], type="NodePort"),
            svc(
                "local",
                "10.96.0.21",
                [{"port": 80, "nodePort": 30081}],
                type="NodePort",
                externalTrafficPolicy="Local",
            ),
            svc(
                "nolocal",
                "10.96.0.22",
                [{"port": 80, "nodePort": 30082}],
                type="NodePort",
                externalTrafficPolicy="Local",
            ),
        ],
        [
            eps("np", [("10.244.1.5", "node-a"), ("10.244.2.7", "node-b")], [{"port": 8080}]),
            eps("local", [("10.244.1.5", "node-a"), ("10.244.2.7", "node-b")], [{"port": 8080}]),
            eps("nolocal", [("10.244.2.7", "node-b")], [{"port": 8080}]),
        ],
    ),
    "affinity": (
        [
            svc(
                "sticky",
                "10.96.0.30",
                [{"port": 80}],
                sessionAffinity="ClientIP",
                sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}},
            )
        ],
        [eps("sticky", [("10.244.1.5", "node-a"), ("10.244.1.6", "node-a")], [{"port": 8080}])],
    ),
    "no_endpoints": (
        [
            svc("empty", "10.96.0.40", [{"port": 80, "nodePort": 30090}], type="NodePort"),
            svc("none", "10.96.0.41", [{"port": 80}]),
        ],
        [eps("none", [], [{"port": 8080}])],
    ),
    "hairpin": ([WEB], [WEB_EPS]),
    "skipped": (
        [
            svc("headless", "None", [{"port": 80}]),
            svc("ext", "", [{"port": 80}], type="ExternalName"),
        ],
        [],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    services, endpoints = CASES[case]
    nat, flt = render.render(services, endpoints, [], CONFIG)
    text = nat + flt
    path = GOLDEN / f"{case}.rules"
    if os.environ.get("MINIK8S_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_spread_probabilities_even() -> None:
    nat, _ = render.render([WEB], [WEB_EPS], [], CONFIG)
    probs = [
        float(line.split("--probability ")[1].split()[0])
        for line in nat.splitlines()
        if "--probability" in line
    ]
    assert probs == pytest.approx([1 / 3, 1 / 2])


def test_hairpin_masquerades_own_endpoint() -> None:
    nat, _ = render.render([WEB], [WEB_EPS], [], CONFIG)
    sep = render.sep_chain(
        render.service_ports([WEB], [WEB_EPS])[0], render.Endpoint("10.244.1.5", 8080, "node-a")
    )
    assert f"-A {sep} -s 10.244.1.5/32" in nat
    assert "-j KUBE-MARK-MASQ" in nat


def test_chain_names_stable_and_short() -> None:
    sp = render.service_ports([WEB], [WEB_EPS])[0]
    names = [render.svc_chain(sp), render.ext_chain(sp), render.svl_chain(sp)]
    names += [render.sep_chain(sp, ep) for ep in sp.endpoints]
    assert all(len(n) < 28 for n in names)
    assert len(set(names)) == len(names)
    assert render.svc_chain(sp) == render.svc_chain(render.service_ports([WEB], [WEB_EPS])[0])
    long = svc("x" * 63, "10.96.0.9", [{"name": "y" * 15, "port": 1}])
    assert len(render.svc_chain(render.service_ports([long], [])[0])) < 28


def test_stale_chains_removed_but_not_others() -> None:
    nat, _ = render.render([WEB], [WEB_EPS], [], CONFIG)
    text = render.with_stale_removed(nat, {"KUBE-SVC-OLD", "DOCKER", "KUBE-SERVICES"})
    assert ":KUBE-SVC-OLD - [0:0]" in text and "-X KUBE-SVC-OLD" in text
    assert "DOCKER" not in text
    assert text.rstrip().endswith("COMMIT")
    assert "-X KUBE-SERVICES" not in text


def test_chains_in_save() -> None:
    save = "*filter\n:INPUT ACCEPT [0:0]\n:KUBE-FORWARD - [0:0]\nCOMMIT\n*nat\n:KUBE-X - [0:0]\n"
    assert render.chains_in_save(save, "filter") == {"INPUT", "KUBE-FORWARD"}
    assert render.chains_in_save(save, "nat") == {"KUBE-X"}


def test_pod_routes_skip_own_node_and_incomplete() -> None:
    def node(name: str, cidr: str | None, ip: str | None) -> dict[str, Any]:
        addrs = [{"type": "InternalIP", "address": ip}] if ip else []
        return {
            "metadata": {"name": name},
            "spec": {"podCIDR": cidr} if cidr else {},
            "status": {"addresses": addrs},
        }

    nodes = [
        node("node-a", "10.244.1.0/24", "198.18.0.1"),
        node("node-b", "10.244.2.0/24", "198.18.0.2"),
        node("node-c", None, "198.18.0.3"),
        node("node-d", "10.244.4.0/24", None),
    ]
    assert pod_routes(nodes, "node-a") == {"10.244.2.0/24": "198.18.0.2"}


def test_a_changed_endpoint_is_rendered_again_despite_the_port_cache() -> None:
    from proxy import render as r

    config = r.ProxyConfig(node_name="n1", cluster_cidr="10.244.0.0/16")
    svc = {
        "metadata": {"namespace": "d", "name": "web"},
        "spec": {"clusterIP": "10.96.0.9", "ports": [{"port": 80, "protocol": "TCP"}]},
    }

    def eps(ip: str) -> dict[str, object]:
        return {
            "metadata": {"namespace": "d", "name": "web"},
            "subsets": [{"addresses": [{"ip": ip}], "ports": [{"port": 8080}]}],
        }

    first, _ = r.render([svc], [eps("10.244.1.5")], [], config)
    again, _ = r.render([svc], [eps("10.244.1.5")], [], config)
    moved, _ = r.render([svc], [eps("10.244.2.7")], [], config)
    assert first == again
    assert "--to-destination 10.244.1.5:8080" in first
    assert "--to-destination 10.244.2.7:8080" in moved and "10.244.1.5" not in moved
