"""The resource metrics API (`metrics.k8s.io/v1beta1`), served the way metrics-server does.

    kubelet /stats/summary ──scrape every --metric-resolution──► Collector (last two samples
    per node) ──► NodeMetrics / PodMetrics built at request time from those two samples

Why a collector and not a scrape per request: CPU is reported as a rate (nanocores), and the
only trustworthy source of a rate is the cumulative CPU time of two samples taken a known
time apart, as metrics-server computes it. A background loop gives every request two samples
at once and keeps the kubelets' (and Docker's) stats work at one scrape per node per
resolution, however many clients (`kubectl top`, the HPA controller) ask.

Concurrency: the collector is one asyncio task on the API server's event loop. A round
scrapes every Node concurrently (each with a timeout) and then replaces the per-node sample
pairs; request handlers only read them, and there is no await between reading a pair and
building the answer, so no lock is needed. A node that does not answer keeps nothing
(its metrics vanish from the lists) and is logged once per failure streak, never a 500.
With `--workers N` each server process runs its own collector.

Served paths (GET only): `/apis/metrics.k8s.io/v1beta1/nodes[/{name}]`,
`.../pods` (every namespace) and `.../namespaces/{ns}/pods[/{name}]`, with `labelSelector`
and `fieldSelector` matched against the Node or Pod the metrics belong to, and the Table
form (`kubectl get podmetrics`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response

from minik8s.api import errors
from minik8s.api.kinds.metrics import GROUP, NODE_METRICS, POD_METRICS, VERSION
from minik8s.api.kinds.node import NODE
from minik8s.api.kinds.pod import POD
from minik8s.api.quantity import parse_bytes, parse_cpu_millis
from minik8s.api.resources import lookup
from minik8s.api.times import format_go_duration, now_rfc3339

from .http import json_response, query_of, wants
from .nodeproxy import kubelet_address
from .registry import Registry, Selectors

log = logging.getLogger(__name__)

API_VERSION = f"{GROUP}/{VERSION}"
RESOURCES = (NODE_METRICS, POD_METRICS)

Obj = dict[str, Any]
Fetch = Callable[[str, int], Awaitable[Obj]]


@dataclass(frozen=True)
class Usage:
    """Cumulative CPU time (ns) and memory working set (bytes) of one thing at one time."""

    cpu_ns: int
    memory: int


@dataclass(frozen=True)
class Sample:
    """One node's /stats/summary, reduced to what the metrics need."""

    at: float  # monotonic seconds when it arrived
    timestamp: str  # the same moment, RFC 3339
    node: Usage | None
    containers: dict[tuple[str, str], Usage] = field(default_factory=dict)  # (pod uid, name)


def parse_summary(body: Obj, at: float, timestamp: str) -> Sample:
    """The kubelet's summary as a Sample; malformed parts are left out (pure)."""
    node = body.get("node") if isinstance(body, dict) else None
    node_usage = None
    if isinstance(node, dict):
        cpu = (node.get("cpu") or {}).get("usageCoreNanoSeconds")
        mem = (node.get("memory") or {}).get("workingSetBytes")
        if isinstance(cpu, int) and isinstance(mem, int):
            node_usage = Usage(cpu, mem)
    containers: dict[tuple[str, str], Usage] = {}
    for pod in (body.get("pods") if isinstance(body, dict) else None) or []:
        uid = ((pod or {}).get("podRef") or {}).get("uid")
        if not uid:
            continue
        for c in pod.get("containers") or []:
            cpu = (c.get("cpu") or {}).get("usageCoreNanoSeconds")
            mem = (c.get("memory") or {}).get("workingSetBytes")
            if c.get("name") and isinstance(cpu, int) and isinstance(mem, int):
                containers[(uid, c["name"])] = Usage(cpu, mem)
    return Sample(at, timestamp, node_usage, containers)


def cpu_rate(before: Usage, after: Usage, seconds: float) -> int | None:
    """Nanocores used between two samples; None when the counter went back (a restart)."""
    if seconds <= 0 or after.cpu_ns < before.cpu_ns:
        return None
    return int((after.cpu_ns - before.cpu_ns) / seconds)


def cpu_text(nanocores: int) -> str:
    return f"{nanocores}n"


def memory_text(n: int) -> str:
    return f"{n // 1024}Ki"


def window_text(seconds: float) -> str:
    """The sampling window as a Go duration, to the millisecond (`10.012s`)."""
    return format_go_duration(round(seconds, 3))


def node_usage(pair: tuple[Sample, Sample]) -> dict[str, str] | None:
    """`usage` of a NodeMetrics from the node's last two samples, or None."""
    before, after = pair
    if before.node is None or after.node is None:
        return None
    rate = cpu_rate(before.node, after.node, after.at - before.at)
    if rate is None:
        return None
    return {"cpu": cpu_text(rate), "memory": memory_text(after.node.memory)}


