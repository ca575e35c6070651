"""The DNS add-on on a one-node cluster started as `make up` starts it (minik8s.cluster.local).

Test clusters never run mk-proxy on the host's iptables (it is tested in namespaces of its
own), so ClusterIPs do not route here: the DNS pods are given the API server's host-only
address (`--addon-var DNS_API_SERVER=…`) instead of the `kubernetes` Service, and client
pods ask the DNS pods' own addresses (dnsPolicy None with the ClusterFirst search path). The
ClusterIP path, 10.96.0.10 from pods on every node, is tested on the 3-node lab
(tests/e2e/test_dns.py). `DNS_UPSTREAM=none`: nothing is forwarded off the machine.
"""

from __future__ import annotations

import random
import shlex
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dnslib import DNSRecord

from minik8s.cluster import local, processes
from tests.integration.workloads.conftest import Cluster, _node_ready, _run, wait_for

Obj = dict[str, Any]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not local.API_POD_ADDRESS:
        pytest.skip("no host-only address for the API server (MINIK8S_API_POD_ADDRESS='')")
    root = tmp_path_factory.mktemp("dns-cluster")
    instance = f"mk-dns-{uuid.uuid4().hex[:8]}"
    api_port = processes.free_port()
    addon_vars = [
        "--addon-var", "DNS_UPSTREAM=none",
        "--addon-var", f"DNS_API_SERVER=http://{local.API_POD_ADDRESS}:{api_port}",
    ]  # fmt: skip
    env = {
        "MINIK8S_ETCD_PORT": str(processes.free_port()),
        "MINIK8S_ETCD_PEER_PORT": str(processes.free_port()),
        "MINIK8S_API_PORT": str(api_port),
        "MINIK8S_CRI_HEALTH_PORT": str(processes.free_port()),
        "MINIK8S_KUBELET_PORT": str(processes.free_port()),
        "MINIK8S_KUBELET_HEALTH_PORT": str(processes.free_port()),
        "MINIK8S_CM_HEALTH_PORT": str(processes.free_port()),
        "MINIK8S_SCHEDULER_HEALTH_PORT": str(processes.free_port()),
        "MINIK8S_CRI_INSTANCE": instance,
        "MINIK8S_CLUSTER_CIDR": f"10.{random.randrange(200, 230)}.0.0/16",
        "MINIK8S_PROXY": "0",
        "MINIK8S_ADDONS": "1",
        "MINIK8S_KUBECONFIG": str(root / "kubeconfig"),
        "MINIK8S_CONTROLLER_MANAGER_ARGS": shlex.join(addon_vars),
    }
    state = root / "state"
    started = _run("up", state, env)
    if started.returncode != 0:
        _run("down", state, env)
        pytest.fail(f"the cluster did not start:\n{started.stdout}\n{started.stderr}")
    found = Cluster(state, f"http://127.0.0.1:{api_port}", root / "kubeconfig", env, instance)
    try:
        with found.client() as api:
            wait_for(lambda: _node_ready(api), "a Ready node", timeout=120)
        assert "dns            kube-dns 10.96.0.10: 2/2 ready" in started.stdout, started.stdout
        yield found
    finally:
        _run("down", state, env)


def _dns_ips(api: httpx.Client) -> list[str]:
    pods = api.get("/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-dns").json()
    return sorted(
        p["status"]["podIP"]
        for p in pods["items"]
        if any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in (p.get("status") or {}).get("conditions") or []
        )
    )


def _client(name: str, ns: str, nameservers: list[str], **spec: Any) -> Obj:
    dns = {
        "nameservers": nameservers,
        "searches": [f"{ns}.svc.cluster.local", "svc.cluster.local", "cluster.local"],
        "options": [{"name": "ndots", "value": "5"}],
    }
    return {
        "metadata": {"name": name},
        "spec": {
            "terminationGracePeriodSeconds": 1,
            "dnsPolicy": "None",
            "dnsConfig": dns,
            "containers": [
                {"name": "c", "image": "minik8s/busybox:latest", "command": ["sleep", "3600"]}
            ],
            **spec,
        },
    }


def _running(api: httpx.Client, ns: str, name: str) -> bool:
    pod = api.get(f"/api/v1/namespaces/{ns}/pods/{name}").json()
    return (pod.get("status") or {}).get("phase") == "Running"


