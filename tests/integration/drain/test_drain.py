"""`kubectl drain NODE --ignore-daemonsets --delete-emptydir-data` with a PodDisruptionBudget.

Two pods of a ReplicationController (with an emptyDir volume) and a DaemonSet's pod run on
the cluster's one node; a budget keeps at least one of the two available. Drain cordons
the node and evicts both at once: the budget allows one, the other eviction is answered
429 and kubectl retries it every 5 s — its replacement cannot start on the cordoned node,
so the budget stays spent — until the test lowers the budget; then the second eviction
goes through and drain finishes. The DaemonSet's pod is left alone.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from typing import Any

import httpx

from tests.integration.workloads.conftest import Cluster, wait_for

Obj = dict[str, Any]
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."

CONTAINER = {
    "name": "main",
    "image": "minik8s/busybox:latest",
    "command": ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
}


def _pods(api: httpx.Client, ns: str, app: str) -> list[Obj]:
    items = api.get(f"/api/v1/namespaces/{ns}/pods", params={"labelSelector": f"app={app}"})
    return list(items.json()["items"])


def _ready(pod: Obj) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _reader(stream: Any, lines: list[str]) -> threading.Thread:
    def read() -> None:
        for line in stream:
            lines.append(line)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_drain_waits_for_the_budget_and_finishes(
    cluster: Cluster, api: httpx.Client, ns: str
) -> None:
    node = cluster.node_name()
    rc = {
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 2,
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "terminationGracePeriodSeconds": 1,
                    "containers": [
                        {**CONTAINER, "volumeMounts": [{"name": "scratch", "mountPath": "/s"}]}
                    ],
                    "volumes": [{"name": "scratch", "emptyDir": {}}],
                },
            },
        },
    }
    r = api.post(f"/api/v1/namespaces/{ns}/replicationcontrollers", json=rc)
    assert r.status_code == 201, r.text
    ds = {
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {"terminationGracePeriodSeconds": 1, "containers": [CONTAINER]},
            },
        },
    }
    assert api.post(f"/apis/apps/v1/namespaces/{ns}/daemonsets", json=ds).status_code == 201
    pdb = {
        "metadata": {"name": "web"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
    }
    pdbs = f"/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets"
    assert api.post(pdbs, json=pdb).status_code == 201

    def two_ready() -> bool:
        pods = _pods(api, ns, "web")
        return len(pods) == 2 and all(_ready(p) for p in pods)

    wait_for(two_ready, "two Ready pods of the ReplicationController", timeout=120)
    wait_for(lambda: _pods(api, ns, "agent"), "the DaemonSet's pod", timeout=60)

    def budget_allows_one() -> bool:
        status = api.get(f"{pdbs}/web").json().get("status") or {}
        return (status.get("currentHealthy"), status.get("disruptionsAllowed")) == (2, 1)

    wait_for(budget_allows_one, "the budget allowing one disruption (disruption controller)")
    originals = {p["metadata"]["name"] for p in _pods(api, ns, "web")}

    kubectl = shutil.which("kubectl")
    assert kubectl is not None
    drain = subprocess.Popen(
        [
            kubectl,
            "--kubeconfig",
            str(cluster.kubeconfig),
            "drain",
            node,
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout=150s",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: list[str] = []
    err: list[str] = []
    readers = [_reader(drain.stdout, out), _reader(drain.stderr, err)]
    try:
        wait_for(
            lambda: any(VIOLATION in line and "will retry after 5s" in line for line in err),
            "kubectl drain retrying an eviction the budget refused",
            timeout=90,
        )
        # one of the two went, the budget holds the other back
        left = [p for p in _pods(api, ns, "web") if p["metadata"]["name"] in originals]
        running = [p for p in left if not p["metadata"].get("deletionTimestamp")]
        assert len(running) == 1, [p["metadata"]["name"] for p in left]
        assert api.get(f"/api/v1/nodes/{node}").json()["spec"]["unschedulable"] is True
        lowered = {"spec": {"minAvailable": 0}}
        r = api.patch(
            f"{pdbs}/web",
            json=lowered,
            headers={"content-type": "application/merge-patch+json"},
        )
        assert r.status_code == 200, r.text
        assert drain.wait(timeout=120) == 0, "".join(err)
    finally:
        if drain.poll() is None:
            drain.kill()
        drain.wait()
        for reader in readers:
            reader.join(timeout=5)
        cluster_uncordon(cluster, node)
    stdout, stderr = "".join(out), "".join(err)
    for name in originals:
        assert f"evicting pod {ns}/{name}" in stdout, stdout
        assert f"pod/{name} evicted" in stdout, stdout
    assert f"node/{node} cordoned" in stdout and f"node/{node} drained" in stdout, stdout
    assert f"Warning: ignoring DaemonSet-managed Pods: {ns}/agent-" in stderr, stderr
    assert 'error when evicting pods/"' in stderr and VIOLATION in stderr, stderr
    assert _pods(api, ns, "agent"), "the DaemonSet's pod stays"
    assert not originals & {p["metadata"]["name"] for p in _pods(api, ns, "web")}


def cluster_uncordon(cluster: Cluster, node: str) -> None:
    with cluster.client() as api:
        api.patch(
            f"/api/v1/nodes/{node}",
            json={"spec": {"unschedulable": None}},
            headers={"content-type": "application/merge-patch+json"},
        )