def pod_containers(pair: tuple[Sample, Sample], pod: Obj) -> list[Obj] | None:
    """`containers` of a PodMetrics, or None unless every running container has two samples
    (metrics-server leaves out a pod it cannot report whole)."""
    before, after = pair
    uid = (pod.get("metadata") or {}).get("uid", "")
    names = [c for (u, c) in after.containers if u == uid]
    if not names:
        return None
    out = []
    for name in sorted(names):
        old, new = before.containers.get((uid, name)), after.containers[(uid, name)]
        rate = cpu_rate(old, new, after.at - before.at) if old is not None else None
        if rate is None:
            return None
        out.append(
            {"name": name, "usage": {"cpu": cpu_text(rate), "memory": memory_text(new.memory)}}
        )
    return out


async def fetch_summary(host: str, port: int, timeout: float) -> Obj:
    async with httpx.AsyncClient(timeout=timeout) as client:
        r = await client.get(f"http://{host}:{port}/stats/summary")
        r.raise_for_status()
        body = r.json()
        if not isinstance(body, dict):
            raise ValueError("the summary is not a JSON object")
        return body


class Collector:
    """Scrapes every node's kubelet each `resolution` seconds; keeps the last two samples."""

    def __init__(
        self,
        registry: Registry,
        resolution: float = 15.0,
        timeout: float = 10.0,
        fetch: Fetch | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        self.resolution = resolution
        self.timeout = timeout
        self._fetch: Fetch = fetch or (lambda host, port: fetch_summary(host, port, timeout))
        self.clock = clock
        self.samples: dict[str, tuple[Sample, Sample]] = {}  # node -> (previous, latest)
        self._latest: dict[str, Sample] = {}
        self._failing: set[str] = set()

    async def run(self) -> None:
        cache = self.registry.storage.caches[NODE]
        await cache.ready.wait()
        while True:
            started = self.clock()
            try:
                await self.scrape_all()
            except Exception:  # never let one bad round end the loop
                log.exception("metrics: a scrape round failed")
            await asyncio.sleep(max(0.0, self.resolution - (self.clock() - started)))

    async def scrape_all(self) -> None:
        nodes, _ = self.registry.storage.caches[NODE].snapshot()
        names = [n["metadata"]["name"] for n in nodes]
        results = await asyncio.gather(*(self._scrape(n) for n in nodes))
        latest: dict[str, Sample] = {}
        pairs: dict[str, tuple[Sample, Sample]] = {}
        for name, sample in zip(names, results, strict=True):
            if sample is None:
                continue
            latest[name] = sample
            previous = self._latest.get(name)
            if previous is not None:
                pairs[name] = (previous, sample)
        self._latest, self.samples = latest, pairs

    async def _scrape(self, node: Obj) -> Sample | None:
        name = node["metadata"]["name"]
        try:
            host, port = kubelet_address(node)
            body = await asyncio.wait_for(self._fetch(host, port), self.timeout)
        except (errors.APIError, httpx.HTTPError, ValueError, OSError, TimeoutError) as e:
            if name not in self._failing:
                log.warning("metrics: node %s left out, its kubelet did not answer: %s", name, e)
            self._failing.add(name)
            return None
        if name in self._failing:
            log.info("metrics: node %s answers again", name)
            self._failing.discard(name)
        return parse_summary(body, self.clock(), now_rfc3339())


def resource_label(parts: list[str]) -> str:
    """`pods.metrics.k8s.io` or `nodes.metrics.k8s.io` for the request metrics (never a name:
    the label's values must stay few)."""
    return f"{'pods' if 'pods' in parts[2:5] else 'nodes'}.{GROUP}"


class MetricsAPI:
    """The HTTP side: builds NodeMetrics and PodMetrics from the collector's samples."""

    def __init__(self, registry: Registry, collector: Collector | None = None) -> None:
        self.registry = registry
        self.collector = collector or Collector(registry)

    async def handle(self, request: Request, parts: list[str]) -> Response:
        """`parts` are the path segments after `/apis/metrics.k8s.io`."""
        if parts[:1] != [VERSION]:
            raise errors.NotFound("the server could not find the requested resource")
        rest = parts[1:]
        namespace: str | None = None
        if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] == "pods":
            namespace, rest = rest[1], rest[2:]
        if not rest or rest[0] not in ("nodes", "pods") or len(rest) > 2:
            raise errors.NotFound("the server could not find the requested resource")
        info = NODE_METRICS if rest[0] == "nodes" else POD_METRICS
        name = rest[1] if len(rest) > 1 else None
        q = query_of(request)
        if request.method != "GET" or q.boolean("watch"):
            verb = "watch" if request.method == "GET" else request.method.lower()
            raise errors.MethodNotAllowed(f"{verb} is not supported on {info.plural}.{GROUP}")
        source = lookup("", "v1", info.plural)
        assert source is not None
        sel = Selectors.parse(source, q.string("labelSelector"), q.string("fieldSelector"))
        if info is NODE_METRICS:
            items = self.node_metrics(name, sel)
        else:
            items = self.pod_metrics(namespace, name, sel)
        if name is not None and not items:
            shown = f"{namespace}/{name}" if namespace else name
            raise errors.NotFound(
                f'{info.kind.lower()}.{GROUP} "{shown}" not found',
                name=name,
                kind=info.kind.lower(),
                group=GROUP,
            )
        if wants(request) == "Table":
            return json_response(to_table(items))
        if name is not None:
            return json_response(items[0])
        return json_response(
            {"kind": f"{info.kind}List", "apiVersion": API_VERSION, "metadata": {}, "items": items}
        )

    def node_metrics(self, name: str | None, sel: Selectors) -> list[Obj]:
        nodes_info = lookup("", "v1", "nodes")
        assert nodes_info is not None
        cache = self.registry.storage.caches[NODE]
        nodes = [cache.get(None, name)] if name else cache.snapshot()[0]
        out = []
        for node in nodes:
            if node is None or not sel.matches(nodes_info, node):
                continue
            meta = node["metadata"]
            pair = self.collector.samples.get(meta["name"])
            usage = node_usage(pair) if pair else None
            if pair is None or usage is None:
                continue
            out.append(
                {
                    "kind": "NodeMetrics",
                    "apiVersion": API_VERSION,
                    "metadata": _metadata(meta, None),
                    "timestamp": pair[1].timestamp,
                    "window": window_text(pair[1].at - pair[0].at),
                    "usage": usage,
                }
            )
        return out

    def pod_metrics(self, namespace: str | None, name: str | None, sel: Selectors) -> list[Obj]:
        pods_info = lookup("", "v1", "pods")
        assert pods_info is not None
        cache = self.registry.storage.caches[POD]
        if name:
            assert namespace is not None
            pods = [cache.get(namespace, name)]
        else:
            pods = list(cache.snapshot(namespace)[0])
        out = []
        for pod in pods:
            if pod is None or not sel.matches(pods_info, pod):
                continue
            node = (pod.get("spec") or {}).get("nodeName")
            pair = self.collector.samples.get(node) if node else None
            containers = pod_containers(pair, pod) if pair else None
            if pair is None or containers is None:
                continue
            meta = pod["metadata"]
            out.append(
                {
                    "kind": "PodMetrics",
                    "apiVersion": API_VERSION,
                    "metadata": _metadata(meta, meta.get("namespace")),
                    "timestamp": pair[1].timestamp,
                    "window": window_text(pair[1].at - pair[0].at),
                    "containers": containers,
                }
            )
        return out


