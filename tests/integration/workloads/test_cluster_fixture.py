"""The workload tests' cluster runs real pods: a bare pod on the node reaches Running."""

from __future__ import annotations

import httpx

from tests.integration.workloads.conftest import wait_for


def test_a_pod_runs_on_the_node(api: httpx.Client, ns: str) -> None:
    pod = {
        "metadata": {"name": "smoke"},
        "spec": {
            "containers": [
                {"name": "main", "image": "minik8s/busybox:latest", "command": ["sleep", "600"]}
            ]
        },
    }
    assert api.post(f"/api/v1/namespaces/{ns}/pods", json=pod).status_code == 201

    def running() -> bool:
        got = api.get(f"/api/v1/namespaces/{ns}/pods/smoke").json()
        return (got.get("status") or {}).get("phase") == "Running"

    wait_for(running, "the pod Running (scheduled by mk-scheduler, run by mk-kubelet)")
