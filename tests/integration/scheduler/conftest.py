"""A cluster of the test's own: an API server on the shared etcd under a private key
prefix (so nodes and pods of other tests are invisible), nodes created through the API
(no kubelets), and `mk-scheduler` processes started as users start them."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from minik8s.cluster import processes
from tests.conftest import APIServerProcess, EtcdProcess

ROOT = Path(__file__).resolve().parents[3]
DEADLINE = 60.0


class Cluster:
    def __init__(self, server: APIServerProcess, workdir: Path) -> None:
        self.server = server
        self.url = server.url
        self.workdir = workdir
        self.api = httpx.Client(base_url=server.url, timeout=20)
        self.ns = "default"
        self.schedulers: list[subprocess.Popen[bytes]] = []

    # ---- objects
    def node(
        self,
        name: str,
        cpu: str = "4",
        memory: str = "8Gi",
        pods: int = 110,
        labels: dict[str, str] | None = None,
        taints: list[dict[str, Any]] | None = None,
        unschedulable: bool = False,
        ready: bool = True,
    ) -> dict[str, Any]:
        labels = {"kubernetes.io/hostname": name, **(labels or {})}
        spec: dict[str, Any] = {"taints": taints or []}
        if unschedulable:
            spec["unschedulable"] = True
        body = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": labels},
            "spec": spec,
        }
        r = self.api.post("/api/v1/nodes", json=body)
        assert r.status_code == 201, r.text
        node = r.json()
        alloc = {"cpu": cpu, "memory": memory, "pods": str(pods)}
        node["status"] = {
            "capacity": alloc,
            "allocatable": alloc,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        }
        r = self.api.put(f"/api/v1/nodes/{name}/status", json=node)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def pod(
        self,
        name: str,
        cpu: str | None = None,
        memory: str | None = None,
        *,
        labels: dict[str, str] | None = None,
        priority: int | None = None,
        **spec_extra: Any,
    ) -> dict[str, Any]:
        requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
        container: dict[str, Any] = {"name": "c", "image": "minik8s/pause:latest"}
        if requests:
            container["resources"] = {"requests": requests}
        spec: dict[str, Any] = {"containers": [container], "terminationGracePeriodSeconds": 0}
        if priority is not None:
            # as users do: a PriorityClass, which the API server turns into spec.priority
            klass = {"metadata": {"name": f"prio-{priority}"}, "value": priority}
            r = self.api.post("/apis/scheduling.k8s.io/v1/priorityclasses", json=klass)
            assert r.status_code in (201, 409), r.text
            spec["priorityClassName"] = f"prio-{priority}"
        spec.update(spec_extra)
        body = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "labels": labels or {}},
            "spec": spec,
        }
        r = self.api.post(f"/api/v1/namespaces/{self.ns}/pods", json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def get_pod(self, name: str) -> dict[str, Any] | None:
        r = self.api.get(f"/api/v1/namespaces/{self.ns}/pods/{name}")
        if r.status_code == 404:
            return None
        assert r.status_code == 200, r.text
        return dict(r.json())

    def node_of(self, name: str) -> str | None:
        pod = self.get_pod(name)
        return None if pod is None else pod["spec"].get("nodeName")

    def wait(self, what: str, check: Callable[[], Any], timeout: float = DEADLINE) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            self._check_schedulers()
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")

    def wait_bound(self, name: str, timeout: float = DEADLINE) -> str:
        return str(self.wait(f"pod {name} to be bound", lambda: self.node_of(name), timeout))

    def wait_unschedulable(self, name: str) -> dict[str, Any]:
        def condition() -> dict[str, Any] | None:
            pod = self.get_pod(name) or {}
            for c in (pod.get("status") or {}).get("conditions") or []:
                if c.get("type") == "PodScheduled" and c.get("status") == "False":
                    return dict(c)
            return None

        return dict(self.wait(f"pod {name} to be marked unschedulable", condition))

    def events(self, reason: str, name: str | None = None) -> list[dict[str, Any]]:
        r = self.api.get(f"/api/v1/namespaces/{self.ns}/events")
        assert r.status_code == 200, r.text
        return [
            e
            for e in r.json()["items"]
            if e.get("reason") == reason
            and (name is None or e["involvedObject"].get("name") == name)
        ]

    # ---- schedulers
    def start_scheduler(
        self, *extra: str, leader_elect: bool = False
    ) -> tuple[subprocess.Popen[bytes], int]:
        port = processes.free_port()
        log = self.workdir / f"scheduler-{port}.log"
        cmd = [
            sys.executable,
            "-m",
            "scheduler",
            "--server",
            self.url,
            f"--leader-elect={'true' if leader_elect else 'false'}",
            "--healthz-port",
            str(port),
            "--pod-initial-backoff-seconds",
            "0.2",
            "--pod-max-backoff-seconds",
            "1",
            *extra,
        ]
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            stdout=open(log, "ab"),  # noqa: SIM115 (the child keeps it)
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.schedulers.append(proc)
        self.wait(
            f"mk-scheduler on {port} (log {log})",
            lambda: processes.http_ok(f"http://127.0.0.1:{port}/healthz"),
        )
        return proc, port

    def _check_schedulers(self) -> None:
        for proc in self.schedulers:
            code = proc.poll()
            if code is not None and code != 0 and proc.returncode not in (-15, 143):
                raise AssertionError(f"mk-scheduler exited with {code}")

    def close(self) -> None:
        for proc in self.schedulers:
            processes.stop(proc)
        self.api.close()


@pytest.fixture
def cluster(etcd: EtcdProcess, workdir: Path) -> Iterator[Cluster]:
    port = processes.free_port()
    prefix = f"/sched-{uuid.uuid4().hex[:8]}"
    server = APIServerProcess(
        f"http://127.0.0.1:{port}",
        port,
        etcd.url,
        workdir / f"apiserver-{port}.log",
        ["--etcd-prefix", prefix, "--bookmark-interval", "1"],
    )
    server.start()
    c = Cluster(server, workdir)
    try:
        yield c
    finally:
        c.close()
        server.stop()
