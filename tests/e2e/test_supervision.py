"""kill -9 of each daemon during a rollout: the supervisor brings it back, the cluster converges.

One at a time, the scheduler, the controller manager, the API server, a node's proxy agent
and a node's CRI shim are killed with SIGKILL (their own pid, from `<name>.child.pid`, not
the supervisor's) while a Deployment rolls between two images. After each kill the daemon
must be running again under a new pid; at the end the rollout completes with exactly the
desired pods (no duplicates: one Running container per pod on the nodes' engines), and no
object is lost (a ConfigMap and the Service made before the kills are still there).
"""

from __future__ import annotations

import os
import signal
import subprocess

from minik8s.cluster import lab as labmod

from .conftest import Lab, running_pods, wait_for, web_manifests

NODE_PORT = 30082
REPLICAS = 4


def _kill_and_wait_back(lab: Lab, name: str, node: str | None) -> None:
    old = labpid(lab, name, node)
    assert old is not None, f"{name} is not running"
    os.kill(old, signal.SIGKILL)
    wait_for(
        lambda: (labpid(lab, name, node) or old) != old,
        f"{name}{' on ' + node if node else ''} restarted by its supervisor",
        timeout=60,
    )


def labpid(lab: Lab, name: str, node: str | None) -> int | None:
    return labmod.pid_of(lab.cfg, name, node, child=True)


def _containers(lab: Lab, node: str, ns: str) -> list[str]:
    done = subprocess.run(
        [
            "docker", "-H", f"unix://{lab.cfg.docker_sock(node)}", "ps", "-q",
            "--filter", f"label=io.minik8s.cri.pod-namespace={ns}",
            "--filter", "label=io.minik8s.cri.type=container",
        ],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    return done.stdout.split()


def test_daemons_killed_during_a_rollout_come_back_and_converge(lab: Lab, ns: str) -> None:
    manifest = lab.tmp / f"{ns}-roll.yaml"
    manifest.write_text(web_manifests("roll", REPLICAS, NODE_PORT, "minik8s/httpd:latest"))
    lab.mkctl_ok("apply", "-n", ns, "-f", str(manifest))
    lab.mkctl_ok("create", "configmap", "keep", "-n", ns, "--from-literal", "k=v")
    lab.mkctl_ok("rollout", "status", "-n", ns, "deployment/roll", "--timeout", "120s",
                 timeout=150)  # fmt: skip

    victims = [
        ("scheduler", None),
        ("controller-manager", None),
        ("apiserver", None),
        ("proxy", lab.nodes[1]),
        ("cri", lab.nodes[2]),
    ]
    image = "minik8s/httpd:latest"
    for name, node in victims:
        image = "minik8s/httpd:v2" if image.endswith(":latest") else "minik8s/httpd:latest"
        wait_for(lambda: lab.mkctl("get", "ns", ns).returncode == 0, "the API server answering")
        lab.mkctl_ok("set", "image", "-n", ns, "deployment/roll", f"httpd={image}")
        _kill_and_wait_back(lab, name, node)

    lab.mkctl_ok("rollout", "status", "-n", ns, "deployment/roll", "--timeout", "180s",
                 timeout=200)  # fmt: skip

    def converged() -> bool:
        pods = lab.pods(ns, "app=roll")
        images = {p["spec"]["containers"][0]["image"] for p in pods}
        return len(pods) == REPLICAS == len(running_pods(pods)) and images == {image}

    wait_for(converged, f"{REPLICAS} Running pods of {image} and no others", timeout=120)
    pods = lab.pods(ns, "app=roll")
    assert len({p["metadata"]["name"] for p in pods}) == REPLICAS

    def one_container_per_pod() -> bool:
        return sum(len(_containers(lab, n, ns)) for n in lab.nodes) == REPLICAS

    wait_for(one_container_per_pod, f"{REPLICAS} app containers on the nodes' engines")
    # Nothing lost: the objects made before the kills, and one active ReplicaSet.
    assert "k" in lab.mkctl_ok("get", "configmap", "keep", "-n", ns, "-o", "yaml")
    assert lab.mkctl_ok("get", "svc", "roll", "-n", ns, "-o", "name").strip() == "service/roll"
    with lab.client() as api:
        sets = api.get(f"/apis/apps/v1/namespaces/{ns}/replicasets").json()["items"]
    active = [s for s in sets if (s["spec"].get("replicas") or 0) > 0]
    assert len(active) == 1, [(s["metadata"]["name"], s["spec"].get("replicas")) for s in sets]
    body = wait_for(
        lambda: lab.http_from_node(
            lab.nodes[0], f"http://{lab.node_ip(lab.nodes[1])}:{NODE_PORT}/"
        ),
        "the NodePort answering after the kills",
    )
    assert body.endswith(image.rsplit(":", 1)[1])
