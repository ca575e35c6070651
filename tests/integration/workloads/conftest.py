"""A real one-node cluster for the workload controllers' tests: started as `make up` does.

`cluster` (one per test package) runs `python -m minik8s.cluster.local up` with its own
state directory, free ports, its own CRI instance (so its containers never mix with another
cluster's on the same Docker engine) and its own cluster CIDR; the proxy agent stays off
(it is tested in namespaces of its own). Controller-manager, scheduler and kubelet flags the
tests need (short windows) live in the lists below. Tests isolate themselves with `ns`.
"""

from __future__ import annotations

import os
import random
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from minik8s.cluster import processes

Obj = dict[str, Any]
DEADLINE = 90.0

# Short windows for tests; each controller's tests add the flags they need here.
CONTROLLER_MANAGER_ARGS: list[str] = [
    # HPA (test_hpa.py): evaluate every 3 s, scale down after 20 s of lower recommendations
    "--horizontal-pod-autoscaler-sync-period=3s",
    "--horizontal-pod-autoscaler-downscale-stabilization=20s",
    # Jobs (test_jobs.py): replace a failed pod after 1 s (then 2 s, …), not 10 s
    "--job-pod-failure-backoff=1s",
]
SCHEDULER_ARGS: list[str] = []
KUBELET_ARGS: list[str] = []
# metrics.k8s.io (test_metrics.py, test_hpa.py): scrape the kubelet every 5 s
APISERVER_ARGS: list[str] = ["--metric-resolution=5"]


def wait_for(
    check: Callable[[], Any], what: str, timeout: float = DEADLINE, interval: float = 0.2
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
class Cluster:
    state: Path
    url: str
    kubeconfig: Path
    env: dict[str, str]
    instance: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def log(self, component: str, lines: int = 60) -> str:
        """The tail of a component's log (`controller-manager`, `kubelet`, …) for failures."""
        try:
            text = (self.state / "logs" / f"{component}.log").read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def mkctl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "minik8s.ctl.main", "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def node_name(self) -> str:
        with self.client() as api:
            return str(api.get("/api/v1/nodes").json()["items"][0]["metadata"]["name"])


def _run(action: str, state: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minik8s.cluster.local", action, "--state-dir", str(state)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


def _node_ready(api: httpx.Client) -> bool:
    for node in api.get("/api/v1/nodes").json().get("items", []):
        conditions = (node.get("status") or {}).get("conditions") or []
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
        if ready and (node.get("spec") or {}).get("podCIDR"):
            return True
    return False


@pytest.fixture(scope="package")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("cluster")
    instance = f"mk-wl-{uuid.uuid4().hex[:8]}"
    # a /16 of its own, so two test clusters' pod bridges never overlap on one engine
    cidr = f"10.{random.randrange(160, 200)}.0.0/16"
    env = {
        "MINIK8S_ETCD_PORT": str(processes.free_port()),
        "MINIK8S_ETCD_PEER_PORT": str(processes.free_port()),
        "MINIK8S_API_PORT": str(processes.free_port()),
        "MINIK8S_CRI_HEALTH_PORT": str(processes.free_port()),
        "MINIK8S_KUBELET_PORT": str(processes.free_port()),
        "MINIK8S_KUBELET_HEALTH_PORT": str(processes.free_port()),
        "MINIK8S_CM_HEALTH_PORT": str(processes.free_port()),
        "MINIK8S_SCHEDULER_HEALTH_PORT": str(processes.free_port()),
        "MINIK8S_CRI_INSTANCE": instance,
        "MINIK8S_CLUSTER_CIDR": cidr,
        "MINIK8S_PROXY": "0",
        "MINIK8S_KUBECONFIG": str(root / "kubeconfig"),
        "MINIK8S_CONTROLLER_MANAGER_ARGS": shlex.join(CONTROLLER_MANAGER_ARGS),
        "MINIK8S_SCHEDULER_ARGS": shlex.join(SCHEDULER_ARGS),
        "MINIK8S_KUBELET_ARGS": shlex.join(KUBELET_ARGS),
        "MINIK8S_APISERVER_ARGS": shlex.join(APISERVER_ARGS),
    }
    state = root / "state"
    started = _run("up", state, env)
    if started.returncode != 0:
        _run("down", state, env)
        pytest.fail(f"the test cluster did not start:\n{started.stdout}\n{started.stderr}")
    found = Cluster(
        state=state,
        url=f"http://127.0.0.1:{env['MINIK8S_API_PORT']}",
        kubeconfig=root / "kubeconfig",
        env=env,
        instance=instance,
    )
    try:
        with found.client() as api:
            wait_for(lambda: _node_ready(api), "a Ready node with a podCIDR", timeout=120)
        yield found
    finally:
        _run("down", state, env)


@pytest.fixture
def api(cluster: Cluster) -> Iterator[httpx.Client]:
    with cluster.client() as client:
        yield client


@pytest.fixture
def ns(api: httpx.Client) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:8]}"
    r = api.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert r.status_code == 201, r.text
    yield name
    api.delete(f"/api/v1/namespaces/{name}")
