"""A 3-node lab for the end-to-end tests, started as a user starts it: `mkctl lab up --nodes 3`.

One lab serves every e2e test (session scope: starting one takes 10-30 s, and the tests are
written to run in any order on a shared lab, each in its own namespace). Failure timings are
short so node failure shows within seconds: a node whose Lease is 10 s stale is NotReady,
its pods are evicted 5 s later. `lab down` runs even when a test fails.

Helpers for traffic from inside a node: `Lab.in_node()` runs a command in a node's network
namespace (`nsenter --net`, which keeps the host's mounts, so the venv's Python works
there), `Lab.http_from_node()` makes one request from a node (probe.py --once),
`Lab.probe()` starts a bounded load loop (probe.py) in a node's namespace and
`Probe.result()` stops it and returns the counts. Traffic goes only to the lab's own
addresses: nodes, pods, Services.

Set MINIK8S_E2E_LAB=/path/to/state-dir to run the tests against a lab already up (it is then
left running), which makes iterating on one test quick.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from minik8s.cluster import lab as labmod

Obj = dict[str, Any]
DEADLINE = 90.0
HERE = Path(__file__).resolve().parent
PROBE = HERE / "probe.py"

CONTROLLER_MANAGER_ARGS = [
    "--node-monitor-period", "1s",
    "--node-monitor-grace-period", "10s",
    "--default-not-ready-toleration-seconds", "5",
    "--node-eviction-rate", "10",
    # the DNS add-on forwards nothing: no test query can leave the machine (test_dns.py)
    "--addon-var", "DNS_UPSTREAM=none",
]  # fmt: skip
KUBELET_ARGS = ["--node-lease-duration-seconds", "8", "--node-status-update-frequency", "2s"]


def wait_for(
    check: Callable[[], Any], what: str, timeout: float = DEADLINE, interval: float = 0.3
) -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


@dataclass
class Probe:
    """A load loop running in the background; `result()` stops it and parses its summary."""

    proc: subprocess.Popen[str]
    stop_file: Path

    def result(self, timeout: float = 30) -> Obj:
        self.stop_file.touch()
        out, err = self.proc.communicate(timeout=timeout)
        try:
            return dict(json.loads(out.strip().splitlines()[-1]))
        except (ValueError, IndexError):
            raise AssertionError(f"the probe printed no summary: {out!r} {err!r}") from None


@dataclass
class Lab:
    cfg: labmod.LabConfig
    tmp: Path
    probes: list[Probe] = field(default_factory=list)

    @property
    def kubeconfig(self) -> Path:
        return self.cfg.kubeconfig

    @property
    def nodes(self) -> list[str]:
        return self.cfg.node_names()

    def node_ip(self, node: str) -> str:
        return self.cfg.node_ip(node)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.cfg.server, timeout=30)

    def mkctl(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "minik8s.ctl.main", "--kubeconfig", str(self.kubeconfig)]
        return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=timeout)

    def mkctl_ok(self, *args: str, timeout: float = 90) -> str:
        done = self.mkctl(*args, timeout=timeout)
        assert done.returncode == 0, f"mkctl {shlex.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def lab(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "minik8s.ctl.main", "lab", *args]
        return subprocess.run(
            [*cmd, "--state-dir", self.cfg.state], capture_output=True, text=True, timeout=timeout
        )

    def in_node(
        self, node: str, *cmd: str, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """Run `cmd` in the node's network namespace."""
        ns = ["nsenter", f"--net=/var/run/netns/{self.cfg.netns(node)}"]
        return subprocess.run([*ns, *cmd], capture_output=True, text=True, timeout=timeout)

    def http_from_node(self, node: str, url: str, timeout: float = 3) -> str | None:
        """One GET from inside `node`; the body, or None when it failed."""
        cmd = [sys.executable, str(PROBE), url, "--once", "--timeout", str(timeout)]
        done = self.in_node(node, *cmd, timeout=timeout + 20)
        return done.stdout.strip() if done.returncode == 0 else None

    def probe(self, url: str, node: str | None = None, max_seconds: float = 180) -> Probe:
        """Start probe.py against `url`, inside `node` (or on the host for node addresses)."""
        stop = self.tmp / f"probe-{uuid.uuid4().hex[:8]}.stop"
        cmd = [
            sys.executable, str(PROBE), url,
            "--stop-file", str(stop), "--max-seconds", str(max_seconds),
        ]  # fmt: skip
        if node is not None:
            cmd = ["nsenter", f"--net=/var/run/netns/{self.cfg.netns(node)}", *cmd]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        found = Probe(proc, stop)
        self.probes.append(found)
        return found

    def pods(self, ns: str, selector: str = "") -> list[Obj]:
        with self.client() as api:
            params = {"labelSelector": selector} if selector else {}
            r = api.get(f"/api/v1/namespaces/{ns}/pods", params=params)
            r.raise_for_status()
            return list(r.json()["items"])

    def log(self, component: str, node: str | None = None, lines: int = 40) -> str:
        name = f"{node}-{component}.log" if node else f"{component}.log"
        try:
            text = (self.cfg.state_dir / "logs" / name).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def running_pods(pods: list[Obj]) -> list[Obj]:
    """Pods Running and Ready, not being deleted."""

    def ready(p: Obj) -> bool:
        conds = (p.get("status") or {}).get("conditions") or []
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conds)

    return [
        p
        for p in pods
        if not p["metadata"].get("deletionTimestamp")
        and (p.get("status") or {}).get("phase") == "Running"
        and ready(p)
    ]


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "the lab needs root"
    for tool in ("nsenter", "ip", "dockerd", "docker", "etcd"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    return None


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("e2e")
    existing = os.environ.get("MINIK8S_E2E_LAB")
    if existing:
        yield Lab(labmod.load(Path(existing)), tmp)
        return
    state = tmp / "lab"
    found = Lab(labmod.LabConfig(nodes=3, state=str(state)), tmp)
    started = time.monotonic()
    up = found.lab(
        "up",
        "--nodes", "3",
        "--controller-manager-args", shlex.join(CONTROLLER_MANAGER_ARGS),
        "--kubelet-args", shlex.join(KUBELET_ARGS),
        timeout=300,
    )  # fmt: skip
    try:
        if up.returncode != 0:
            pytest.fail(f"mkctl lab up failed:\n{up.stdout}\n{up.stderr}")
        found.cfg = labmod.load(state)
        print(f"\nlab up --nodes 3: all nodes Ready in {time.monotonic() - started:.1f}s")
        yield found
    finally:
        for p in found.probes:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait(10)
        down = found.lab("down", timeout=300)
        if down.returncode != 0:
            print(f"mkctl lab down failed:\n{down.stdout}\n{down.stderr}")


@pytest.fixture
def ns(lab: Lab) -> Iterator[str]:
    """A namespace of the test's own, deleted afterwards."""
    name = f"e2e-{uuid.uuid4().hex[:6]}"
    with lab.client() as api:
        r = api.post("/api/v1/namespaces", json={"metadata": {"name": name}})
        assert r.status_code == 201, r.text
    yield name
    with lab.client() as api:
        api.delete(f"/api/v1/namespaces/{name}")


def web_manifests(name: str, replicas: int, node_port: int, image: str) -> str:
    """A Deployment of busybox-httpd replicas and a NodePort Service in front of them.

    The preStop sleep keeps a terminating pod serving while every node's proxy drops it from
    its rules, as one does on a real cluster for zero-downtime rollouts."""
    labels = {"app": name}
    deployment: Obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            },
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 10,
                    "containers": [
                        {
                            "name": "httpd",
                            "image": image,
                            "ports": [{"containerPort": 8080}],
                            "readinessProbe": {
                                "httpGet": {"path": "/", "port": 8080},
                                "periodSeconds": 1,
                            },
                            "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
                        }
                    ],
                },
            },
        },
    }
    service: Obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {
            "type": "NodePort",
            "selector": labels,
            "ports": [{"port": 80, "targetPort": 8080, "nodePort": node_port}],
        },
    }
    return yaml.safe_dump_all([deployment, service])
