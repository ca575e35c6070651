"""persistentVolumeClaim volumes through a real kubelet, CRI shim and Docker.

A PersistentVolume on a hostPath under the test's tmp dir, a claim pre-bound to it
(`spec.volumeName`), pods that write and read through the claim; an unbound or missing
claim keeps the pod Pending with a FailedMount event until the claim is bound.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.kubelet.conftest import KubeletProcess
from tests.integration.kubelet.helpers import IDLE, container, create, phase, pod, wait_pod

Obj = dict[str, Any]


@pytest.fixture
def volume_names(api: httpx.Client) -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        api.delete(f"/api/v1/persistentvolumes/{name}")


def make_pv(api: httpx.Client, names: list[str], path: Path) -> str:
    name = f"pv-{uuid.uuid4().hex[:8]}"
    names.append(name)
    body = {
        "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": str(path), "type": "DirectoryOrCreate"},
        },
    }
    r = api.post("/api/v1/persistentvolumes", json=body)
    assert r.status_code == 201, r.text
    return name


def make_claim(api: httpx.Client, ns: str, name: str, volume: str = "") -> None:
    spec: Obj = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    if volume:
        spec["volumeName"] = volume
    r = api.post(
        f"/api/v1/namespaces/{ns}/persistentvolumeclaims",
        json={"metadata": {"name": name}, "spec": spec},
    )
    assert r.status_code == 201, r.text


def claim_pod(name: str, node: str, claim: str, script: str, read_only: bool = False) -> Obj:
    mount = [{"name": "data", "mountPath": "/data"}]
    return pod(
        name,
        node,
        container("main", script, volumeMounts=mount),
        restartPolicy="Never",
        volumes=[
            {"name": "data", "persistentVolumeClaim": {"claimName": claim, "readOnly": read_only}}
        ],
    )


def wait_for(check: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.3)


def mount_failures(api: httpx.Client, ns: str, name: str) -> list[str]:
    items = api.get(f"/api/v1/namespaces/{ns}/events").json()["items"]
    return [
        e.get("message", "")
        for e in items
        if e["involvedObject"]["name"] == name and e.get("reason") == "FailedMount"
    ]


def test_pod_writes_through_a_pre_bound_claim(
    api: httpx.Client,
    ns: str,
    kubelet: KubeletProcess,
    volume_names: list[str],
    tmp_path: Path,
) -> None:
    host = tmp_path / "pv" / "data"  # DirectoryOrCreate: the kubelet creates it
    volume = make_pv(api, volume_names, host)
    make_claim(api, ns, "data", volume)

    create(api, ns, claim_pod("writer", kubelet.node, "data", "echo hello > /data/out"))
    wait_pod(api, ns, "writer", lambda p: phase(p) == "Succeeded", "writer Succeeded", 90)
    assert (host / "out").read_text() == "hello\n"

    # readOnly on the claim: the file is readable, writing fails (the script exits 0 then)
    script = "grep -q hello /data/out && ! touch /data/forbidden"
    create(api, ns, claim_pod("reader", kubelet.node, "data", script, read_only=True))
    wait_pod(api, ns, "reader", lambda p: phase(p) == "Succeeded", "reader Succeeded", 90)
    assert not (host / "forbidden").exists()


def test_unbound_or_missing_claim_keeps_the_pod_pending(
    api: httpx.Client,
    ns: str,
    kubelet: KubeletProcess,
    volume_names: list[str],
    tmp_path: Path,
) -> None:
    make_claim(api, ns, "loose")
    create(api, ns, claim_pod("unbound", kubelet.node, "loose", "echo bound > /data/out; " + IDLE))
    create(api, ns, claim_pod("ghost", kubelet.node, "nothing", IDLE))

    wait_for(
        lambda: any(
            'persistentvolumeclaim "loose" is not bound' in m
            for m in mount_failures(api, ns, "unbound")
        ),
        "FailedMount of the unbound claim",
    )
    wait_for(
        lambda: any(
            'persistentvolumeclaim "nothing" not found' in m
            for m in mount_failures(api, ns, "ghost")
        ),
        "FailedMount of the missing claim",
    )
    for name in ("unbound", "ghost"):
        current = wait_pod(api, ns, name, lambda p: True, name)
        assert phase(current) == "Pending", current.get("status")

    # binding the claim (volumeName may be set once while empty): the retry mounts it
    host = tmp_path / "late"
    volume = make_pv(api, volume_names, host)
    r = api.patch(
        f"/api/v1/namespaces/{ns}/persistentvolumeclaims/loose",
        json={"spec": {"volumeName": volume}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200, r.text
    wait_pod(api, ns, "unbound", lambda p: phase(p) == "Running", "unbound Running once bound", 90)
    wait_for(lambda: (host / "out").exists(), "the file on the late-bound volume")
    assert phase(wait_pod(api, ns, "ghost", lambda p: True, "ghost")) == "Pending"
