"""The lab itself: `mkctl lab status`, and what a node's namespace can reach."""

from __future__ import annotations

import ipaddress

from .conftest import Lab


def test_lab_status_shows_every_daemon_and_ready_node(lab: Lab) -> None:
    done = lab.lab("status")
    assert done.returncode == 0, done.stdout + done.stderr
    for daemon in ("etcd", "mk-apiserver", "mk-controller-manager", "mk-scheduler"):
        assert any(
            line.startswith(daemon) and "running" in line for line in done.stdout.splitlines()
        ), done.stdout
    for node in lab.nodes:
        line = next(x for x in done.stdout.splitlines() if x.startswith(node + " "))
        assert lab.node_ip(node) in line and " Ready " in line, line
        assert "dockerd, mk-cri-docker, mk-kubelet, mk-proxy" in line, line
    # the API server's view (componentstatuses) is of this lab's daemons
    health = lab.mkctl("cluster", "status")
    assert health.returncode == 0, health.stdout + health.stderr
    for node in lab.nodes:
        row = next(x for x in health.stdout.splitlines() if x.startswith(f"node/{node} "))
        assert row.split()[2] == "Ready", health.stdout


def test_nodes_have_no_route_off_the_machine(lab: Lab) -> None:
    """Only the lab subnet, pod CIDRs, the service sink and the engine's bridge: no default."""
    allowed = [
        ipaddress.IPv4Network(lab.cfg.subnet),
        ipaddress.IPv4Network(lab.cfg.cluster_cidr),
        ipaddress.IPv4Network("10.96.0.0/12"),
        ipaddress.IPv4Network("172.30.0.0/16"),
    ]
    for node in lab.nodes:
        routes = lab.in_node(node, "ip", "-4", "route", "show").stdout.splitlines()
        assert routes, f"no routes in {node}"
        for route in routes:
            dest = route.split()[0]
            assert dest != "default", f"{node} has a default route: {route}"
            net = ipaddress.IPv4Network(dest)
            assert any(net.subnet_of(a) for a in allowed), f"{node}: unexpected route {route}"
