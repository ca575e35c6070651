"""metrics.k8s.io on a real cluster: the API server scrapes the real kubelet, whose numbers
come from Docker through the CRI shim; `mkctl top` and `kubectl top` read them."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from minik8s.api.quantity import parse_bytes, parse_cpu_millis
from tests.integration.workloads.conftest import Cluster, wait_for

Obj = dict[str, Any]
METRICS = "/apis/metrics.k8s.io/v1beta1"
BUSY = ["sh", "-c", "while true; do :; done"]  # stops with its container


def pod(name: str, command: list[str]) -> Obj:
    return {
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [
                {
                    "name": "main",
                    "image": "minik8s/busybox:latest",
                    "imagePullPolicy": "IfNotPresent",
                    "command": command,
                    "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "200m"}},
                }
            ],
        },
    }


@pytest.fixture
def pods(api: httpx.Client, ns: str) -> Iterator[None]:
    for name, command in (("busy", BUSY), ("idle", ["sleep", "3600"])):
        r = api.post(f"/api/v1/namespaces/{ns}/pods", json=pod(name, command))
        assert r.status_code == 201, r.text
    yield
    for name in ("busy", "idle"):  # the busy loop must not outlive the test
        api.delete(f"/api/v1/namespaces/{ns}/pods/{name}", params={"gracePeriodSeconds": 0})


def cpu_of(metrics: Obj) -> int:
    return sum(parse_cpu_millis(c["usage"]["cpu"]) for c in metrics["containers"])


def test_pod_and_node_metrics(cluster: Cluster, api: httpx.Client, ns: str, pods: None) -> None:
    def both() -> list[Obj] | None:
        items = api.get(f"{METRICS}/namespaces/{ns}/pods").json().get("items") or []
        found = {m["metadata"]["name"]: m for m in items}
        if set(found) == {"busy", "idle"} and cpu_of(found["busy"]) > 50:
            return [found["busy"], found["idle"]]
        return None

    busy, idle = wait_for(both, "PodMetrics of both pods, the busy one above 50m", timeout=150)
    print(f"busy {cpu_of(busy)}m, idle {cpu_of(idle)}m, window {busy['window']}")
    # the busy loop is held to its 200m limit (a CPU quota); the idle pod uses next to nothing
    assert 50 < cpu_of(busy) < 300, busy
    assert cpu_of(idle) < 20, idle
    assert busy["containers"][0]["name"] == "main"
    assert parse_bytes(busy["containers"][0]["usage"]["memory"]) > 0
    assert busy["window"].endswith("s") and busy["timestamp"]

    one = api.get(f"{METRICS}/namespaces/{ns}/pods/busy").json()
    assert (one["kind"], one["metadata"]["name"]) == ("PodMetrics", "busy")
    selected = api.get(f"{METRICS}/namespaces/{ns}/pods", params={"labelSelector": "app=idle"})
    assert [m["metadata"]["name"] for m in selected.json()["items"]] == ["idle"]
    missing = api.get(f"{METRICS}/namespaces/{ns}/pods/nope")
    assert missing.status_code == 404 and missing.json()["kind"] == "Status"

    node = cluster.node_name()
    nodes = api.get(f"{METRICS}/nodes").json()["items"]
    [usage] = [n["usage"] for n in nodes if n["metadata"]["name"] == node]
    assert parse_cpu_millis(usage["cpu"]) > 50  # at least the busy pod
    assert parse_bytes(usage["memory"]) > 0

    top = cluster.mkctl("top", "pods", "-n", ns)
    assert top.returncode == 0, top.stderr
    lines = top.stdout.splitlines()
    assert lines[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == {"busy", "idle"}
    assert int(rows["busy"][1].rstrip("m")) > 50

    top = cluster.mkctl("top", "nodes")
    assert top.returncode == 0, top.stderr
    header, *rows_n = top.stdout.splitlines()
    assert header.split() == ["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]
    assert any(r.split()[0] == node and r.split()[2].endswith("%") for r in rows_n)

    kubectl = shutil.which("kubectl")
    if kubectl:  # the real client finds the API through discovery
        out = subprocess.run(
            [kubectl, "--kubeconfig", str(cluster.kubeconfig), "top", "pods", "-n", ns],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        assert "busy" in out.stdout and "idle" in out.stdout
