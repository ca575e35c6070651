"""The metrics.k8s.io API: rates from two scrapes, and the HTTP answers over fake caches
and kubelets (the real ones are in tests/integration/workloads/test_metrics.py)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest

from apiserver import discovery
from apiserver.app import APIServer
from apiserver.metrics import Metrics
from apiserver.metricsapi import Collector, Usage, cpu_rate, parse_summary, resource_label
from apiserver.registry import Registry
from minik8s.api.resources import lookup

Obj = dict[str, Any]
BASE = "/apis/metrics.k8s.io/v1beta1"
NODE = lookup("", "v1", "nodes")
POD = lookup("", "v1", "pods")


class FakeCache:
    def __init__(self, objs: list[Obj]) -> None:
        self.objs = objs
        self.ready = asyncio.Event()
        self.ready.set()

    def snapshot(self, namespace: str | None = None) -> tuple[list[Obj], int]:
        """Sorted by namespace and name, as the watch cache's keys sort."""
        found = [
            o for o in self.objs if o["metadata"].get("namespace") == namespace or not namespace
        ]
        return sorted(
            found, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"])
        ), 1

    def get(self, namespace: str | None, name: str) -> Obj | None:
        for o in self.objs:
            if o["metadata"]["name"] == name and o["metadata"].get("namespace") == namespace:
                return o
        return None


class FakeRegistry:
    def __init__(self, nodes: list[Obj], pods: list[Obj]) -> None:
        self.storage = SimpleNamespace(
            caches={NODE: FakeCache(nodes), POD: FakeCache(pods)},
            etcd=SimpleNamespace(status=None),
        )


class Client:
    """Synchronous requests to the ASGI app (no network)."""

    def __init__(self, app: Any) -> None:
        self.transport = httpx.ASGITransport(app=app)

    def send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            async with httpx.AsyncClient(transport=self.transport, base_url="http://t") as c:
                return await c.request(method, path, **kw)

        return asyncio.run(go())

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.send("GET", path, **kw)

    def delete(self, path: str) -> httpx.Response:
        return self.send("DELETE", path)


def node(name: str, port: int) -> Obj:
    return {
        "metadata": {"name": name, "labels": {"zone": name}},
        "status": {
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
        },
    }


def pod(name: str, ns: str, node_name: str, app: str) -> Obj:
    return {
        "metadata": {"name": name, "namespace": ns, "uid": f"uid-{name}", "labels": {"app": app}},
        "spec": {"nodeName": node_name},
    }


def summary(node_cpu: int, pods: dict[str, int]) -> Obj:
    return {
        "node": {"cpu": {"usageCoreNanoSeconds": node_cpu}, "memory": {"workingSetBytes": 2**30}},
        "pods": [
            {
                "podRef": {"uid": uid},
                "containers": [
                    {
                        "name": "c",
                        "cpu": {"usageCoreNanoSeconds": cpu},
                        "memory": {"workingSetBytes": 2**20},
                    }
                ],
            }
            for uid, cpu in pods.items()
        ],
    }


class Kubelets:
    """Answers by port; port 2 never answers (a node that is down)."""

    def __init__(self) -> None:
        self.answers: dict[int, Obj] = {}

    async def __call__(self, host: str, port: int) -> Obj:
        if port == 2:
            raise httpx.ConnectError("connection refused")
        return self.answers[port]


@pytest.fixture
def served() -> tuple[Client, Collector, Kubelets]:
    registry = FakeRegistry(
        [node("n1", 1), node("down", 2)],
        [pod("web", "a", "n1", "web"), pod("db", "a", "n1", "db"), pod("new", "b", "n1", "web")],
    )
    kubelets = Kubelets()
    now = [100.0]
    collector = Collector(cast(Registry, registry), fetch=kubelets, clock=lambda: now[0])
    kubelets.answers[1] = summary(10**9, {"uid-web": 0, "uid-db": 0})
    asyncio.run(collector.scrape_all())
    now[0] += 10
    # in 10 s: the node used 5 cores-seconds, web 2 (200m), db none; `new` appeared
    kubelets.answers[1] = summary(6 * 10**9, {"uid-web": 2 * 10**9, "uid-db": 0, "uid-new": 5})
    asyncio.run(collector.scrape_all())
    server = APIServer(cast(Registry, registry), Metrics())
    server.metrics_api.collector = collector
    return Client(server.asgi), collector, kubelets


