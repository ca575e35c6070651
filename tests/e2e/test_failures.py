"""Failures on the 3-node lab: a killed container, a deleted pod, a stopped node.

Node failure is played with `mkctl lab node stop` (kubelet, shim, proxy and the node's
Docker engine stop, so its containers die too); the controller manager runs with a 10 s
grace period and a 5 s toleration (see conftest), so the pods come back on the other nodes
within about half a minute. The node is started again at the end, for the tests after it.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from functools import partial

import pytest

from .conftest import Lab, Obj, running_pods, wait_for, web_manifests

NODE_PORT = 30081


@pytest.fixture(scope="module")
def app(lab: Lab) -> Iterator[tuple[str, str]]:
    """(namespace, ClusterIP) of a 3-replica web Deployment."""
    ns = f"e2e-fail-{uuid.uuid4().hex[:6]}"
    with lab.client() as api:
        assert api.post("/api/v1/namespaces", json={"metadata": {"name": ns}}).status_code == 201
    manifest = lab.tmp / f"{ns}.yaml"
    manifest.write_text(web_manifests("web", 3, NODE_PORT, "minik8s/httpd:latest"))
    lab.mkctl_ok("apply", "-n", ns, "-f", str(manifest))
    lab.mkctl_ok("rollout", "status", "-n", ns, "deployment/web", "--timeout", "120s", timeout=150)
    ip = lab.mkctl_ok("get", "svc", "web", "-n", ns, "-o", "jsonpath={.spec.clusterIP}").strip()
    yield ns, ip
    lab.mkctl("delete", "namespace", ns)


def _node_ready(lab: Lab, node: str) -> bool:
    with lab.client() as api:
        conds = api.get(f"/api/v1/nodes/{node}").json().get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conds)


def _pod(lab: Lab, ns: str, name: str) -> Obj:
    with lab.client() as api:
        return dict(api.get(f"/api/v1/namespaces/{ns}/pods/{name}").json())


def test_killed_container_is_restarted(lab: Lab, app: tuple[str, str]) -> None:
    ns, _ = app
    pod = running_pods(lab.pods(ns, "app=web"))[0]
    name, node = pod["metadata"]["name"], pod["spec"]["nodeName"]
    container_id = pod["status"]["containerStatuses"][0]["containerID"].split("://", 1)[1]
    sock = lab.cfg.docker_sock(node)
    killed = subprocess.run(
        ["docker", "-H", f"unix://{sock}", "kill", container_id], capture_output=True, text=True
    )
    assert killed.returncode == 0, killed.stderr

    def restarted() -> bool:
        p = _pod(lab, ns, name)
        statuses = p.get("status", {}).get("containerStatuses") or [{}]
        return statuses[0].get("restartCount", 0) >= 1 and bool(running_pods([p]))

    wait_for(restarted, f"{name} restarted on {node} and Ready again")


def test_deleted_pod_is_replaced(lab: Lab, app: tuple[str, str]) -> None:
    ns, _ = app
    wait_for(lambda: len(running_pods(lab.pods(ns, "app=web"))) == 3, "3 Running pods")
    victim = lab.pods(ns, "app=web")[0]["metadata"]["name"]
    lab.mkctl_ok("delete", "pod", victim, "-n", ns)

    def replaced() -> bool:
        pods = running_pods(lab.pods(ns, "app=web"))
        return len(pods) == 3 and victim not in {p["metadata"]["name"] for p in pods}

    wait_for(replaced, f"a replacement for {victim}")


def test_stopped_node_goes_notready_and_its_pods_move(lab: Lab, app: tuple[str, str]) -> None:
    ns, cluster_ip = app
    wait_for(lambda: len(running_pods(lab.pods(ns, "app=web"))) == 3, "3 Running pods")
    # Stop a node that runs a replica, never node1 (the probe below runs there).
    pods = running_pods(lab.pods(ns, "app=web"))
    victim = next(
        (p["spec"]["nodeName"] for p in pods if p["spec"]["nodeName"] != lab.nodes[0]),
        lab.nodes[1],
    )
    survivors = [n for n in lab.nodes if n != victim]
    stopped = lab.lab("node", "stop", victim)
    assert stopped.returncode == 0, stopped.stderr
    try:
        wait_for(lambda: not _node_ready(lab, victim), f"{victim} NotReady", timeout=60)

        def moved() -> bool:
            live = running_pods(lab.pods(ns, "app=web"))
            return len(live) == 3 and all(p["spec"]["nodeName"] in survivors for p in live)

        wait_for(moved, f"3 Running replicas on {survivors}", timeout=120)
        # The Service keeps answering from the surviving nodes, for a burst of requests.
        for node in survivors:
            wait_for(
                partial(lab.http_from_node, node, f"http://{cluster_ip}/"),
                f"the Service answering from {node}",
                timeout=60,
            )
            answers = [lab.http_from_node(node, f"http://{cluster_ip}/") for _ in range(10)]
            assert all(answers), answers
    finally:
        started = lab.lab("node", "start", victim)
        assert started.returncode == 0, started.stderr
        wait_for(lambda: _node_ready(lab, victim), f"{victim} Ready again", timeout=120)
