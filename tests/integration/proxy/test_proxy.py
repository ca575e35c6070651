"""mk-proxy in a lab of network namespaces (see netlab.py): two nodes, three pods, a
client, each agent inside its node's namespace, the real API server behind a relay.

Endpoints are written directly through the API (no endpoints controller runs here);
the Services have no selector so a controller would leave them alone anyway.
"""

from __future__ import annotations

import collections
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from proxy.iptables import RestoreError, Tools
from tests.conftest import APIServerProcess
from tests.integration.proxy.netlab import Lab, http_get, sh, try_get, wait_for

pytestmark = pytest.mark.integration


class Agent:
    def __init__(self, lab: Lab, node: str, api_port: int) -> None:
        self.lab, self.node, self.api_port = lab, node, api_port
        self.log = lab.tmp / f"proxy-{node}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = self.lab.spawn(
            self.lab.ns(self.node), self.lab.agent_argv(self.node, self.api_port), self.log
        )
        self.lab.procs.append(self.proc)

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(20) == 0, self.log.read_text()[-3000:]

    def log_text(self) -> str:
        return self.log.read_text()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    if sh("id", "-u").strip() != "0":
        pytest.fail("the proxy tests need root (network namespaces, iptables)")
    lab = Lab(tmp_path_factory.mktemp("proxy"))
    try:
        lab.build()
        yield lab
    finally:
        lab.close()


@pytest.fixture(scope="module")
def nodes(lab: Lab, apiserver: APIServerProcess) -> Iterator[dict[str, Agent]]:
    with httpx.Client(base_url=apiserver.url, timeout=10) as api:
        for node in ("node1", "node2"):
            api.post(
                "/api/v1/nodes",
                json=node_obj(lab.node_name(node), lab.pod_cidrs[node], lab.node_ips[node]),
            ).raise_for_status()
        agents = {}
        for node in ("node1", "node2"):
            lab.relay(node, apiserver.port)
            agents[node] = Agent(lab, node, apiserver.port)
            agents[node].start()
        try:
            for node, other in (("node1", "node2"), ("node2", "node1")):

                def routed(n: str = node, o: str = other) -> bool:
                    return lab.pod_cidrs[o] in lab.routes(n)

                wait_for(f"route on {node}", routed, timeout=60)
            yield agents
        finally:
            for node in ("node1", "node2", "node3"):
                api.delete(f"/api/v1/nodes/{lab.node_name(node)}")


def node_obj(name: str, cidr: str, ip: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {"podCIDR": cidr},
        "status": {"addresses": [{"type": "InternalIP", "address": ip}]},
    }


