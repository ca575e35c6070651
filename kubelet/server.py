"""The kubelet's HTTP server (:10250): logs, exec, attach, port-forward, health, metrics, stats.

- `GET /containerLogs/{namespace}/{pod}/{container}` with `follow`, `tailLines`,
  `previous`, `timestamps`, `sinceSeconds`, `limitBytes`: reads the CRI log file the shim
  writes (`<RFC3339Nano> stdout|stderr F|P <text>`) and answers the text; `follow` keeps
  streaming new lines until the container exits or the client goes away.
- `POST|GET /exec/{namespace}/{pod}/{container}?command=…&command=…[&timeout=s]`: runs the
  command through CRI ExecSync and answers JSON `{stdout, stderr, exitCode}`.
- WebSocket `/exec/…`, `/attach/{namespace}/{pod}/{container}` and
  `/portforward/{namespace}/{pod}`: interactive streams, relayed to the runtime's streaming
  server (`kubelet.streams`).
- `/healthz`, `/metrics` (Prometheus), `/stats/summary` (node and pod CPU/memory),
  `/pods` (the pods this kubelet runs).
Query parameters are read as Go reads them (`minik8s.api.params`: `follow=True`, `tailLines=+3`).
Errors are plain text with the HTTP code (404 unknown pod/container, 400 bad query).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from minik8s.api import errors
from minik8s.api.params import Query
from minik8s.api.times import epoch_seconds, now_rfc3339

from .cri import CRIError, Runtime
from .node import memory_available, memory_total
from .runtime_state import RUNNING, ContainerInfo, observe
from .streams import Streams

Obj = dict[str, Any]
FindPod = Callable[[str, str], Obj | None]


def parse_line(line: str) -> tuple[str, str, bool, str] | None:
    """(timestamp, stream, partial, text) of one CRI log line."""
    parts = line.rstrip("\n").split(" ", 3)
    if len(parts) < 3:
        return None
    text = parts[3] if len(parts) == 4 else ""
    return parts[0], parts[1], parts[2] == "P", text


def _since_ok(ts: str, since: float | None) -> bool:
    if since is None:
        return True
    when = epoch_seconds(ts)
    return when is None or when >= since


def render(lines: list[str], timestamps: bool, since: float | None) -> list[str]:
    out: list[str] = []
    partial = ""
    for line in lines:
        parsed = parse_line(line)
        if parsed is None:
            continue
        ts, _, is_partial, text = parsed
        if not _since_ok(ts, since):
            continue
        if is_partial:
            partial += text
            continue
        full = partial + text
        partial = ""
        out.append(f"{ts} {full}\n" if timestamps else f"{full}\n")
    return out


def _read_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.readlines()
    except OSError:
        return []


def _read_from(path: str, offset: int) -> bytes:
    try:
        with open(path, "rb") as f:
            f.seek(offset)
            return f.read()
    except OSError:
        return b""


def node_cpu_ns() -> int:
    """CPU time the node spent busy since boot, in nanoseconds."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    busy = sum(int(x) for x in fields) - int(fields[3]) - int(fields[4])
    return busy * (10**9 // os.sysconf("SC_CLK_TCK"))


class KubeletServer:
    def __init__(self, runtime: Runtime, find_pod: FindPod, pods: Callable[[], list[Obj]]) -> None:
        self.runtime = runtime
        self.find_pod = find_pod
        self.pods = pods
        self.app = Starlette(
            routes=[
                Route("/healthz", self.healthz),
                Route("/metrics", self.metrics),
                Route("/pods", self.list_pods),
                Route("/stats/summary", self.summary),
                Route("/containerLogs/{namespace}/{pod}/{container}", self.logs),
                Route("/exec/{namespace}/{pod}/{container}", self.exec, methods=["GET", "POST"]),
                *Streams(runtime, find_pod).routes(),
            ]
        )

    async def healthz(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    async def metrics(self, request: Request) -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    async def list_pods(self, request: Request) -> Response:
        return JSONResponse({"kind": "PodList", "apiVersion": "v1", "items": self.pods()})

    async def _container(
        self, request: Request, previous: bool = False
    ) -> tuple[Obj, ContainerInfo] | Response:
        ns, name, cname = (request.path_params[k] for k in ("namespace", "pod", "container"))
        pod = self.find_pod(ns, name)
        if pod is None:
            return PlainTextResponse(f'pod "{name}" not found in namespace "{ns}"\n', 404)
        rt = await observe(self.runtime, pod["metadata"]["uid"])
        info = rt.previous(cname) if previous else rt.latest(cname)
        if info is None:
            what = "previous terminated container" if previous else "container"
            return PlainTextResponse(
                f'{what} "{cname}" in pod "{name}" not found\n', 404 if previous else 400
            )
        return pod, info

    async def logs(self, request: Request) -> Response:
        q = Query(request.query_params.multi_items())
        try:
            previous = q.boolean("previous")
            follow = q.boolean("follow")
            timestamps = q.boolean("timestamps")
            tail = q.integer("tailLines")
            since_seconds = q.integer("sinceSeconds")
            limit = q.integer("limitBytes")
        except errors.BadRequest as e:
            return PlainTextResponse(f"{e.message}\n", 400)
        since = time.time() - since_seconds if since_seconds is not None else None
        found = await self._container(request, previous)
        if isinstance(found, Response):
            return found
        pod, info = found
        path = info.log_path
        lines = await asyncio.to_thread(_read_lines, path)
        complete = lines if not lines or lines[-1].endswith("\n") else lines[:-1]
        rendered = render(complete, timestamps, since)
        if tail is not None:
            rendered = rendered[-tail:] if tail > 0 else []
        body = "".join(rendered)
        if limit is not None:
            body = body.encode()[:limit].decode(errors="ignore")
        if not follow:
            return PlainTextResponse(body)
        offset = sum(len(line.encode()) for line in complete)
        return StreamingResponse(
            self._follow(body, path, offset, info.id, timestamps), media_type="text/plain"
        )

    async def _follow(
        self, first: str, path: str, offset: int, container_id: str, timestamps: bool
    ) -> AsyncIterator[bytes]:
        if first:
            yield first.encode()
        buffer = b""
        idle_checks = 0
        while True:
            chunk = await asyncio.to_thread(_read_from, path, offset)
            if chunk:
                offset += len(chunk)
                buffer += chunk
                *whole, buffer = buffer.split(b"\n")
                text = render([w.decode(errors="replace") + "\n" for w in whole], timestamps, None)
                if text:
                    yield "".join(text).encode()
                continue
            idle_checks += 1
            if idle_checks % 10 == 0:  # every ~2 s: stop once the container is gone
                try:
                    status = await self.runtime.container_status(container_id)
                    if status.state != 1:  # CONTAINER_RUNNING
                        return
                except CRIError:
                    return
            await asyncio.sleep(0.2)

    async def exec(self, request: Request) -> Response:
        try:
            timeout = Query(request.query_params.multi_items()).integer("timeout", 60, 0, 2**31 - 1)
        except errors.BadRequest as e:
            return PlainTextResponse(f"{e.message}\n", 400)
        assert timeout is not None
        found = await self._container(request)
        if isinstance(found, Response):
            return found
        _, info = found
        command = request.query_params.getlist("command")
        if not command:
            try:
                body = json.loads(await request.body() or b"{}")
                command = [str(c) for c in body.get("command") or []]
            except (ValueError, AttributeError):
                command = []
        if not command:
            return PlainTextResponse("no command given (?command=...)\n", 400)
        if info.state != RUNNING:
            return PlainTextResponse(f"container {info.name} is not running\n", 400)
        try:
            resp = await self.runtime.exec_sync(info.id, command, timeout)
        except CRIError as e:
            return PlainTextResponse(f"exec failed: {e}\n", 500)
        return JSONResponse(
            {
                "stdout": resp.stdout.decode(errors="replace"),
                "stderr": resp.stderr.decode(errors="replace"),
                "exitCode": resp.exit_code,
            }
        )

    async def summary(self, request: Request) -> Response:
        now = now_rfc3339()
        try:
            stats = await self.runtime.list_stats()
        except CRIError as e:
            return PlainTextResponse(f"runtime stats unavailable: {e}\n", 503)
        pods: dict[str, Obj] = {}
        for s in stats:
            labels = s.attributes.labels
            uid = labels.get("io.kubernetes.pod.uid", "")
            if not uid:
                continue
            pod = pods.setdefault(
                uid,
                {
                    "podRef": {
                        "name": labels.get("io.kubernetes.pod.name", ""),
                        "namespace": labels.get("io.kubernetes.pod.namespace", ""),
                        "uid": uid,
                    },
                    "containers": [],
                    "cpu": {"time": now, "usageNanoCores": 0, "usageCoreNanoSeconds": 0},
                    "memory": {"time": now, "workingSetBytes": 0, "usageBytes": 0},
                },
            )
            cpu = {
                "time": now,
                "usageNanoCores": s.cpu.usage_nano_cores.value,
                "usageCoreNanoSeconds": s.cpu.usage_core_nano_seconds.value,
            }
            mem = {
                "time": now,
                "workingSetBytes": s.memory.working_set_bytes.value,
                "usageBytes": s.memory.usage_bytes.value,
                "rssBytes": s.memory.rss_bytes.value,
            }
            pod["containers"].append(
                {"name": s.attributes.metadata.name, "cpu": cpu, "memory": mem}
            )
            pod["cpu"]["usageNanoCores"] += cpu["usageNanoCores"]
            pod["cpu"]["usageCoreNanoSeconds"] += cpu["usageCoreNanoSeconds"]
            pod["memory"]["workingSetBytes"] += mem["workingSetBytes"]
            pod["memory"]["usageBytes"] += mem["usageBytes"]
        total, avail = memory_total(), memory_available()
        busy_ns = node_cpu_ns()
        node = {
            "nodeName": os.uname().nodename,
            "cpu": {"time": now, "usageCoreNanoSeconds": busy_ns},
            "memory": {
                "time": now,
                "availableBytes": avail,
                "usageBytes": total - avail,
                "workingSetBytes": total - avail,
            },
        }
        return JSONResponse({"node": node, "pods": list(pods.values())})
