"""The Node's pod CIDR, assigned after registration, reaches the runtime."""

from __future__ import annotations

import time

import httpx

from tests.integration.kubelet.conftest import KubeletProcess
from tests.integration.kubelet.helpers import create, phase, pod, wait_pod


def _ready(api: httpx.Client, node: str) -> tuple[str, str]:
    status = api.get(f"/api/v1/nodes/{node}").json().get("status") or {}
    for c in status.get("conditions") or []:
        if c["type"] == "Ready":
            return c["status"], c.get("message", "")
    return "", ""


def test_pod_cidr_assigned_later_reaches_the_runtime(
    api: httpx.Client, ns: str, kubelet_without_cidr: KubeletProcess
) -> None:
    kubelet = kubelet_without_cidr
    status, message = _ready(api, kubelet.node)
    assert status == "False" and "NetworkReady" in message, message
    patch = {"spec": {"podCIDR": kubelet.shim.pod_cidr, "podCIDRs": [kubelet.shim.pod_cidr]}}
    r = api.patch(
        f"/api/v1/nodes/{kubelet.node}",
        json=patch,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 60
    while _ready(api, kubelet.node)[0] != "True":
        assert time.monotonic() < deadline, f"node never Ready: {_ready(api, kubelet.node)}"
        time.sleep(0.3)
    create(api, ns, pod("net", kubelet.node))
    p = wait_pod(api, ns, "net", lambda p: phase(p) == "Running", "net Running")
    assert p["status"]["podIP"].startswith(kubelet.shim.pod_cidr.rsplit(".", 1)[0])
