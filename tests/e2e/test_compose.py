"""End to end: the docker-compose lab (deploy/compose) built offline and serving a Service.

What a user does, in order: build the offline base with debootstrap and the minik8s image on
it (`deploy/images/build-compose.sh --offline`; the image build runs with no network), start
the lab with `docker-compose -p <project> up -d`, wait for both nodes to be Ready, apply a
Deployment of minik8s/httpd and a NodePort Service with mkctl through a kubeconfig for the
published API port, then reach the Service: its ClusterIP from inside each node container
(every pod answers, so traffic crosses between the nodes), and its NodePort on each node's
address from the other node and from this machine. `docker-compose down -v` always ends it.

Isolation: a compose project, an image tag, a /16 and an API port of its own, so a user's lab
on the same engine is never touched. Every address probed belongs to containers this test
created; the lab's network is internal (no route off the machine).
Fixtures stay in this module (tests/e2e/conftest.py belongs to the netns lab's tests).
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from minik8s.cluster import processes

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "deploy" / "compose" / "docker-compose.yml"
BUILD = ROOT / "deploy" / "images" / "build-compose.sh"
IMAGE = "minik8s/minik8s:e2e"
NODES = ("node1", "node2")
REPLICAS = 3

pytestmark = [
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        not all(shutil.which(t) for t in ("docker", "docker-compose", "debootstrap")),
        reason="needs docker, docker-compose and debootstrap (.ci/run installs them)",
    ),
]


def wait_for(
    check: Callable[[], Any],
    what: str,
    timeout: float,
    diagnose: Callable[[], str] = lambda: "",
    interval: float = 1.0,
) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(
        f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})\n{diagnose()}"
    )


def _taken_networks() -> list[ipaddress.IPv4Network]:
    """Every IPv4 network this machine routes or Docker has handed out."""
    found: list[ipaddress.IPv4Network] = []
    routes = subprocess.run(["ip", "-4", "route", "show"], capture_output=True, text=True)
    words = [line.split()[0] for line in routes.stdout.splitlines() if line.strip()]
    ids = subprocess.run(["docker", "network", "ls", "-q"], capture_output=True, text=True)
    if ids.stdout.split():
        inspect = subprocess.run(
            ["docker", "network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"]
            + ids.stdout.split(),
            capture_output=True,
            text=True,
        )
        words += inspect.stdout.split()
    for word in words:
        try:
            net = ipaddress.ip_network(word, strict=False)
        except ValueError:
            continue  # "default", IPv6 subnets
        if isinstance(net, ipaddress.IPv4Network):
            found.append(net)
    return found


def _free_subnet() -> ipaddress.IPv4Network:
    taken = _taken_networks()
    candidates = [ipaddress.IPv4Network(f"10.{n}.0.0/16") for n in range(200, 250)]
    random.shuffle(candidates)
    for net in candidates:
        if not any(net.overlaps(t) for t in taken):
            return net
    raise RuntimeError("no free 10.200-249.0.0/16 for the compose network")


@dataclass
class ComposeLab:
    project: str
    env: dict[str, str]
    url: str
    kubeconfig: Path
    timings: dict[str, float]  # seconds since `started`, for the report
    started: float

    def compose(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["docker-compose", "-p", self.project, "-f", str(COMPOSE_FILE), *args],
            capture_output=True,
            text=True,
            env={**os.environ, **self.env},
            timeout=timeout,
        )

    def logs(self, lines: int = 25) -> str:
        try:
            out = self.compose("logs", "--no-color", f"--tail={lines}", timeout=60)
        except subprocess.TimeoutExpired:
            return "(docker-compose logs timed out)"
        return out.stdout + out.stderr

    def container(self, service: str) -> str:
        return self.compose("ps", "-q", service).stdout.strip()

    def exec(
        self, service: str, *cmd: str, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["docker", "exec", self.container(service), *cmd],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def mkctl(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "minik8s.ctl.main", "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )


def _timed(timings: dict[str, float], what: str, cmd: list[str], env: dict[str, str]) -> str:
    started = time.monotonic()
    done = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, **env}, timeout=900
    )
    timings[what] = time.monotonic() - started
    if done.returncode != 0:
        pytest.fail(
            f"{what} failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return done.stdout


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposeLab]:
    root = tmp_path_factory.mktemp("compose")
    subnet = _free_subnet()
    first, pods = list(subnet.subnets(new_prefix=24))[0], list(subnet.subnets(new_prefix=17))[1]
    port = processes.free_port()
    env = {
        "MINIK8S_IMAGE": IMAGE,
        "MINIK8S_COMPOSE_SUBNET": str(subnet),
        "MINIK8S_COMPOSE_NODE_RANGE": str(first),
        "MINIK8S_COMPOSE_CLUSTER_CIDR": str(pods),
        "MINIK8S_COMPOSE_API_PORT": str(port),
    }
    kubeconfig = root / "kubeconfig"
    kubeconfig.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {"name": "compose", "cluster": {"server": f"http://127.0.0.1:{port}"}}
                ],
                "users": [{"name": "admin", "user": {}}],
                "contexts": [
                    {"name": "compose", "context": {"cluster": "compose", "user": "admin"}}
                ],
                "current-context": "compose",
            }
        )
    )
    found = ComposeLab(
        project=f"mk-e2e-{uuid.uuid4().hex[:8]}",
        env=env,
        url=f"http://127.0.0.1:{port}",
        kubeconfig=kubeconfig,
        timings={},
        started=time.monotonic(),
    )
    started = found.started
    _timed(found.timings, "build", ["bash", str(BUILD), "--offline"], env)
    try:
        up = found.compose("up", "-d", timeout=300)
        found.timings["up -d"] = time.monotonic() - started - found.timings["build"]
        assert up.returncode == 0, f"docker-compose up failed:\n{up.stdout}{up.stderr}"
        yield found
    finally:
        down = found.compose("down", "-v", "--timeout", "10", timeout=300)
        found.timings["total"] = time.monotonic() - started
        print(f"\ncompose lab timings (s): {found.timings}")
        assert down.returncode == 0, f"docker-compose down failed:\n{down.stderr}"


def _ready_nodes(api: httpx.Client) -> dict[str, str]:
    """Ready nodes with a podCIDR → their InternalIP."""
    try:
        items = api.get("/api/v1/nodes").json().get("items", [])
    except (httpx.HTTPError, ValueError):
        return {}
    ready: dict[str, str] = {}
    for node in items:
        status = node.get("status") or {}
        conditions = status.get("conditions") or []
        if not any(c["type"] == "Ready" and c["status"] == "True" for c in conditions):
            continue
        if not (node.get("spec") or {}).get("podCIDR"):
            continue
        for address in status.get("addresses") or []:
            if address["type"] == "InternalIP":
                ready[node["metadata"]["name"]] = address["address"]
    return ready


# One `docker exec` per probe round: N requests from inside a container, one line each.
PROBE = """
import sys, urllib.request
for _ in range(int(sys.argv[2])):
    try:
        print(urllib.request.urlopen(sys.argv[1], timeout=3).read().decode().strip())
    except Exception as e:
        print("error:", e)
