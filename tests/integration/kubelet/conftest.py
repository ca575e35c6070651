"""A real mk-kubelet against the session's etcd + API server and a CRI shim of its own.

`kubelet` (one per module): a `mk-cri-docker` with its own instance, bridge network and
free 10.244.<n>.0/24 (`tests.integration.cri`), and an `mk-kubelet` subprocess for a node
of a unique name, with fast back-off and short periods so tests stay quick. Tests create
pods already bound to that node (`spec.nodeName`) in their own namespace and wait on the
pod's status with deadlines. Teardown stops the kubelet and removes every Docker object of
the shim's instance, plus the kubelet's directories.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docker
import httpx
import pytest

from minik8s.cluster import processes
from tests.conftest import APIServerProcess
from tests.integration.cri.conftest import cri_images, docker_api  # noqa: F401
from tests.integration.cri.helpers import ShimProcess, free_pod_cidr, wait_for


def _command() -> list[str]:
    script = Path(sys.executable).parent / "mk-kubelet"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kubelet.main"]


@dataclass
class KubeletProcess:
    node: str
    server: str
    shim: ShimProcess
    workdir: Path
    port: int
    health_port: int
    proc: subprocess.Popen[bytes] | None = None
    pass_pod_cidr: bool = True  # False: wait for the Node's spec.podCIDR

    @property
    def log(self) -> Path:
        return self.workdir / "kubelet.log"

    def start(self) -> None:
        cmd = [
            *_command(),
            "--server", self.server,
            "--hostname-override", self.node,
            "--node-ip", "127.0.0.1",
            "--address", "127.0.0.1",
            "--port", str(self.port),
            "--healthz-port", str(self.health_port),
            "--container-runtime-endpoint", f"unix://{self.shim.socket}",
            "--root-dir", str(self.workdir / "root"),
            "--pod-logs-dir", str(self.workdir / "logs"),
            "--restart-backoff", "1s",
            "--restart-backoff-max", "8s",
            "--sync-frequency", "3s",
            "--node-status-update-frequency", "3s",
            "-v", "1",
        ]  # fmt: skip
        if self.pass_pod_cidr:
            cmd += ["--pod-cidr", self.shim.pod_cidr]
        self.proc = processes.spawn(cmd, self.log)
        proc = self.proc

        def ready() -> bool:
            if proc.poll() is not None:
                raise AssertionError(f"mk-kubelet exited with {proc.returncode}: {self.tail()}")
            return processes.http_ok(f"http://127.0.0.1:{self.health_port}/readyz")

        wait_for(ready, 60, "mk-kubelet ready")

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text().splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc is not None:
            processes.stop(self.proc, timeout=20)
            self.proc = None

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture(scope="module")
def kubelet(
    apiserver: APIServerProcess,
    docker_api: docker.APIClient,  # noqa: F811
    cri_images: None,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[KubeletProcess]:
    yield from _kubelet(apiserver, docker_api, tmp_path_factory, pass_pod_cidr=True)


@pytest.fixture
def kubelet_without_cidr(
    apiserver: APIServerProcess,
    docker_api: docker.APIClient,  # noqa: F811
    cri_images: None,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[KubeletProcess]:
    """A kubelet whose pod CIDR comes from the Node (as the controller manager assigns it)."""
    yield from _kubelet(apiserver, docker_api, tmp_path_factory, pass_pod_cidr=False)


def _kubelet(
    apiserver: APIServerProcess,
    docker_api: docker.APIClient,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
    *,
    pass_pod_cidr: bool,
) -> Iterator[KubeletProcess]:
    workdir = tmp_path_factory.mktemp("kubelet")
    shim = ShimProcess.new(workdir, "kubelet", free_pod_cidr(docker_api))
    shim.start()
    process = KubeletProcess(
        node=f"node-{uuid.uuid4().hex[:8]}",
        server=apiserver.url,
        shim=shim,
        workdir=workdir,
        port=processes.free_port(),
        health_port=processes.free_port(),
        pass_pod_cidr=pass_pod_cidr,
    )
    try:
        process.start()
        yield process
    finally:
        process.stop()
        shim.stop()
        shim.clean_docker(docker_api)
        with httpx.Client(base_url=apiserver.url, timeout=10) as api:
            api.delete(f"/api/v1/nodes/{process.node}")
            api.delete(
                f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{process.node}"
            )
        root = str(workdir / "root")
        for line in Path("/proc/mounts").read_text().splitlines():
            target = line.split()[1]
            if target.startswith(root + "/"):  # a Memory emptyDir a failed test left mounted
                subprocess.run(["umount", target], check=False)
        subprocess.run(["rm", "-rf", root], check=False)
