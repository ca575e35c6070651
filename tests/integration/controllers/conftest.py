"""A real `mk-controller-manager` against the session's API server and etcd.

Pods are made Running/Ready by `Kubelet`, a test helper standing in for the kubelets
(no Docker needed): it writes pod status through the status subresource. Every wait is a
condition polled with a deadline.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from minik8s.cluster import processes
from tests.conftest import APIServerProcess

Obj = dict[str, Any]
DEADLINE = 60.0


def wait_for(check: Callable[[], Any], what: str, timeout: float = DEADLINE) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


def patch(client: httpx.Client, path: str, *, json: Any, headers: dict[str, str]) -> httpx.Response:
    """`client.patch`, retried on 409: the API server answers Conflict to a patch without
    resourceVersion that races another write, where Kubernetes retries it itself."""
    for _ in range(20):
        r = client.patch(path, json=json, headers=headers)
        if r.status_code != 409:
            break
    return r


class ControllerManager:
    def __init__(self, server: str, log: Path, extra: list[str]) -> None:
        self.port = processes.free_port()
        self.log = log
        cmd = [
            sys.executable,
            "-m",
            "controllers",
            "--server",
            server,
            "--healthz-port",
            str(self.port),
            *extra,
        ]
        self.proc = processes.spawn(cmd, log)

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"controller manager exited; see {self.log}")
        return processes.http_ok(f"http://127.0.0.1:{self.port}/healthz")

    def stop(self) -> None:
        processes.stop(self.proc)


LAB_FLAGS = [
    "--v",
    "1",
    "--node-monitor-period",
    "1s",
    "--node-monitor-grace-period",
    "4s",
    "--default-not-ready-toleration-seconds",
    "2",
    "--node-eviction-rate",
    "50",
    "--leader-elect-lease-duration",
    "4s",
    "--leader-elect-renew-deadline",
    "3s",
    "--leader-elect-retry-period",
    "0.5s",
]


# package scope: the manager acts on the whole cluster (taints lease-less Nodes, collects
# dangling dependents), so it must be gone before other packages' tests share the server
@pytest.fixture(scope="package")
def controller_manager(apiserver: APIServerProcess, workdir: Path) -> Iterator[ControllerManager]:
    lock = f"cm-{uuid.uuid4().hex[:8]}"
    cm = ControllerManager(
        apiserver.url,
        workdir / "controller-manager.log",
        [*LAB_FLAGS, "--leader-elect-resource-name", lock],
    )
    try:
        wait_for(cm.ready, "the controller manager's /healthz", 30)
        yield cm
    finally:
        cm.stop()


def is_ready(pod: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


class Kubelet:
    """Marks the pods of one namespace Running and Ready (unless told to hold some back)."""

    def __init__(self, url: str, ns: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=10)
        self.ns = ns
        self.hold: Callable[[Obj], bool] = lambda pod: False
        self.observers: list[Callable[[list[Obj]], None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._ip = 0

    def __enter__(self) -> Kubelet:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self.client.close()

    def pods(self) -> list[Obj]:
        r = self.client.get(f"/api/v1/namespaces/{self.ns}/pods")
        r.raise_for_status()
        return list(r.json()["items"])

    def mark(self, pod: Obj, ready: bool) -> None:
        self._ip += 1
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        status = {
            "phase": "Running",
            "podIP": (pod.get("status") or {}).get("podIP")
            or f"10.250.{self._ip // 250}.{self._ip % 250 + 1}",
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True" if ready else "False",
                    "lastTransitionTime": now,
                },
            ],
        }
        name = pod["metadata"]["name"]
        for _ in range(20):  # retried on 409, as `patch` is
            r = self.client.patch(
                f"/api/v1/namespaces/{self.ns}/pods/{name}/status",
                json={"status": status},
                headers={"Content-Type": "application/merge-patch+json"},
            )
            if r.status_code != 409:
                return

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                pods = self.pods()
            except httpx.HTTPError:
                self._stop.wait(0.2)
                continue
            for observe in self.observers:
                observe(pods)
            for pod in pods:
                if pod["metadata"].get("deletionTimestamp") or is_ready(pod) or self.hold(pod):
                    continue
                self.mark(pod, True)
            self._stop.wait(0.05)


class PodWatcher:
    """Watches the pods of a namespace and calls `check(pods)` after every watch event."""

    def __init__(self, url: str, ns: str, check: Callable[[list[Obj]], None]) -> None:
        self.url = url
        self.ns = ns
        self.check = check
        self.events = 0
        self._pods: dict[str, Obj] = {}
        self._stop = threading.Event()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> PodWatcher:
        self._thread.start()
        if not self._started.wait(10):
            raise AssertionError("the pod watch did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        import json

        rv = ""
        with httpx.Client(base_url=self.url, timeout=httpx.Timeout(10, read=5)) as client:
            while not self._stop.is_set():  # each request ends within timeoutSeconds
                params = {"watch": "true", "timeoutSeconds": "1"}
                if rv:
                    params["resourceVersion"] = rv
                try:
                    with client.stream(
                        "GET", f"/api/v1/namespaces/{self.ns}/pods", params=params
                    ) as response:
                        self._started.set()
                        for line in response.iter_lines():
                            if not line.strip():
                                continue
                            event = json.loads(line)
                            obj = event["object"]
                            if event["type"] in ("BOOKMARK", "ERROR"):
                                continue
                            rv = obj["metadata"]["resourceVersion"]
                            if event["type"] == "DELETED":
                                self._pods.pop(obj["metadata"]["name"], None)
                            else:
                                self._pods[obj["metadata"]["name"]] = obj
                            self.events += 1
                            self.check(list(self._pods.values()))
                            if self._stop.is_set():
                                return
                except httpx.HTTPError:
                    self._stop.wait(0.2)
                    continue
