"""Pod start-up through the CRI shim, against `docker run -d` measured in the same run.

    python bench/cri_startup.py [--pods 30]

Starts its own `mk-cri-docker` (socket in a temp dir, an instance name and bridge network
of its own on a free 10.244.<n>.0/24), then, for each of N iterations, in turn:
1. shim: RunPodSandbox (pause container on the pod network, DNS config written) +
   CreateContainer + StartContainer of minik8s/busybox, over gRPC, as the kubelet does;
2. baseline: `docker run -d --network <the same bridge>` of the same image and command.
Each side's latency is measured around its calls; the figures are p50, p99 and the mean, and
the ratio of the p50s (target: at most 1.5). The two sides alternate so that drift in the
engine (a growing number of containers) affects both alike. Everything the run made is
removed at the end. Needs the images of `make images`.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docker  # noqa: E402
import grpc  # noqa: E402

from minik8s.cluster import processes  # noqa: E402
from minik8s.cri import cri_pb2 as pb  # noqa: E402
from minik8s.cri import cri_pb2_grpc as pb_grpc  # noqa: E402

IMAGE = "minik8s/busybox:latest"
SCRIPT = "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"
INSTANCE_LABEL = "io.minik8s.cri.instance"


def free_cidr(api: docker.APIClient) -> str:
    used = [
        ipaddress.ip_network(c["Subnet"], strict=False)
        for n in api.networks()
        for c in (n.get("IPAM") or {}).get("Config") or []
        if c.get("Subnet")
    ]
    for n in random.sample(range(100, 250), 150):
        cidr = ipaddress.ip_network(f"10.244.{n}.0/24")
        if not any(cidr.overlaps(u) for u in used):
            return str(cidr)
    raise SystemExit("no free 10.244.<n>.0/24")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def start_shim(workdir: Path, instance: str, network: str) -> subprocess.Popen[bytes]:
    port = processes.free_port()
    script = Path(sys.executable).parent / "mk-cri-docker"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "cridocker.main"]
    cmd += [
        "--listen",
        f"unix://{workdir / 'cri.sock'}",
        "--instance",
        instance,
        "--network-name",
        network,
        "--healthz-port",
        str(port),
    ]
    proc = processes.spawn(cmd, workdir / "shim.log")
    processes.wait_until(
        lambda: processes.http_ok(f"http://127.0.0.1:{port}/readyz"), 30, "mk-cri-docker"
    )
    return proc


class ShimPods:
    def __init__(self, socket: Path, log_dir: Path) -> None:
        self.channel = grpc.insecure_channel(f"unix://{socket}")
        self.rt = pb_grpc.RuntimeServiceStub(self.channel)
        self.log_dir = log_dir

    def start_pod(self, i: int) -> float:
        uid = str(uuid.uuid4())
        sandbox = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=f"bench-{i}", namespace="bench", uid=uid),
            hostname=f"bench-{i}",
            log_directory=str(self.log_dir / uid),
            dns_config=pb.DNSConfig(servers=["10.96.0.10"], searches=["bench.svc.cluster.local"]),
        )
        container = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name="main"),
            image=pb.ImageSpec(image=IMAGE),
            command=["sh", "-c", SCRIPT],
            log_path="main/0.log",
        )
        container.linux.security_context.namespace_options.pid = pb.CONTAINER
        start = time.perf_counter()
        sandbox_id = self.rt.RunPodSandbox(pb.RunPodSandboxRequest(config=sandbox)).pod_sandbox_id
        created = self.rt.CreateContainer(
            pb.CreateContainerRequest(
                pod_sandbox_id=sandbox_id, config=container, sandbox_config=sandbox
            )
        )
        self.rt.StartContainer(pb.StartContainerRequest(container_id=created.container_id))
        return time.perf_counter() - start


def docker_run(network: str, label: str) -> float:
    cmd = ["docker", "run", "-d", "--network", network, "--label", label, IMAGE, "sh", "-c", SCRIPT]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def report(name: str, values: list[float]) -> float:
    p50 = percentile(values, 0.5) * 1000
    print(
        f"{name:<44} p50 {p50:7.1f} ms   p99 {percentile(values, 0.99) * 1000:7.1f} ms   "
        f"mean {statistics.fmean(values) * 1000:7.1f} ms"
    )
    return p50


def clean(api: docker.APIClient, instance: str, label: str, network: str) -> None:
    for flt in (f"{INSTANCE_LABEL}={instance}", label):
        for c in api.containers(all=True, filters={"label": flt}):
            api.remove_container(c["Id"], force=True)
    try:
        api.remove_network(network)
    except docker.errors.NotFound:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=30, help="pods per side (default 30)")
    args = parser.parse_args()
    api = docker.APIClient(version="auto")
    for image in (IMAGE, "minik8s/pause:latest"):
        try:
            api.inspect_image(image)
        except docker.errors.ImageNotFound:
            raise SystemExit(f"{image} is missing: run `make images`") from None

    suffix = uuid.uuid4().hex[:8]
    instance, network, label = f"bench-{suffix}", f"mk-bench-{suffix}", f"minik8s.bench={suffix}"
    cidr = free_cidr(api)
    with tempfile.TemporaryDirectory(prefix="cri-bench-") as tmp:
        workdir = Path(tmp)
        proc = start_shim(workdir, instance, network)
        try:
            pods = ShimPods(workdir / "cri.sock", workdir / "logs")
            config = pb.RuntimeConfig(network_config=pb.NetworkConfig(pod_cidr=cidr))
            pods.rt.UpdateRuntimeConfig(pb.UpdateRuntimeConfigRequest(runtime_config=config))
            for i in range(2):  # warm-up: first-use costs on both sides
                pods.start_pod(-1 - i)
                docker_run(network, label)
            shim_times, docker_times = [], []
            for i in range(args.pods):
                shim_times.append(pods.start_pod(i))
                docker_times.append(docker_run(network, label))
            pods.channel.close()
        finally:
            processes.stop(proc)
            clean(api, instance, label, network)

    print(f"pod start-up, {args.pods} pods per side, {os.cpu_count()} cores")
    shim_p50 = report("shim: RunPodSandbox+CreateContainer+Start", shim_times)
    docker_p50 = report("baseline: docker run -d (same image, bridge)", docker_times)
    ratio = shim_p50 / docker_p50
    verdict = "meets" if ratio <= 1.5 else "misses"
    print(f"ratio of p50s: {ratio:.2f}x ({verdict} the 1.5x target)")


if __name__ == "__main__":
    main()
