"""A Deployment behind a NodePort Service on the 3-node lab: spread, reachability, scaling,
a rolling update with zero failed requests, and `rollout undo`.

The tests of this module share one Deployment (module fixture `web`) and run in order:
each leaves it in a state the next accepts (Running, the Service answering).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import httpx
import pytest

from .conftest import Lab, running_pods, wait_for, web_manifests

NODE_PORT = 30080


@dataclass
class Web:
    ns: str
    name: str
    cluster_ip: str


@pytest.fixture(scope="module")
def web(lab: Lab) -> Iterator[Web]:
    ns = f"e2e-web-{uuid.uuid4().hex[:6]}"
    with lab.client() as api:
        assert api.post("/api/v1/namespaces", json={"metadata": {"name": ns}}).status_code == 201
    manifest = lab.tmp / f"{ns}.yaml"
    manifest.write_text(web_manifests("web", 3, NODE_PORT, "minik8s/httpd:latest"))
    lab.mkctl_ok("apply", "-n", ns, "-f", str(manifest))
    lab.mkctl_ok("rollout", "status", "-n", ns, "deployment/web", "--timeout", "120s", timeout=150)
    cluster_ip = lab.mkctl_ok("get", "svc", "web", "-n", ns, "-o", "jsonpath={.spec.clusterIP}")
    yield Web(ns, "web", cluster_ip.strip())
    lab.mkctl("delete", "namespace", ns)


def service_answers_everywhere(lab: Lab, web: Web) -> None:
    """The ClusterIP from every node, the NodePort on every node's address."""
    for node in lab.nodes:
        body = wait_for(
            partial(lab.http_from_node, node, f"http://{web.cluster_ip}/"),
            f"the ClusterIP {web.cluster_ip} answering from {node}",
            timeout=60,
        )
        assert body.startswith("web-"), body
    for node in lab.nodes:
        url = f"http://{lab.node_ip(node)}:{NODE_PORT}/"

        def answer(u: str = url) -> str | None:
            try:
                r = httpx.get(u, timeout=3)
            except httpx.HTTPError:
                return None
            return r.text.strip() if r.status_code == 200 else None

        assert wait_for(answer, f"the NodePort on {url}", timeout=60).startswith("web-")


class PodSampler(threading.Thread):
    """Lists the pods every 0.1 s until stopped (at most 3 minutes): the most pods alive at
    once (not being deleted) and the fewest Ready ones."""

    def __init__(self, lab: Lab, ns: str) -> None:
        super().__init__(daemon=True)
        self.lab, self.ns = lab, ns
        self.done = threading.Event()
        self.samples, self.max_live, self.min_ready = 0, 0, 1_000

    def run(self) -> None:
        deadline = time.monotonic() + 180
        while not self.done.wait(0.1) and time.monotonic() < deadline:
            try:
                pods = self.lab.pods(self.ns, "app=web")
            except httpx.HTTPError:
                continue
            live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
            self.samples += 1
            self.max_live = max(self.max_live, len(live))
            self.min_ready = min(self.min_ready, len(running_pods(pods)))

    def stop(self) -> None:
        self.done.set()
        self.join(10)


def test_pods_spread_and_service_reachable_from_nodes_and_pods(lab: Lab, web: Web) -> None:
    pods = running_pods(lab.pods(web.ns, "app=web"))
    assert len(pods) == 3
    nodes = {p["spec"]["nodeName"] for p in pods}
    assert len(nodes) > 1, f"all replicas on {nodes}"
    service_answers_everywhere(lab, web)

    # From a pod: through the Service, and straight to a pod on another node.
    client_pod = pods[0]
    other = next(p for p in pods if p["spec"]["nodeName"] != client_pod["spec"]["nodeName"])
    name = client_pod["metadata"]["name"]
    out = lab.mkctl_ok("exec", "-n", web.ns, name, "--", "wget", "-q", "-O", "-",
                       f"http://{web.cluster_ip}/")  # fmt: skip
    assert out.startswith("web-"), out
    out = lab.mkctl_ok("exec", "-n", web.ns, name, "--", "wget", "-q", "-O", "-",
                       f"http://{other['status']['podIP']}:8080/")  # fmt: skip
    assert out.strip() == f"{other['metadata']['name']} latest"


def test_scale_up_and_down(lab: Lab, web: Web) -> None:
    lab.mkctl_ok("scale", "-n", web.ns, "deployment/web", "--replicas", "6")
    wait_for(lambda: len(running_pods(lab.pods(web.ns, "app=web"))) == 6, "6 Running pods")
    nodes = {p["spec"]["nodeName"] for p in running_pods(lab.pods(web.ns, "app=web"))}
    assert nodes == set(lab.nodes), f"6 replicas only on {nodes}"
    lab.mkctl_ok("scale", "-n", web.ns, "deployment/web", "--replicas", "2")
    wait_for(lambda: len(lab.pods(web.ns, "app=web")) == 2, "2 pods left")
    service_answers_everywhere(lab, web)


def test_rolling_update_without_failed_requests_and_undo(lab: Lab, web: Web) -> None:
    # Load through the Service from a node and through the NodePort from the host.
    probes = [
        lab.probe(f"http://{web.cluster_ip}/", node=lab.nodes[0]),
        lab.probe(f"http://{lab.node_ip(lab.nodes[1])}:{NODE_PORT}/"),
    ]
    sampler = PodSampler(lab, web.ns)
    sampler.start()
    lab.mkctl_ok("set", "image", "-n", web.ns, "deployment/web", "httpd=minik8s/httpd:v2")
    lab.mkctl_ok("rollout", "status", "-n", web.ns, "deployment/web", "--timeout", "120s",
                 timeout=150)  # fmt: skip
    sampler.stop()
    # The invariants of replicas 2, maxSurge 1, maxUnavailable 0, in every sample taken.
    assert sampler.samples >= 3, sampler.samples
    assert sampler.max_live <= 3, f"{sampler.max_live} pods at once (maxSurge 1)"
    assert sampler.min_ready >= 2, f"only {sampler.min_ready} Ready pods (maxUnavailable 0)"

    def all_v2() -> bool:
        pods = lab.pods(web.ns, "app=web")
        images = {p["spec"]["containers"][0]["image"] for p in pods}
        return len(running_pods(pods)) == 2 == len(pods) and images == {"minik8s/httpd:v2"}

    wait_for(all_v2, "2 Running v2 pods, the old ones gone")
    wait_for(
        lambda: (lab.http_from_node(lab.nodes[2], f"http://{web.cluster_ip}/") or "").endswith(
            " v2"
        ),
        "the Service answering v2",
    )
    results = [p.result() for p in probes]
    for r in results:
        assert r["ok"] > 20, r
        assert r["failed"] == 0, r
        tags = {body.rsplit(" ", 1)[-1] for body in r["bodies"]}
        assert tags == {"latest", "v2"}, r

    lab.mkctl_ok("rollout", "undo", "-n", web.ns, "deployment/web")
    lab.mkctl_ok("rollout", "status", "-n", web.ns, "deployment/web", "--timeout", "120s",
                 timeout=150)  # fmt: skip
    wait_for(
        lambda: (
            {p["spec"]["containers"][0]["image"] for p in lab.pods(web.ns, "app=web")}
            == {"minik8s/httpd:latest"}
        ),
        "only minik8s/httpd:latest pods after the undo",
    )
    service_answers_everywhere(lab, web)
