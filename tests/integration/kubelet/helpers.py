"""Pod builders and waits for the kubelet tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

Obj = dict[str, Any]
IDLE = "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"
BUSYBOX = "minik8s/busybox:latest"


def container(name: str = "main", script: str = IDLE, **kw: Any) -> Obj:
    return {
        "name": name,
        "image": BUSYBOX,
        "imagePullPolicy": "IfNotPresent",
        "command": ["sh", "-c", script],
        **kw,
    }


def pod(name: str, node: str, *containers: Obj, **spec: Any) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "nodeName": node,
            "terminationGracePeriodSeconds": 5,
            "containers": list(containers) or [container()],
            **spec,
        },
    }


def create(api: httpx.Client, ns: str, body: Obj) -> Obj:
    r = api.post(f"/api/v1/namespaces/{ns}/pods", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def get(api: httpx.Client, ns: str, name: str) -> Obj | None:
    r = api.get(f"/api/v1/namespaces/{ns}/pods/{name}")
    if r.status_code == 404:
        return None
    assert r.status_code == 200, r.text
    return dict(r.json())


def wait_pod(
    api: httpx.Client,
    ns: str,
    name: str,
    check: Callable[[Obj], bool],
    what: str,
    timeout: float = 60,
) -> Obj:
    deadline = time.monotonic() + timeout
    last: Obj | None = None
    while time.monotonic() < deadline:
        last = get(api, ns, name)
        if last is not None and check(last):
            return last
        time.sleep(0.2)
    raise AssertionError(
        f"timed out after {timeout}s waiting for {what}; last: {(last or {}).get('status')}"
    )


def phase(p: Obj) -> str:
    return str((p.get("status") or {}).get("phase", ""))


def cstatus(p: Obj, name: str = "main", init: bool = False) -> Obj:
    key = "initContainerStatuses" if init else "containerStatuses"
    for s in (p.get("status") or {}).get(key) or []:
        if s["name"] == name:
            return dict(s)
    return {}


def condition(p: Obj, kind: str) -> str:
    for c in (p.get("status") or {}).get("conditions") or []:
        if c["type"] == kind:
            return str(c["status"])
    return ""