def test_make_up_deploys_dns_and_pods_resolve(cluster: Cluster, tmp_path: Path) -> None:
    with cluster.client() as api:
        svc = api.get("/api/v1/namespaces/kube-system/services/kube-dns").json()
        assert svc["spec"]["clusterIP"] == "10.96.0.10"
        dns_ips = wait_for(lambda: len(_dns_ips(api)) == 2 and _dns_ips(api), "2 DNS pods")
        # from the host, straight to each DNS pod
        for ip in dns_ips:
            q = DNSRecord.question("kubernetes.default.svc.cluster.local")
            answer = DNSRecord.parse(q.send(ip, 53, timeout=3))
            assert [str(rr.rdata) for rr in answer.rr] == ["10.96.0.1"]

        ns = f"t-{uuid.uuid4().hex[:8]}"
        assert api.post("/api/v1/namespaces", json={"metadata": {"name": ns}}).status_code == 201
        labels = {"app": "web"}
        web = {
            "metadata": {"name": "web", "labels": labels},
            "spec": {
                "hostname": "web-0",
                "subdomain": "web-headless",
                "containers": [
                    {
                        "name": "httpd",
                        "image": "minik8s/httpd:latest",
                        "ports": [{"containerPort": 8080, "name": "http"}],
                    }
                ],
            },
        }
        http = {"name": "http", "port": 80, "targetPort": 8080}
        services: list[Obj] = [
            {"metadata": {"name": "web"}, "spec": {"selector": labels, "ports": [http]}},
            {
                "metadata": {"name": "web-headless"},
                "spec": {
                    "clusterIP": "None",
                    "selector": labels,
                    "ports": [{**http, "port": 8080}],
                },
            },
            {
                "metadata": {"name": "alias"},
                "spec": {"type": "ExternalName", "externalName": f"web.{ns}.svc.cluster.local"},
            },
        ]
        for obj in services:
            r = api.post(f"/api/v1/namespaces/{ns}/services", json=obj)
            assert r.status_code == 201, r.text
        first = _client("first", ns, [], dnsPolicy="ClusterFirst")
        del first["spec"]["dnsConfig"]
        for pod in (web, _client("client", ns, dns_ips), first):
            r = api.post(f"/api/v1/namespaces/{ns}/pods", json=pod)
            assert r.status_code == 201, r.text
        for name in ("web", "client", "first"):
            wait_for(lambda n=name: _running(api, ns, n), f"pod {name} Running")
        cluster_ip = api.get(f"/api/v1/namespaces/{ns}/services/web").json()["spec"]["clusterIP"]
        web_ip = api.get(f"/api/v1/namespaces/{ns}/pods/web").json()["status"]["podIP"]

    def sh(pod: str, script: str) -> str:
        done = cluster.mkctl("exec", "-n", ns, pod, "--", "sh", "-c", script, timeout=90)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    # the endpoint's hostname shows once the pod is ready (headless A per ready endpoint)
    wait_for(lambda: web_ip in sh("client", "nslookup web-headless || true"), "web-headless")
    out = sh(
        "client",
        f"nslookup web; nslookup web-0.web-headless.{ns}.svc.cluster.local; nslookup alias; "
        f"nslookup {cluster_ip}; "
        f"nslookup -type=srv _http._tcp.web.{ns}.svc.cluster.local; "
        "wget -qO- http://web-headless:8080/; echo; "
        f"wget -qO- http://web-0.web-headless.{ns}.svc.cluster.local:8080/",
    )
    assert f"Address: {cluster_ip}" in out
    assert f"Name:\tweb-0.web-headless.{ns}.svc.cluster.local\nAddress: {web_ip}" in out
    assert f"canonical name = web.{ns}.svc.cluster.local" in out
    assert f"name = web.{ns}.svc.cluster.local" in out
    assert f"0 100 80 web.{ns}.svc.cluster.local" in out
    assert out.count("web-0 latest") == 2, out
    resolv = sh("first", "cat /etc/resolv.conf")
    assert resolv.startswith("nameserver 10.96.0.10\n"), resolv
    assert f"search {ns}.svc.cluster.local svc.cluster.local cluster.local" in resolv
    assert "options ndots:5" in resolv
    hosts = sh("web", "cat /etc/hosts")
    assert f"{web_ip}\tweb-0.web-headless.{ns}.svc.cluster.local\tweb-0" in hosts, hosts
    status = cluster.mkctl("cluster", "status")
    assert "kube-dns 10.96.0.10: 2/2 ready" in status.stdout, status.stdout
