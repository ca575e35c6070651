"""Cluster DNS on the 3-node lab: the add-on `lab up` deploys, names from a pod on every node
(nslookup and wget of the offline busybox image: wget resolves through libc's search
path; busybox 1.35's nslookup applies none to a name with a dot), resolv.conf per
dnsPolicy, and names keep resolving while a DNS pod is deleted and while the node of a DNS
replica is down.

The lab's DNS forwards nothing (`--addon-var DNS_UPSTREAM=none` in conftest.py): a search
path that ends at a bare name gets SERVFAIL on the machine instead of leaving it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from .conftest import Lab, Obj, running_pods, wait_for

DNS_IP = "10.96.0.10"


def _manifests(ns: str) -> str:
    labels = {"app": "web"}
    container = {
        "name": "httpd",
        "image": "minik8s/httpd:latest",
        "ports": [{"containerPort": 8080, "name": "http"}],
        "readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1},
    }
    docs: list[Obj] = [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web"},
            "spec": {
                "selector": labels,
                "ports": [{"name": "http", "port": 80, "targetPort": 8080}],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web-headless"},
            "spec": {
                "clusterIP": "None",
                "selector": labels,
                "ports": [{"name": "http", "port": 8080}],
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "alias"},
            "spec": {"type": "ExternalName", "externalName": f"web.{ns}.svc.cluster.local"},
        },
    ]
    return yaml.safe_dump_all(docs)


def _client(name: str, node: str, **spec: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "nodeName": node,
            "terminationGracePeriodSeconds": 1,
            "containers": [
                {"name": "c", "image": "minik8s/busybox:latest", "command": ["sleep", "3600"]}
            ],
            **spec,
        },
    }


def _dns_pods(lab: Lab) -> list[Obj]:
    return running_pods(lab.pods("kube-system", "k8s-app=kube-dns"))


@pytest.fixture(scope="module")
def dns_app(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The app's namespace and the web Service's ClusterIP; one client pod per node."""
    ns = "e2e-dns"
    lab.mkctl("create", "namespace", ns)
    tmp = tmp_path_factory.mktemp("dns")
    (tmp / "app.yaml").write_text(_manifests(ns))
    clients = [_client(f"client-{node}", node) for node in lab.nodes]
    clients.append(_client("default-policy", lab.nodes[0], dnsPolicy="Default"))
    custom = {
        "nameservers": [DNS_IP],
        "searches": ["example.test"],
        "options": [{"name": "ndots", "value": "2"}],
    }
    clients.append(_client("none-policy", lab.nodes[0], dnsPolicy="None", dnsConfig=custom))
    (tmp / "clients.yaml").write_text(yaml.safe_dump_all(clients))
    lab.mkctl_ok("apply", "-n", ns, "-f", str(tmp / "app.yaml"), "-f", str(tmp / "clients.yaml"))
    lab.mkctl_ok("rollout", "status", "-n", ns, "deployment/web", "--timeout", "120s", timeout=150)
    wait_for(lambda: len(running_pods(lab.pods(ns))) == len(clients) + 2, "the client pods")
    wait_for(lambda: len(_dns_pods(lab)) == 2, "2 ready DNS replicas", timeout=120)
    ip = lab.mkctl_ok("get", "svc", "web", "-n", ns, "-o", "jsonpath={.spec.clusterIP}").strip()
    yield ns, ip
    lab.mkctl("delete", "namespace", ns)


def _sh(lab: Lab, ns: str, pod: str, script: str, timeout: float = 90) -> str:
    return lab.mkctl_ok("exec", "-n", ns, pod, "--", "sh", "-c", script, timeout=timeout)