def make_service(api: httpx.Client, ns: str, name: str, **spec: Any) -> dict[str, Any]:
    body = {
        "metadata": {"name": name},
        "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}], **spec},
    }
    r = api.post(f"/api/v1/namespaces/{ns}/services", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def set_endpoints(
    api: httpx.Client, lab: Lab, ns: str, name: str, pods: list[str], port: int = 8080
) -> None:
    addrs = [{"ip": lab.pods[p][1], "nodeName": lab.node_name(lab.pods[p][0])} for p in pods]
    subsets = [{"addresses": addrs, "ports": [{"name": "http", "port": port}]}] if pods else []
    body: dict[str, Any] = {"metadata": {"name": name}, "subsets": subsets}
    r = api.get(f"/api/v1/namespaces/{ns}/endpoints/{name}")
    if r.status_code == 404:
        r = api.post(f"/api/v1/namespaces/{ns}/endpoints", json=body)
    else:
        body["metadata"]["resourceVersion"] = r.json()["metadata"]["resourceVersion"]
        r = api.put(f"/api/v1/namespaces/{ns}/endpoints/{name}", json=body)
    assert r.status_code in (200, 201), r.text


def spread(lab: Lab, where: str, ip: str, port: int, count: int = 50) -> collections.Counter[str]:
    def go() -> collections.Counter[str]:
        return collections.Counter(try_get(ip, port, timeout=3) for _ in range(count))

    return lab.run(where, go, timeout=count * 4)


def test_clusterip_spreads_then_rejects_without_endpoints(
    lab: Lab, nodes: dict[str, Agent], api: httpx.Client, ns: str
) -> None:
    ip = make_service(api, ns, "web")["spec"]["clusterIP"]
    set_endpoints(api, lab, ns, "web", ["pod-a", "pod-c"])  # one per node
    wait_for(
        "the service answering",
        lambda: lab.run("node1", lambda: try_get(ip, 80)) in ("pod-a", "pod-c"),
    )
    seen = spread(lab, "node1", ip, 80)
    assert set(seen) == {"pod-a", "pod-c"}, seen  # both backends, nothing failed
    # from a pod: the other node's pod is reached without masquerade (routes both ways)
    from_pod = spread(lab, "pod-b", ip, 80, count=20)
    assert set(from_pod) <= {"pod-a", "pod-c"} and sum(from_pod.values()) == 20, from_pod

    set_endpoints(api, lab, ns, "web", [])
    wait_for(
        "connection refused",
        lambda: lab.run("node1", lambda: try_get(ip, 80)) == "ConnectionRefusedError",
    )

    def timed() -> float:
        started = time.monotonic()
        with pytest.raises(ConnectionRefusedError):
            http_get(ip, 80, timeout=5)
        return time.monotonic() - started

    assert lab.run("node1", timed) < 1.0  # refused at once, not a hang
    assert lab.run("pod-b", lambda: try_get(ip, 80)) == "ConnectionRefusedError"


def test_nodeport_from_another_host(
    lab: Lab, nodes: dict[str, Agent], api: httpx.Client, ns: str
) -> None:
    svc = make_service(api, ns, "np", type="NodePort")
    port = svc["spec"]["ports"][0]["nodePort"]
    set_endpoints(api, lab, ns, "np", ["pod-b", "pod-c"])
    for node_ip in lab.node_ips.values():

        def answers(node_ip: str = node_ip) -> bool:
            return lab.run("client", lambda: try_get(node_ip, port)) in ("pod-b", "pod-c")

        wait_for(f"node port on {node_ip}", answers)
        seen = spread(lab, "client", node_ip, port, count=40)
        assert set(seen) == {"pod-b", "pod-c"}, seen


def test_nodeport_local_policy_uses_local_endpoints_only(
    lab: Lab, nodes: dict[str, Agent], api: httpx.Client, ns: str
) -> None:
    svc = make_service(api, ns, "local", type="NodePort", externalTrafficPolicy="Local")
    port = svc["spec"]["ports"][0]["nodePort"]
    set_endpoints(api, lab, ns, "local", ["pod-a", "pod-c"])
    wait_for(
        "local node port",
        lambda: lab.run("client", lambda: try_get(lab.node_ips["node2"], port)) == "pod-c",
    )
    assert set(spread(lab, "client", lab.node_ips["node1"], port, count=20)) == {"pod-a"}
    assert set(spread(lab, "client", lab.node_ips["node2"], port, count=20)) == {"pod-c"}


def test_hairpin_and_session_affinity(
    lab: Lab, nodes: dict[str, Agent], api: httpx.Client, ns: str
) -> None:
    ip = make_service(api, ns, "self")["spec"]["clusterIP"]
    set_endpoints(api, lab, ns, "self", ["pod-a"])
    wait_for("hairpin", lambda: lab.run("pod-a", lambda: try_get(ip, 80)) == "pod-a")

    sticky = make_service(
        api,
        ns,
        "sticky",
        sessionAffinity="ClientIP",
        sessionAffinityConfig={"clientIP": {"timeoutSeconds": 300}},
    )["spec"]["clusterIP"]
    set_endpoints(api, lab, ns, "sticky", ["pod-a", "pod-b", "pod-c"])
    wait_for("sticky service", lambda: lab.run("node1", lambda: try_get(sticky, 80)) in lab.pods)
    seen = spread(lab, "node1", sticky, 80, count=20)
    assert len(seen) == 1 and next(iter(seen)) in lab.pods, seen


def test_unknown_cluster_ip_stays_on_the_machine(lab: Lab, nodes: dict[str, Agent]) -> None:
    route = sh("ip", "-n", lab.ns("node1"), "route", "get", "10.111.222.1")
    assert "dev mk-svc-sink" in route, route
    result = lab.run("node1", lambda: try_get("10.111.222.1", 80, timeout=3))
    assert result in ("OSError", "ConnectionRefusedError"), result  # rejected, not a timeout
    # and a pod's packet to it is rejected at its node, never forwarded to the LAN
    result = lab.run("pod-a", lambda: try_get("10.111.222.1", 80, timeout=3))
    assert result in ("OSError", "ConnectionRefusedError"), result


def test_routes_follow_nodes(lab: Lab, nodes: dict[str, Agent], api: httpx.Client) -> None:
    name = lab.node_name("node3")
    api.post("/api/v1/nodes", json=node_obj(name, "10.250.3.0/24", "198.18.0.3")).raise_for_status()
    wait_for("node3's route", lambda: "10.250.3.0/24 via 198.18.0.3" in lab.routes("node1"))
    assert "10.250.1.0/24 via" not in lab.routes("node1")  # never a route to itself
    api.delete(f"/api/v1/nodes/{name}").raise_for_status()
    wait_for("node3's route removed", lambda: "10.250.3.0" not in lab.routes("node1"))
    assert "10.250.2.0/24 via 198.18.0.2" in lab.routes("node1")


def _rules(lab: Lab, node: str) -> list[str]:
    return sorted(
        line
        for line in lab.iptables_save(node).splitlines()
        if not line.startswith("#") and "KUBE" in line
    )


def _settled_rules(lab: Lab, node: str) -> list[str]:
    """Our rules once two reads in a row agree: with the nft backend an `iptables-save`
    that overlaps an agent's restore can list a mix of the old and the new ruleset."""
    reads: list[list[str]] = [_rules(lab, node)]

    def settled() -> bool:
        reads.append(_rules(lab, node))
        return reads[-1] == reads[-2]

    wait_for("two equal iptables-save reads", settled, timeout=30)
    return reads[-1]


def test_restart_keeps_traffic_and_rules_and_others_rules(
    lab: Lab, nodes: dict[str, Agent], api: httpx.Client, ns: str
) -> None:
    echo = lab.tmp / "echo.py"
    echo.write_text(
        "import socket\n"
        "s = socket.create_server(('0.0.0.0', 9000))\n"
        "c, _ = s.accept()\n"
        "while (d := c.recv(100)):\n"
        "    c.sendall(d)\n"
    )
    lab.procs.append(lab.spawn(lab.ns("pod-c"), ["python3", str(echo)], lab.tmp / "echo.log"))
    body = {"metadata": {"name": "echo"}, "spec": {"ports": [{"port": 9000}]}}
    r = api.post(f"/api/v1/namespaces/{ns}/services", json=body)
    assert r.status_code == 201, r.text
    ip = r.json()["spec"]["clusterIP"]
    r = api.post(
        f"/api/v1/namespaces/{ns}/endpoints",
        json={
            "metadata": {"name": "echo"},
            "subsets": [{"addresses": [{"ip": lab.pods["pod-c"][1]}], "ports": [{"port": 9000}]}],
        },
    )
    assert r.status_code == 201, r.text

    def connect() -> socket.socket:
        deadline = time.monotonic() + 60
        while True:
            try:
                return socket.create_connection((ip, 9000), timeout=3)
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    conn = lab.run("node1", connect, timeout=90)
    try:
        conn.sendall(b"one")
        assert conn.recv(10) == b"one"
        before = _settled_rules(lab, "node1")
        agent = nodes["node1"]
        agent.stop()
        assert _rules(lab, "node1") == before  # a stop leaves the rules in place
        # someone else's rules (Docker's) and a stale chain of ours
        node1 = f"--net=/var/run/netns/{lab.ns('node1')}"
        sh("nsenter", node1, "iptables", "-t", "nat", "-N", "DOCKER")
        sh(
            "nsenter",
            node1,
            "iptables",
            "-t",
            "nat",
            "-A",
            "DOCKER",
            "-p",
            "tcp",
            "--dport",
            "1",
            "-j",
            "RETURN",
        )
        sh("nsenter", node1, "iptables", "-t", "nat", "-N", "KUBE-SVC-STALEXXXXXXXXXXX")

        mark = len(agent.log_text())
        agent.start()
        wait_for("a sync after the restart", lambda: "synced" in agent.log_text()[mark:])
        conn.sendall(b"two")
        assert conn.recv(10) == b"two"  # the established connection never noticed
        # the same rules, and the stale chain gone
        wait_for("the rules of before the restart", lambda: _rules(lab, "node1") == before)
        assert "-A DOCKER -p tcp -m tcp --dport 1 -j RETURN" in lab.iptables_save("node1")
    finally:
        conn.close()


def test_healthz_and_metrics(lab: Lab, nodes: dict[str, Agent]) -> None:
    def get(path: str) -> str:
        with socket.create_connection(("127.0.0.1", 10256), timeout=5) as c:
            c.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
            data = b""
            while chunk := c.recv(65536):
                data += chunk
        return data.decode()

    assert lab.run("node1", lambda: get("/healthz")).endswith("ok")
    metrics = lab.run("node1", lambda: get("/metrics"))
    assert "kubeproxy_sync_proxy_rules_duration_seconds_count" in metrics
    assert 'kubeproxy_sync_proxy_rules_iptables_total{table="nat"}' in metrics


def test_cleanup_removes_everything(lab: Lab, nodes: dict[str, Agent], tmp_path: Path) -> None:
    nodes["node2"].stop()
    assert "KUBE-" in lab.iptables_save("node2")
    argv = lab.agent_argv("node2", 1, "--cleanup")
    proc = lab.spawn(lab.ns("node2"), argv, tmp_path / "cleanup.log")
    assert proc.wait(30) == 0, (tmp_path / "cleanup.log").read_text()
    assert "KUBE-" not in lab.iptables_save("node2")
    assert "proto 199" not in sh("ip", "-n", lab.ns("node2"), "route", "show", "proto", "199")
    assert sh("ip", "-n", lab.ns("node2"), "route", "show", "proto", "199").strip() == ""
    assert "mk-svc-sink" not in sh("ip", "-n", lab.ns("node2"), "link")


def test_failed_restore_keeps_the_previous_rules(lab: Lab, nodes: dict[str, Agent]) -> None:
    before = _rules(lab, "node1")
    bad = "*nat\n:KUBE-SERVICES - [0:0]\n-A KUBE-SERVICES -j NO-SUCH-CHAIN\nCOMMIT\n"

    def restore() -> str:
        try:
            Tools().restore(bad)
        except RestoreError as exc:
            return exc.context
        return "no error"

    context = lab.run("node1", restore)
    assert "NO-SUCH-CHAIN" in context, context
    assert _rules(lab, "node1") == before  # KUBE-SERVICES was not flushed
