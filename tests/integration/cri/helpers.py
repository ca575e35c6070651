"""A shim process driven over its socket, and small builders for CRI configs."""

from __future__ import annotations

import ipaddress
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import docker
import grpc

from minik8s.cluster import processes
from minik8s.cri import cri_pb2 as pb
from minik8s.cri import cri_pb2_grpc as pb_grpc

REPO = Path(__file__).resolve().parents[3]
INSTANCE_LABEL = "io.minik8s.cri.instance"
T = TypeVar("T")


def wait_for(condition: Callable[[], T | None], timeout: float, what: str) -> T:
    """Polls `condition` until it answers something true; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def free_pod_cidr(api: docker.APIClient) -> str:
    """A 10.244.<n>.0/24 that no Docker network uses."""
    used = []
    for network in api.networks():
        for config in (network.get("IPAM") or {}).get("Config") or []:
            if config.get("Subnet"):
                used.append(ipaddress.ip_network(config["Subnet"], strict=False))
    candidates = list(range(100, 250))
    random.shuffle(candidates)
    for n in candidates:
        cidr = ipaddress.ip_network(f"10.244.{n}.0/24")
        if not any(cidr.overlaps(u) for u in used):
            return str(cidr)
    raise AssertionError("no free 10.244.<n>.0/24 for a test pod network")


def _command() -> list[str]:
    script = Path(sys.executable).parent / "mk-cri-docker"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cridocker.main"]


@dataclass
class ShimProcess:
    """One `mk-cri-docker` with its own socket, instance, network and pod CIDR."""

    workdir: Path
    instance: str
    network: str
    pod_cidr: str
    health_port: int
    proc: subprocess.Popen[bytes] | None = None
    channel: grpc.Channel | None = None
    starts: int = 0
    extra: list[str] = field(default_factory=list)

    @classmethod
    def new(cls, workdir: Path, name: str, pod_cidr: str) -> ShimProcess:
        suffix = uuid.uuid4().hex[:8]
        return cls(
            workdir=workdir,
            instance=f"mkt-cri-{name}-{suffix}",
            network=f"mkt-cri-{suffix}",
            pod_cidr=pod_cidr,
            health_port=processes.free_port(),
        )

    @property
    def socket(self) -> Path:
        return self.workdir / "cri.sock"

    @property
    def log(self) -> Path:
        return self.workdir / "shim.log"

    @property
    def log_dir(self) -> Path:
        return self.workdir / "pod-logs"

    def start(self) -> None:
        cmd = [
            *_command(),
            "--listen",
            f"unix://{self.socket}",
            "--instance",
            self.instance,
            "--network-name",
            self.network,
            "--healthz-port",
            str(self.health_port),
            "--sandbox-stop-grace",
            "2",
            "-v",
            "1",
            *self.extra,
        ]
        self.proc = processes.spawn(cmd, self.log)
        self.starts += 1
        proc = self.proc

        def ready() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"mk-cri-docker exited with {proc.returncode}: {self.tail()}")
            return self.socket.exists() and processes.http_ok(
                f"http://127.0.0.1:{self.health_port}/readyz"
            )

        wait_for(ready, 30, f"mk-cri-docker on {self.socket}")
        self.channel = grpc.insecure_channel(f"unix://{self.socket}")
        grpc.channel_ready_future(self.channel).result(timeout=10)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    @property
    def rt(self) -> pb_grpc.RuntimeServiceStub:
        assert self.channel is not None, "the shim is not running"
        return pb_grpc.RuntimeServiceStub(self.channel)

    @property
    def im(self) -> pb_grpc.ImageServiceStub:
        assert self.channel is not None, "the shim is not running"
        return pb_grpc.ImageServiceStub(self.channel)

    def set_pod_cidr(self) -> None:
        config = pb.RuntimeConfig(network_config=pb.NetworkConfig(pod_cidr=self.pod_cidr))
        self.rt.UpdateRuntimeConfig(pb.UpdateRuntimeConfigRequest(runtime_config=config))

    def _close_channel(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None

    def stop(self) -> int | None:
        """SIGTERM; answers the exit code."""
        self._close_channel()
        if self.proc is None:
            return None
        processes.stop(self.proc)
        code = self.proc.returncode
        self.proc = None
        return code

    def kill(self) -> None:
        """SIGKILL, as a crash."""
        self._close_channel()
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def clean_docker(self, api: docker.APIClient) -> None:
        """Removes every container this shim's instance made, and its network."""
        for container in api.containers(
            all=True, filters={"label": f"{INSTANCE_LABEL}={self.instance}"}
        ):
            try:
                api.remove_container(container["Id"], force=True, v=True)
            except docker.errors.NotFound:
                pass
        try:
            api.remove_network(self.network)
        except docker.errors.NotFound:
            pass