"""


def _all_answer(lab: ComposeLab, node: str, url: str, pods: set[str], seen: set[str]) -> bool:
    """Probe `url` from inside `node`; True once every pod in `pods` (and at least one pod)
    has answered, counting into `seen` across calls."""
    done = lab.exec(node, "python3", "-c", PROBE, url, "20" if pods else "3")
    answered = [a.split()[0] for a in done.stdout.splitlines() if a.endswith(" latest")]
    seen.update(answered)
    return bool(answered) and seen >= pods


def _seen_and_logs(lab: ComposeLab, seen: set[str]) -> str:
    return f"pods that answered: {sorted(seen)}\n{lab.logs()}"


def _host_answer(url: str) -> bool:
    try:
        return httpx.get(url, timeout=3).text.strip().endswith(" latest")
    except httpx.HTTPError:
        return False


def _manifest(name: str) -> str:
    labels = {"app": name}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": REPLICAS,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "httpd",
                            "image": "minik8s/httpd:latest",
                            "imagePullPolicy": "IfNotPresent",
                            "ports": [{"containerPort": 8080}],
                        }
                    ]
                },
            },
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {
            "type": "NodePort",
            "selector": labels,
            "ports": [{"port": 80, "targetPort": 8080}],
        },
    }
    return yaml.safe_dump_all([deployment, service])


def test_compose_lab_runs_a_service_across_two_nodes(lab: ComposeLab) -> None:
    with httpx.Client(base_url=lab.url, timeout=10) as api:
        _check_lab(lab, api)


def _check_lab(lab: ComposeLab, api: httpx.Client) -> None:
    ready = wait_for(
        lambda: (nodes := _ready_nodes(api)) and set(nodes) == set(NODES) and nodes,
        "node1 and node2 Ready with a podCIDR",
        timeout=300,
        diagnose=lab.logs,
    )
    lab.timings["nodes Ready"] = time.monotonic() - lab.started

    # The lab is sealed: no container of the cluster has a route off the machine.
    for service in ("mk-apiserver", *NODES):
        routes = lab.exec(service, "ip", "-4", "route", "show", "default")
        assert routes.returncode == 0 and routes.stdout.strip() == "", (service, routes)

    applied = lab.mkctl("apply", "-f", "-", stdin=_manifest("web"))
    assert applied.returncode == 0, applied.stderr

    def pods() -> dict[str, str] | None:
        items = api.get("/api/v1/namespaces/default/pods", params={"labelSelector": "app=web"})
        running = {
            p["metadata"]["name"]: p["spec"].get("nodeName", "")
            for p in items.json()["items"]
            if (p.get("status") or {}).get("phase") == "Running"
        }
        return running if len(running) == REPLICAS else None

    placed = wait_for(pods, f"{REPLICAS} Running web pods", timeout=180, diagnose=lab.logs)

    def endpoints() -> bool:
        got = api.get("/api/v1/namespaces/default/endpoints/web")
        subsets = got.json().get("subsets") or [] if got.status_code == 200 else []
        return sum(len(s.get("addresses") or []) for s in subsets) == REPLICAS

    wait_for(endpoints, f"{REPLICAS} ready endpoints of web", timeout=90, diagnose=lab.logs)
    svc = api.get("/api/v1/namespaces/default/services/web").json()
    cluster_ip = svc["spec"]["clusterIP"]
    node_port = svc["spec"]["ports"][0]["nodePort"]

    # The ClusterIP from inside each node: every pod answers, wherever it runs.
    for node in NODES:
        seen: set[str] = set()
        wait_for(
            partial(_all_answer, lab, node, f"http://{cluster_ip}/", set(placed), seen),
            f"every web pod ({sorted(placed)} on {sorted(set(placed.values()))}) answering "
            f"{cluster_ip} from {node}",
            timeout=90,
            diagnose=partial(_seen_and_logs, lab, seen),
        )

    # The NodePort on each node's address: from the other node, and from this machine.
    for node, other in (("node1", "node2"), ("node2", "node1")):
        url = f"http://{ready[node]}:{node_port}/"
        wait_for(
            partial(_all_answer, lab, other, url, set(), set()),
            f"NodePort {url} from {other}",
            timeout=60,
            diagnose=lab.logs,
        )
        wait_for(partial(_host_answer, url), f"NodePort {url} from this machine", timeout=60)
    lab.timings["service answered"] = time.monotonic() - lab.started

    # The DNS add-on: kube-dns at the tenth service address names the Service, from each node.
    def dns_ready() -> bool:
        got = api.get("/api/v1/namespaces/kube-system/endpoints/kube-dns")
        subsets = got.json().get("subsets") or [] if got.status_code == 200 else []
        return sum(len(s.get("addresses") or []) for s in subsets) >= 1

    def dns_pods() -> str:
        pods = api.get("/api/v1/namespaces/kube-system/pods").json().get("items") or []
        events = api.get("/api/v1/namespaces/kube-system/events").json().get("items") or []
        lines = [
            f"{p['metadata']['name']} node={p['spec'].get('nodeName')} "
            f"status={json.dumps(p.get('status'))[:1500]}"
            for p in pods
        ] + [f"event {e.get('reason')}: {e.get('message')}" for e in events[-30:]]
        for p in pods:
            name = p["metadata"]["name"]
            got = api.get(
                f"/api/v1/namespaces/kube-system/pods/{name}/log", params={"tailLines": 20}
            )
            lines.append(f"--- log of {name} ({got.status_code}):\n{got.text[-3000:]}")
        return "\n".join(lines) + "\n" + lab.logs(60)

    wait_for(dns_ready, "a ready kube-dns endpoint", timeout=120, diagnose=dns_pods)
    ask = (
        "from dnslib import DNSRecord as R; q = R.question('web.default.svc.cluster.local'); "
        "print(*[r.rdata for r in R.parse(q.send('10.96.0.10', 53, timeout=2)).rr])"
    )
    for node in NODES:
        wait_for(
            lambda node=node: lab.exec(node, "python3", "-c", ask).stdout.strip() == cluster_ip,
            f"web's name from {node} through kube-dns",
            timeout=60,
            diagnose=lab.logs,
        )
