"""`make up` / `make down` (minik8s.cluster.local): idempotent, state survives, kubeconfig works."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from minik8s.cluster import processes
from tests.conftest import APIServerProcess


def _run(action: str, state: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minik8s.cluster.local", action, "--state-dir", str(state)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def _ready_node(api: httpx.Client) -> str:
    found: list[str] = []

    def ready() -> bool:
        for node in api.get("/api/v1/nodes").json()["items"]:
            conditions = (node.get("status") or {}).get("conditions") or []
            if any(c["type"] == "Ready" and c["status"] == "True" for c in conditions):
                found.append(node["metadata"]["name"])
                return True
        return False

    processes.wait_until(ready, 60, "a Ready node", interval=0.3)
    return found[0]


def _wait_running(api: httpx.Client, name: str) -> None:
    def running() -> bool:
        r = api.get(f"/api/v1/namespaces/default/pods/{name}")
        return r.status_code == 200 and (r.json().get("status") or {}).get("phase") == "Running"

    processes.wait_until(running, 90, f"pod {name} Running", interval=0.3)


def _mkctl(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "minik8s.ctl.main", "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _row(output: str, component: str) -> list[str]:
    for line in output.splitlines():
        if line.startswith(component + " "):
            return line.split()
    raise AssertionError(f"no {component} row in:\n{output}")


def _check_status_and_supervision(state: Path, kubeconfig: Path, api: httpx.Client) -> None:
    """`mkctl cluster status` is healthy; a daemon killed with -9 comes back by itself; with
    the scheduler stopped the status names it and exits 1."""
    status = _mkctl(kubeconfig, "cluster", "status")
    assert status.returncode == 0, status.stdout + status.stderr
    for component in ("apiserver", "etcd-0", "scheduler", "controller-manager"):
        assert _row(status.stdout, component)[1] == "Healthy"
    assert "Ready" in [
        w for line in status.stdout.splitlines() if "node/" in line for w in line.split()
    ]

    cs = subprocess.run(
        ["kubectl", "--kubeconfig", str(kubeconfig), "get", "componentstatuses"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cs.returncode == 0, cs.stderr
    assert _row(cs.stdout, "etcd-0")[:2] == ["etcd-0", "Healthy"]
    assert _row(cs.stdout, "scheduler")[:2] == ["scheduler", "Healthy"]

    run = state / "run"
    for name in ("apiserver", "kubelet"):
        old = int((run / f"{name}.child.pid").read_text())
        os.kill(old, signal.SIGKILL)

        def back(name: str = name, old: int = old) -> bool:
            pid = processes.read_pid(run / f"{name}.child.pid")
            return pid is not None and pid != old

        processes.wait_until(back, 60, f"the supervisor to restart {name}", interval=0.2)
        assert "supervise: " + name in (state / "logs" / f"{name}.log").read_text()
    processes.wait_until(
        lambda: _mkctl(kubeconfig, "cluster", "status").returncode == 0,
        90,
        "a healthy cluster after the restarts",
        interval=1,
    )
    assert api.get("/api/v1/namespaces/default/pods/up-pod").status_code == 200

    processes.stop_pid(int((run / "scheduler.pid").read_text()), timeout=30)
    status = _mkctl(kubeconfig, "cluster", "status")
    assert status.returncode == 1
    assert _row(status.stdout, "scheduler")[1] == "Unhealthy"
    assert _row(status.stdout, "etcd-0")[1] == "Healthy"
    assert status.stderr.strip() == "error: unhealthy: scheduler"
    assert "Traceback" not in status.stderr


def test_up_is_idempotent_and_state_survives_down(tmp_path: Path) -> None:
    ports = {
        "MINIK8S_ETCD_PORT": str(processes.free_port()),
        "MINIK8S_ETCD_PEER_PORT": str(processes.free_port()),
        "MINIK8S_API_PORT": str(processes.free_port()),
        "MINIK8S_CRI_HEALTH_PORT": str(processes.free_port()),
        "MINIK8S_KUBELET_PORT": str(processes.free_port()),
        "MINIK8S_KUBELET_HEALTH_PORT": str(processes.free_port()),
        "MINIK8S_CRI_INSTANCE": f"mk-test-{tmp_path.name[-12:]}".lower().replace("_", "-"),
        "MINIK8S_CLUSTER_CIDR": "10.251.0.0/16",
        "MINIK8S_CM_HEALTH_PORT": str(processes.free_port()),
        "MINIK8S_SCHEDULER_HEALTH_PORT": str(processes.free_port()),
        # Never the host's iptables from a test: the agent is tested in namespaces of its own.
        "MINIK8S_PROXY": "0",
        "MINIK8S_KUBECONFIG": str(tmp_path / "kubeconfig"),
    }
    state = tmp_path / "state"
    try:
        first = _run("up", state, ports)
        assert first.returncode == 0, first.stderr
        assert "mk-apiserver   started" in first.stdout
        assert "mk-cri-docker  started" in first.stdout
        assert "mk-kubelet     started" in first.stdout
        assert (state / "run" / "cri.sock").exists()
        health = f"http://127.0.0.1:{ports['MINIK8S_CRI_HEALTH_PORT']}/healthz"
        assert httpx.get(health).status_code == 200
        assert first.stdout.count("supervisor") == 6  # every daemon but the proxy (off)
        assert re.search(r"^node +\S+ Ready \(", first.stdout, re.M), first.stdout
        assert "cluster status" in first.stdout  # the "try this"
        config = yaml.safe_load((tmp_path / "kubeconfig").read_text())
        server = config["clusters"][0]["cluster"]["server"]
        assert config["current-context"] == "minik8s"
        kubectl = subprocess.run(
            ["kubectl", "--kubeconfig", str(tmp_path / "kubeconfig"), "get", "ns", "-o", "name"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert "namespace/default" in kubectl.stdout.split(), kubectl.stderr
        with httpx.Client(base_url=server, timeout=10) as api:
            node = _ready_node(api)
            pod = {
                "metadata": {"name": "up-pod"},
                "spec": {
                    "nodeName": node,
                    "containers": [
                        {
                            "name": "main",
                            "image": "minik8s/busybox:latest",
                            "command": ["sleep", "3600"],
                        }
                    ],
                },
            }
            assert api.post("/api/v1/namespaces/default/pods", json=pod).status_code == 201
            _wait_running(api, "up-pod")
            label = f"label=io.minik8s.cri.instance={ports['MINIK8S_CRI_INSTANCE']}"
            ours = subprocess.run(
                ["docker", "ps", "-q", "--filter", label], capture_output=True, text=True
            ).stdout.split()
            assert len(ours) == 2, "the pod's sandbox and container carry the cluster's instance"
            _check_status_and_supervision(state, tmp_path / "kubeconfig", api)
            # The scheduler was stopped above: `up` starts it alone and leaves the rest.
            again = _run("up", state, ports)
            assert again.returncode == 0, again.stderr
            assert "mk-scheduler   started" in again.stdout
            assert "mk-apiserver   already running" in again.stdout
            status = _mkctl(tmp_path / "kubeconfig", "cluster", "status")
            assert status.returncode == 0, status.stdout + status.stderr
            r = api.post(
                "/api/v1/namespaces/default/configmaps",
                json={"metadata": {"name": "kept"}, "data": {"a": "b"}},
            )
            assert r.status_code == 201
        assert _run("down", state, ports).returncode == 0
        assert not processes.port_open(int(ports["MINIK8S_API_PORT"]))
        assert not (state / "run" / "cri.sock").exists()
        label = f"label=io.minik8s.cri.instance={ports['MINIK8S_CRI_INSTANCE']}"
        left = subprocess.run(
            ["docker", "ps", "-aq", "--filter", label], capture_output=True, text=True
        ).stdout.split()
        assert left == [], "make down removes the pod containers"
        assert _run("up", state, ports).returncode == 0
        with httpx.Client(base_url=server, timeout=10) as api:
            r = api.get("/api/v1/namespaces/default/configmaps/kept")
            assert r.status_code == 200 and r.json()["data"] == {"a": "b"}
            _wait_running(api, "up-pod")  # the kubelet brings the pod back
    finally:
        _run("down", state, ports)


def test_up_refuses_a_port_it_does_not_own(tmp_path: Path, apiserver: APIServerProcess) -> None:
    taken = apiserver.port
    env = {
        "MINIK8S_ETCD_PORT": str(processes.free_port()),
        "MINIK8S_ETCD_PEER_PORT": str(processes.free_port()),
        "MINIK8S_API_PORT": str(taken),
        "MINIK8S_KUBECONFIG": str(tmp_path / "kubeconfig"),
    }
    try:
        r = _run("up", tmp_path / "state", env)
        assert r.returncode == 1
        assert f"port {taken} is taken" in r.stderr
        assert "Traceback" not in r.stderr
        # Nothing was started: the check comes before any process.
        assert not processes.port_open(int(env["MINIK8S_ETCD_PORT"]))
    finally:
        _run("down", tmp_path / "state", env)
