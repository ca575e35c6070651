"""Pod start-up through the kubelet, against raw `docker run -d` pairs in the same run.

    python bench/pod_startup.py [--burst 10] [--pods 30]

Starts its own etcd, mk-apiserver, mk-cri-docker (instance, bridge network and free
10.244.<n>.0/24 of its own) and mk-kubelet, all on loopback / temp dirs. Then:
1. `--burst` pods (minik8s/busybox, image present) are created at once, bound to the
   node; each pod's latency is from just before its POST to the first watch event that
   shows it Running: p50 / p99 (target: p99 under 5 s, the Kubernetes pod-startup SLO).
2. `--pods` pods are created at once; the figure is the time until all are Running.
3. Baseline: `--pods` pause+app pairs started in parallel with `docker run -d` (the pause
   container on the same bridge, the app joining its network namespace), the time until
   all have returned. Target for step 2: at most 1.3x this baseline.
Every pod, container and network the run made is removed at the end.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docker  # noqa: E402
import httpx  # noqa: E402

from bench.cri_startup import (  # noqa: E402
    IMAGE,
    INSTANCE_LABEL,
    SCRIPT,
    free_cidr,
    percentile,
    start_shim,
)
from minik8s.cluster import processes  # noqa: E402


def _script(name: str) -> list[str]:
    path = Path(sys.executable).parent / name
    return [str(path)] if path.exists() else []


def start_kubelet(workdir: Path, server: str, node: str, cidr: str) -> subprocess.Popen[bytes]:
    health = processes.free_port()
    cmd = _script("mk-kubelet") or [sys.executable, "-m", "kubelet.main"]
    cmd += [
        "--server", server,
        "--hostname-override", node,
        "--node-ip", "127.0.0.1",
        "--address", "127.0.0.1",
        "--port", str(processes.free_port()),
        "--healthz-port", str(health),
        "--container-runtime-endpoint", f"unix://{workdir / 'cri.sock'}",
        "--pod-cidr", cidr,
        "--root-dir", str(workdir / "root"),
        "--pod-logs-dir", str(workdir / "logs"),
    ]  # fmt: skip
    proc = processes.spawn(cmd, workdir / "kubelet.log")
    processes.wait_until(
        lambda: processes.http_ok(f"http://127.0.0.1:{health}/readyz"), 60, "mk-kubelet"
    )
    return proc


def pod(name: str, node: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"bench": "pod-startup"}},
        "spec": {
            "nodeName": node,
            "terminationGracePeriodSeconds": 5,
            "containers": [
                {
                    "name": "main",
                    "image": IMAGE,
                    "imagePullPolicy": "IfNotPresent",
                    "command": ["sh", "-c", SCRIPT],
                }
            ],
        },
    }


class RunningWatch:
    """Watches a namespace and records when each pod is first seen Running."""

    def __init__(self, server: str, ns: str) -> None:
        self.running: dict[str, float] = {}
        self._cond = threading.Condition()
        self._stop = False
        self._thread = threading.Thread(target=self._run, args=(server, ns), daemon=True)
        self._thread.start()

    def _run(self, server: str, ns: str) -> None:
        url = f"{server}/api/v1/namespaces/{ns}/pods"
        params = {"watch": "true", "timeoutSeconds": "600"}
        try:
            self._follow(url, params)
        except httpx.HTTPError:
            if not self._stop:
                raise

    def _follow(self, url: str, params: dict[str, str]) -> None:
        with httpx.stream("GET", url, params=params, timeout=None) as r:
            for line in r.iter_lines():
                if self._stop:
                    return
                if not line:
                    continue
                obj = json.loads(line).get("object") or {}
                if (obj.get("status") or {}).get("phase") == "Running":
                    name = obj["metadata"]["name"]
                    with self._cond:
                        self.running.setdefault(name, time.perf_counter())
                        self._cond.notify_all()

    def wait(self, names: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not all(n in self.running for n in names):
                left = deadline - time.monotonic()
                if left <= 0:
                    missing = [n for n in names if n not in self.running]
                    raise SystemExit(f"pods not Running after {timeout}s: {missing[:5]}")
                self._cond.wait(left)

    def stop(self) -> None:
        self._stop = True


def create_all(api: httpx.Client, ns: str, names: list[str], node: str) -> dict[str, float]:
    started: dict[str, float] = {}

    def create(name: str) -> None:
        started[name] = time.perf_counter()
        r = api.post(f"/api/v1/namespaces/{ns}/pods", json=pod(name, node))
        r.raise_for_status()

    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        list(pool.map(create, names))
    return started


def docker_pairs(n: int, network: str, label: str) -> float:
    def pair(i: int) -> None:
        pause = subprocess.run(
            ["docker", "run", "-d", "--network", network, "--label", label,
             "minik8s/pause:latest"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        subprocess.run(
            ["docker", "run", "-d", "--network", f"container:{pause}", "--label", label,
             IMAGE, "sh", "-c", SCRIPT],
            check=True, capture_output=True,
        )  # fmt: skip

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        list(pool.map(pair, range(n)))
    return time.perf_counter() - start


def delete_pods(api: httpx.Client, ns: str) -> None:
    names = [
        p["metadata"]["name"] for p in api.get(f"/api/v1/namespaces/{ns}/pods").json()["items"]
    ]
    for name in names:
        api.delete(f"/api/v1/namespaces/{ns}/pods/{name}")
    deadline = time.monotonic() + 120
    while api.get(f"/api/v1/namespaces/{ns}/pods").json()["items"]:
        if time.monotonic() > deadline:
            print("warning: pods still present after 120 s; removing containers directly")
            return
        time.sleep(0.5)


def remove_network(dapi: docker.APIClient, network: str) -> None:
    for _ in range(20):  # endpoints of just-removed containers go away asynchronously
        try:
            dapi.remove_network(network)
            return
        except docker.errors.NotFound:
            return
        except docker.errors.APIError:
            time.sleep(0.5)
    print(f"warning: could not remove network {network}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--burst", type=int, default=10, help="pods of the latency burst (10)")
    parser.add_argument("--pods", type=int, default=30, help="pods of the throughput burst (30)")
    args = parser.parse_args()
    dapi = docker.APIClient(version="auto")
    for image in (IMAGE, "minik8s/pause:latest"):
        try:
            dapi.inspect_image(image)
        except docker.errors.ImageNotFound:
            raise SystemExit(f"{image} is missing: run `make images`") from None
    suffix = uuid.uuid4().hex[:8]
    instance, network, label = f"bench-{suffix}", f"mk-bench-{suffix}", f"minik8s.bench={suffix}"
    node, ns = f"bench-{suffix}", "bench"
    cidr = free_cidr(dapi)
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory(prefix="pod-bench-") as tmp:
        workdir = Path(tmp)
        try:
            etcd_port, peer = processes.free_port(), processes.free_port()
            procs.append(
                processes.start_etcd(workdir / "etcd", etcd_port, peer, workdir / "etcd.log")
            )
            api_port = processes.free_port()
            procs.append(
                processes.start_apiserver(
                    f"http://127.0.0.1:{etcd_port}", api_port, workdir / "apiserver.log"
                )
            )
            server = f"http://127.0.0.1:{api_port}"
            procs.append(start_shim(workdir, instance, network))
            procs.append(start_kubelet(workdir, server, node, cidr))
            api = httpx.Client(base_url=server, timeout=30)
            api.post("/api/v1/namespaces", json={"metadata": {"name": ns}})
            watch = RunningWatch(server, ns)
            time.sleep(0.5)  # let the watch connect before the first create

            warm = [f"warm-{i}" for i in range(2)]
            create_all(api, ns, warm, node)
            watch.wait(warm, 120)

            burst = [f"burst-{i}" for i in range(args.burst)]
            started = create_all(api, ns, burst, node)
            watch.wait(burst, 300)
            latencies = [watch.running[n] - started[n] for n in burst]
            delete_pods(api, ns)

            many = [f"many-{i}" for i in range(args.pods)]
            t0 = time.perf_counter()
            create_all(api, ns, many, node)
            watch.wait(many, 600)
            all_running = max(watch.running[n] for n in many) - t0
            delete_pods(api, ns)
            watch.stop()

            baseline = docker_pairs(args.pods, network, label)
        finally:
            for proc in reversed(procs):
                processes.stop(proc, timeout=30)
            for flt in (f"{INSTANCE_LABEL}={instance}", label):
                for c in dapi.containers(all=True, filters={"label": flt}):
                    dapi.remove_container(c["Id"], force=True)
            remove_network(dapi, network)
            subprocess.run(["rm", "-rf", str(workdir / "root")], check=False)

    print(f"pod start-up through mk-kubelet, {os.cpu_count()} cores")
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    print(
        f"{args.burst} pods at once: create → Running p50 {p50:.2f} s, p99 {p99:.2f} s, "
        f"mean {statistics.fmean(latencies):.2f} s "
        f"({'meets' if p99 < 5 else 'misses'} the 5 s p99 target)"
    )
    ratio = all_running / baseline
    print(f"{args.pods} pods at once: all Running in {all_running:.2f} s")
    print(f"baseline: {args.pods} parallel pause+app docker run -d pairs in {baseline:.2f} s")
    print(f"ratio: {ratio:.2f}x ({'meets' if ratio <= 1.3 else 'misses'} the 1.3x target)")


if __name__ == "__main__":
    main()