# ---- config builders


def pod_config(
    shim: ShimProcess, name: str = "web", *, host_network: bool = False, **labels: str
) -> pb.PodSandboxConfig:
    uid = str(uuid.uuid4())
    config = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name=name, namespace="default", uid=uid, attempt=0),
        hostname=name,
        log_directory=str(shim.log_dir / uid),
        dns_config=pb.DNSConfig(
            servers=["10.96.0.10"], searches=["default.svc.cluster.local"], options=["ndots:5"]
        ),
        labels={"io.kubernetes.pod.name": name, "io.kubernetes.pod.uid": uid, **labels},
        annotations={"test": "yes"},
    )
    if host_network:
        config.linux.security_context.namespace_options.network = pb.NODE
    return config


# A shell that exits at once on SIGTERM (PID 1 ignores signals it does not handle).
IDLE = "trap 'exit 0' TERM; while :; do sleep 1 & wait; done"


def container_config(
    name: str,
    image: str = "minik8s/busybox:latest",
    script: str | None = IDLE,
    labels: dict[str, str] | None = None,
    **kw: Any,
) -> pb.ContainerConfig:
    config = pb.ContainerConfig(
        metadata=pb.ContainerMetadata(name=name, attempt=0),
        image=pb.ImageSpec(image=image),
        log_path=f"{name}/0.log",
        labels={"io.kubernetes.container.name": name, **(labels or {})},
        **kw,
    )
    if script is not None:
        config.command.extend(["sh", "-c", script])
    return config


def run_pod(shim: ShimProcess, config: pb.PodSandboxConfig) -> str:
    return str(shim.rt.RunPodSandbox(pb.RunPodSandboxRequest(config=config)).pod_sandbox_id)


def start_container(
    shim: ShimProcess, sandbox_id: str, sandbox: pb.PodSandboxConfig, config: pb.ContainerConfig
) -> str:
    created = shim.rt.CreateContainer(
        pb.CreateContainerRequest(pod_sandbox_id=sandbox_id, config=config, sandbox_config=sandbox)
    )
    shim.rt.StartContainer(pb.StartContainerRequest(container_id=created.container_id))
    return str(created.container_id)


def container_status(shim: ShimProcess, container_id: str) -> pb.ContainerStatus:
    request = pb.ContainerStatusRequest(container_id=container_id)
    return shim.rt.ContainerStatus(request).status


def wait_exited(shim: ShimProcess, container_id: str, timeout: float = 30) -> pb.ContainerStatus:
    def exited() -> pb.ContainerStatus | None:
        status = container_status(shim, container_id)
        return status if status.state == pb.CONTAINER_EXITED else None

    return wait_for(exited, timeout, f"container {container_id[:12]} to exit")


def exec_sync(
    shim: ShimProcess, container_id: str, *cmd: str, timeout: int = 10
) -> pb.ExecSyncResponse:
    return shim.rt.ExecSync(
        pb.ExecSyncRequest(container_id=container_id, cmd=list(cmd), timeout=timeout)
    )


def remove_pod(shim: ShimProcess, sandbox_id: str) -> None:
    shim.rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=sandbox_id))
    shim.rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=sandbox_id))
