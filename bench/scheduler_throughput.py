"""Scheduler throughput (kube-scheduler's scheduler_perf SchedulingBasic), against the raw
binding rate of the same API server measured in the same run.

    python bench/scheduler_throughput.py [--nodes 1000] [--pods 3000] [--events]

Starts its own etcd and mk-apiserver on free loopback ports (temp dir), creates N nodes
through the API (4 cpu, 32 GiB, 110 pods each; no kubelets), then:
1. baseline: P pods in namespace `baseline`, bound round-robin through pods/{name}/binding
   by this script (no decision), `--parallelism` calls in flight, with the same client
   library the scheduler uses;
2. scheduler: P pods in namespace `sched` (100m cpu, 128Mi each), then `mk-scheduler`
   starts (`--leader-elect=false`); a watch records when each pod is seen bound.
Both rates are pods bound per second from the first binding to the last. Prints pods/s,
the ratio scheduler/baseline, and for each phase the CPU time per pod of every process
(from /proc: the API server, etcd, this script, the scheduler), so runs on a busy or
drifting machine can still be read. Every loop is bounded by `--timeout`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minik8s.api.resources import lookup  # noqa: E402
from minik8s.client import AsyncClient, ClientConfig  # noqa: E402
from minik8s.cluster import processes  # noqa: E402

PODS = lookup("", "v1", "pods")
NODES = lookup("", "v1", "nodes")
NAMESPACES = lookup("", "v1", "namespaces")
assert PODS and NODES and NAMESPACES


async def bounded(n: int, concurrency: int, one: Any) -> float:
    """Runs one(i) for i < n with `concurrency` in flight; answers the elapsed seconds."""
    counter = iter(range(n))
    started = time.perf_counter()

    async def worker() -> None:
        for i in counter:
            await one(i)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds the cluster's processes used between `start()` and `report()`."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = dict(pids)
        self.before: dict[str, float] = {}

    def start(self) -> None:
        self.before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def report(self, ops: int) -> str:
        used = {name: cpu_seconds(pid) - self.before[name] for name, pid in self.pids.items()}
        parts = [f"{name} {sec / ops * 1000:.2f}" for name, sec in used.items()]
        total = sum(used.values()) / ops * 1000
        return "CPU ms per pod: " + ", ".join(parts) + f"; all {total:.2f}"


def pod_body(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "image": "minik8s/pause:latest",
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                }
            ]
        },
    }


async def make_nodes(client: AsyncClient, n: int) -> None:
    alloc = {"cpu": "4", "memory": "32Gi", "pods": "110"}

    async def one(i: int) -> None:
        name = f"node-{i:05d}"
        body = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        }
        node = await client.create(NODES, body)
        node["status"] = {
            "capacity": alloc,
            "allocatable": alloc,
            "conditions": [{"type": "Ready", "status": "True"}],
        }
        await client.update(NODES, node, subresource="status")

    elapsed = await bounded(n, 64, one)
    print(f"created {n} nodes in {elapsed:.1f}s")


async def make_pods(client: AsyncClient, ns: str, n: int) -> None:
    await client.create(NAMESPACES, {"metadata": {"name": ns}})

    async def one(i: int) -> None:
        await client.create(PODS, pod_body(f"pod-{i:05d}"), ns)

    elapsed = await bounded(n, 64, one)
    print(f"created {n} pods in namespace {ns} in {elapsed:.1f}s")


async def baseline(
    client: AsyncClient, nodes: int, pods: int, parallelism: int, meter: CpuMeter
) -> float:
    await make_pods(client, "baseline", pods)
    first = last = 0.0
    meter.start()

    async def one(i: int) -> None:
        nonlocal first, last
        name = f"pod-{i:05d}"
        body = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name, "namespace": "baseline"},
            "target": {"apiVersion": "v1", "kind": "Node", "name": f"node-{i % nodes:05d}"},
        }
        await client.request_json(
            "POST", f"/api/v1/namespaces/baseline/pods/{name}/binding", json=body
        )
        now = time.perf_counter()
        first = first or now
        last = now

    await bounded(pods, parallelism, one)
    print(f"baseline {meter.report(pods)}")
    return (pods - 1) / (last - first)


async def watch_bound(
    server: str, ns: str, pods: int, timeout: float, meter: CpuMeter
) -> tuple[float, float, int]:
    """Watches the namespace until every pod is bound; (first, last) times and the count.
    The meter starts at the first binding seen."""
    bound: set[str] = set()
    first = last = 0.0
    async with AsyncClient(ClientConfig(server=server, timeout=timeout)) as client:
        items, rv = await client.list_all(PODS, ns)
        for pod in items:
            if pod["spec"].get("nodeName"):
                bound.add(pod["metadata"]["name"])
        deadline = time.monotonic() + timeout
        while len(bound) < pods and time.monotonic() < deadline:
            stream = client.watch(PODS, ns, resource_version=rv, timeout_seconds=30)
            async with contextlib.aclosing(stream) as events:
                async for event in events:
                    obj = event.get("object") or {}
                    rv = obj.get("metadata", {}).get("resourceVersion", rv)
                    if obj.get("spec", {}).get("nodeName"):
                        name = obj["metadata"]["name"]
                        if name not in bound:
                            bound.add(name)
                            now = time.perf_counter()
                            if not first:
                                first = now
                                meter.start()
                            last = now
                    if len(bound) >= pods or time.monotonic() > deadline:
                        break
    return first, last, len(bound)


async def bench(args: argparse.Namespace, server: str, workdir: Path, pids: dict[str, int]) -> int:
    async with AsyncClient(ClientConfig(server=server, timeout=60)) as client:
        await make_nodes(client, args.nodes)
        meter = CpuMeter({**pids, "this script": os.getpid()})
        base_rate = await baseline(client, args.nodes, args.pods, args.parallelism, meter)
        print(
            f"baseline: raw bindings (round-robin, {args.parallelism} in flight): "
            f"{base_rate:.0f} pods/s"
        )
        await make_pods(client, "sched", args.pods)
    port = processes.free_port()
    log = workdir / "scheduler.log"
    cmd = [
        sys.executable,
        "-m",
        "scheduler",
        "--server",
        server,
        "--leader-elect=false",
        "--healthz-port",
        str(port),
        "--parallelism",
        str(args.parallelism),
        f"--scheduled-events={'true' if args.events else 'false'}",
    ]
    meter = CpuMeter(pids)
    watcher = asyncio.ensure_future(watch_bound(server, "sched", args.pods, args.timeout, meter))
    proc = processes.spawn(cmd, log, env={"PYTHONPATH": str(ROOT)})
    meter.pids = {"mk-scheduler": proc.pid, **pids, "this script (watch)": os.getpid()}
    try:
        first, last, count = await watcher
        usage = meter.report(count)
        cpu = cpu_seconds(proc.pid)
    finally:
        processes.stop(proc)
    if count < args.pods:
        print(f"FAILED: only {count}/{args.pods} pods bound within {args.timeout:.0f}s (log {log})")
        return 1
    rate = (count - 1) / (last - first)
    print(
        f"scheduler: {count} pods on {args.nodes} nodes in {last - first:.1f}s: "
        f"{rate:.0f} pods/s (Scheduled events {'on' if args.events else 'off'})"
    )
    print(f"scheduler {usage}")
    print(f"scheduler process CPU: {cpu:.1f}s in total (startup and list included)")
    print(f"ratio scheduler/baseline: {rate / base_rate:.2f}")
    return 0


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--nodes", type=int, default=1000)
    p.add_argument("--pods", type=int, default=3000)
    p.add_argument("--parallelism", type=int, default=64, help="bindings in flight")
    p.add_argument(
        "--events",
        action="store_true",
        help="let the scheduler record a Scheduled Event per pod (kube does)",
    )
    p.add_argument("--timeout", type=float, default=600, help="seconds before giving up")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="minik8s-bench-") as tmp:
        d = Path(tmp)
        port, peer, api_port = processes.free_port(), processes.free_port(), processes.free_port()
        etcd = processes.start_etcd(d / "etcd", port, peer, d / "etcd.log")
        api = processes.start_apiserver(f"http://127.0.0.1:{port}", api_port, d / "api.log")
        try:
            pids = {"mk-apiserver": api.pid, "etcd": etcd.pid}
            code = asyncio.run(bench(args, f"http://127.0.0.1:{api_port}", d, pids))
        finally:
            processes.stop(api)
            processes.stop(etcd)
    sys.exit(code)


if __name__ == "__main__":
    main()