def test_parse_summary_and_rates() -> None:
    sample = parse_summary(summary(7, {"u": 3}), 1.0, "t")
    assert sample.node == Usage(7, 2**30)
    assert sample.containers == {("u", "c"): Usage(3, 2**20)}
    assert parse_summary({"pods": [{"bad": 1}]}, 1.0, "t").containers == {}
    assert cpu_rate(Usage(0, 0), Usage(10**9, 0), 2.0) == 500_000_000
    assert cpu_rate(Usage(10, 0), Usage(5, 0), 2.0) is None  # a restarted container


def test_node_metrics_leave_out_nodes_that_do_not_answer(served: Any) -> None:
    client, _, _ = served
    body = client.get(f"{BASE}/nodes").json()
    assert body["kind"] == "NodeMetricsList"
    [n1] = body["items"]
    assert n1["metadata"]["name"] == "n1"
    assert n1["metadata"]["labels"] == {"zone": "n1"}
    assert n1["usage"] == {"cpu": "500000000n", "memory": "1048576Ki"}
    assert n1["window"] == "10s"
    assert client.get(f"{BASE}/nodes/n1").json()["kind"] == "NodeMetrics"
    missing = client.get(f"{BASE}/nodes/down")
    assert missing.status_code == 404
    assert missing.json()["message"] == 'nodemetrics.metrics.k8s.io "down" not found'
    assert client.get(f"{BASE}/nodes", params={"labelSelector": "zone=x"}).json()["items"] == []


def test_pod_metrics_by_namespace_name_and_selector(served: Any) -> None:
    client, _, _ = served
    body = client.get(f"{BASE}/namespaces/a/pods").json()
    assert body["kind"] == "PodMetricsList"
    usage = {m["metadata"]["name"]: m["containers"] for m in body["items"]}
    assert usage == {
        "db": [{"name": "c", "usage": {"cpu": "0n", "memory": "1024Ki"}}],
        "web": [{"name": "c", "usage": {"cpu": "200000000n", "memory": "1024Ki"}}],
    }
    # `new` has one sample only: no rate yet, so it is left out everywhere
    everywhere = client.get(f"{BASE}/pods", params={"labelSelector": "app=web"}).json()
    assert [m["metadata"]["name"] for m in everywhere["items"]] == ["web"]
    one = client.get(f"{BASE}/namespaces/a/pods/web").json()
    assert (one["kind"], one["metadata"]["namespace"]) == ("PodMetrics", "a")
    gone = client.get(f"{BASE}/namespaces/b/pods/new")
    assert gone.status_code == 404
    assert gone.json()["message"] == 'podmetrics.metrics.k8s.io "b/new" not found'


def test_bad_requests_answer_a_status(served: Any) -> None:
    client, _, _ = served
    bad = client.get(f"{BASE}/pods", params={"labelSelector": "a in (("})
    assert (bad.status_code, bad.json()["kind"]) == (400, "Status")
    assert client.delete(f"{BASE}/nodes/n1").status_code == 405
    assert client.get(f"{BASE}/nodes", params={"watch": "true"}).status_code == 405
    assert client.get(f"{BASE}/widgets").status_code == 404


def test_table_form(served: Any) -> None:
    client, _, _ = served
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io"
    table = client.get(f"{BASE}/namespaces/a/pods", headers={"Accept": accept}).json()
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "CPU", "Memory", "Window"]
    assert table["rows"][1]["cells"] == ["web", "200m", "1024Ki", "10s"]


def test_discovery_lists_the_group() -> None:
    doc = discovery.api_resource_list("metrics.k8s.io", "v1beta1")
    assert doc is not None
    kinds = {r["name"]: (r["kind"], r["namespaced"], r["verbs"]) for r in doc["resources"]}
    assert kinds == {
        "nodes": ("NodeMetrics", False, ["get", "list"]),
        "pods": ("PodMetrics", True, ["get", "list"]),
    }
    assert discovery.api_group("metrics.k8s.io") is not None


def test_request_metrics_label_never_holds_a_name() -> None:
    assert resource_label(["metrics.k8s.io", "v1beta1", "nodes", "n1"]) == "nodes.metrics.k8s.io"
    parts = ["metrics.k8s.io", "v1beta1", "namespaces", "pods", "pods", "x"]
    assert resource_label(parts) == "pods.metrics.k8s.io"