def _metadata(meta: Obj, namespace: str | None) -> Obj:
    out: Obj = {"name": meta["name"], "creationTimestamp": now_rfc3339()}
    if namespace:
        out["namespace"] = namespace
    if meta.get("labels"):
        out["labels"] = dict(meta["labels"])
    return out


def _sum_usage(item: Obj) -> tuple[str, str]:
    if "usage" in item:
        usage = item["usage"]
        return f"{parse_cpu_millis(usage['cpu'])}m", f"{parse_bytes(usage['memory']) // 1024}Ki"
    cpu = sum(parse_cpu_millis(c["usage"]["cpu"]) for c in item.get("containers") or [])
    mem = sum(parse_bytes(c["usage"]["memory"]) for c in item.get("containers") or [])
    return f"{cpu}m", f"{mem // 1024}Ki"


def to_table(items: list[Obj]) -> Obj:
    """metrics-server's Table: NAME, CPU, MEMORY, WINDOW."""
    columns = [
        {"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0},
        {"name": "CPU", "type": "string", "format": "", "description": "CPU usage", "priority": 0},
        {
            "name": "Memory",
            "type": "string",
            "format": "",
            "description": "Memory usage",
            "priority": 0,
        },
        {"name": "Window", "type": "string", "format": "", "description": "Window", "priority": 0},
    ]
    rows = []
    for item in items:
        cpu, mem = _sum_usage(item)
        rows.append(
            {
                "cells": [item["metadata"]["name"], cpu, mem, item.get("window", "")],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": item["metadata"],
                },
            }
        )
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {},
        "columnDefinitions": columns,
        "rows": rows,
    }