def _sections(output: str) -> dict[str, str]:
    parts = re.split(r"^== (.+)$", output, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_the_addon_is_deployed(lab: Lab) -> None:
    svc = lab.mkctl_ok("get", "svc", "kube-dns", "-n", "kube-system", "-o", "yaml")
    assert f"clusterIP: {DNS_IP}" in svc
    pods = wait_for(lambda: len(_dns_pods(lab)) == 2 and _dns_pods(lab), "2 DNS replicas", 120)
    nodes = {p["spec"]["nodeName"] for p in pods}
    assert len(nodes) == 2, f"anti-affinity: one replica per node, got {nodes}"
    status = lab.mkctl("cluster", "status")
    row = next(line for line in status.stdout.splitlines() if line.startswith("dns "))
    assert "Healthy" in row and f"kube-dns {DNS_IP}: 2/2 ready" in row, status.stdout


def test_names_from_a_pod_on_every_node(lab: Lab, dns_app: tuple[str, str]) -> None:
    ns, ip = dns_app
    headless = sorted(p["status"]["podIP"] for p in running_pods(lab.pods(ns, "app=web")))
    script = "; ".join(
        [
            *(
                f"echo '== {name}'; nslookup {name}"
                for name in (
                    "web",
                    f"web.{ns}.svc.cluster.local",
                    "kubernetes.default.svc.cluster.local",
                    "web-headless",
                    "alias",
                    ip,
                )
            ),
            # busybox 1.35's nslookup applies no search path to a name with a dot (the
            # reason Kubernetes' docs pin busybox 1.28); its wget resolves through libc,
            # which does: kubernetes.default → kubernetes.default.svc.cluster.local
            "echo '== kubernetes.default'; wget -qO- http://kubernetes.default:443/version; echo",
            f"echo '== srv'; nslookup -type=srv _http._tcp.web.{ns}.svc.cluster.local",
            "echo '== wget'; wget -q -O - http://web/; echo",
            "echo '== resolv'; cat /etc/resolv.conf",
            "echo '== hosts'; cat /etc/hosts; hostname -i",
        ]
    )
    for node in lab.nodes:
        out = _sections(_sh(lab, ns, f"client-{node}", script))
        where = f"from {node}:\n"
        assert f"Address: {ip}" in out["web"], where + out["web"]
        assert f"Address: {ip}" in out[f"web.{ns}.svc.cluster.local"], where + str(out)
        assert "Address: 10.96.0.1" in out["kubernetes.default.svc.cluster.local"], where + str(out)
        assert '"gitVersion"' in out["kubernetes.default"], where + out["kubernetes.default"]
        for pod_ip in headless:
            assert f"Address: {pod_ip}" in out["web-headless"], where + out["web-headless"]
        assert f"canonical name = web.{ns}.svc.cluster.local" in out["alias"], where + out["alias"]
        assert f"name = web.{ns}.svc.cluster.local" in out[ip], where + out[ip]
        assert f"0 100 80 web.{ns}.svc.cluster.local" in out["srv"], where + out["srv"]
        assert re.search(r"web-\S+ latest", out["wget"]), where + out["wget"]
        resolv = out["resolv"]
        assert f"nameserver {DNS_IP}" in resolv, resolv
        assert f"search {ns}.svc.cluster.local svc.cluster.local cluster.local" in resolv, resolv
        assert "options ndots:5" in resolv, resolv
        own_ip = out["hosts"].strip().splitlines()[-1].strip()
        assert f"{own_ip}\tclient-{node}" in out["hosts"], out["hosts"]


def test_resolv_conf_per_dns_policy(lab: Lab, dns_app: tuple[str, str]) -> None:
    ns, _ = dns_app
    default = _sh(lab, ns, "default-policy", "cat /etc/resolv.conf")
    node_servers = [
        line.split()[1]
        for line in open("/etc/resolv.conf").read().splitlines()  # noqa: SIM115
        if line.startswith("nameserver")
    ]
    assert DNS_IP not in default
    for server in node_servers[:3]:
        assert f"nameserver {server}" in default, default
    custom = _sh(lab, ns, "none-policy", "cat /etc/resolv.conf")
    assert custom.split("\n") == [
        f"nameserver {DNS_IP}",
        "search example.test",
        "options ndots:2",
        "",
    ], custom


def _lookups(lab: Lab, ns: str, pod: str, count: int, pause: float) -> list[str]:
    script = (
        f"for i in $(seq {count}); do if nslookup web.{ns}.svc.cluster.local >/dev/null 2>&1; "
        f"then echo ok; else echo FAIL; fi; sleep {pause}; done"
    )
    return _sh(lab, ns, pod, script, timeout=count * (pause + 6) + 30).split()


def test_names_resolve_while_a_dns_pod_is_deleted(lab: Lab, dns_app: tuple[str, str]) -> None:
    ns, _ = dns_app
    victim = _dns_pods(lab)[0]["metadata"]["name"]
    client = f"client-{lab.nodes[0]}"
    # one loop of lookups runs while the pod goes (it answers through its lameduck while
    # the Endpoints and every node's proxy drop it) and its replacement comes
    script = (
        f"for i in $(seq 40); do if nslookup web.{ns}.svc.cluster.local >/dev/null 2>&1; "
        "then echo ok; else echo FAIL; fi; sleep 0.25; done"
    )
    mkctl = [sys.executable, "-m", "minik8s.ctl.main", "--kubeconfig", str(lab.kubeconfig)]
    loop = subprocess.Popen(
        [*mkctl, "exec", "-n", ns, client, "--", "sh", "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    with lab.client() as api:
        r = api.delete(f"/api/v1/namespaces/kube-system/pods/{victim}")
        assert r.status_code in (200, 202), r.text
    out, err = loop.communicate(timeout=300)
    results = out.split()
    assert len(results) == 40 and "FAIL" not in results, (results, err)

    def replaced() -> bool:
        names = {p["metadata"]["name"] for p in _dns_pods(lab)}
        return len(names) == 2 and victim not in names

    wait_for(replaced, "the replacement DNS replica", timeout=120)


def test_names_resolve_while_a_dns_node_is_down(lab: Lab, dns_app: tuple[str, str]) -> None:
    ns, _ = dns_app
    pods = _dns_pods(lab)
    # stop a node with a DNS replica; a client on another node keeps asking
    victim = next(p["spec"]["nodeName"] for p in pods if p["spec"]["nodeName"] != lab.nodes[0])
    client = f"client-{lab.nodes[0]}"
    stopped = lab.lab("node", "stop", victim)
    assert stopped.returncode == 0, stopped.stderr
    try:
        # once the node is NotReady its replica leaves the Service; until then half the
        # lookups wait on a dead address and the resolver retries (5 s each)
        wait_for(
            lambda: _lookups(lab, ns, client, 5, 0.1) == ["ok"] * 5,
            "5 lookups in a row with one DNS node down",
            timeout=120,
        )
        assert _lookups(lab, ns, client, 20, 0.1) == ["ok"] * 20
    finally:
        started = lab.lab("node", "start", victim)
        assert started.returncode == 0, started.stderr
        wait_for(lambda: len(_dns_pods(lab)) == 2, "2 DNS replicas again", timeout=180)
