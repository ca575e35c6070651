"""The shim's settings, from its flags (see `cridocker.main`)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_LISTEN = "unix:///run/minik8s/cri.sock"
DEFAULT_DOCKER_ENDPOINT = "unix:///var/run/docker.sock"
DEFAULT_PAUSE_IMAGE = "minik8s/pause:latest"
DEFAULT_NETWORK = "minik8s-pods"
DEFAULT_INSTANCE = "minik8s"
# exec/attach/port-forward sessions; only the node's kubelet dials it (a free port by default)
DEFAULT_STREAMING_ADDRESS = "127.0.0.1:0"


@dataclass(frozen=True)
class ShimConfig:
    listen: str = DEFAULT_LISTEN
    docker_endpoint: str = DEFAULT_DOCKER_ENDPOINT
    pause_image: str = DEFAULT_PAUSE_IMAGE
    network_name: str = DEFAULT_NETWORK
    instance: str = DEFAULT_INSTANCE
    docker_workers: int = 16
    docker_timeout: float = 120.0
    sandbox_stop_grace: int = 10  # seconds given to a sandbox's containers by StopPodSandbox
    # registries PullImage may contact; () = any (see cridocker.images)
    allowed_registries: tuple[str, ...] = ()
    streaming_address: str = DEFAULT_STREAMING_ADDRESS
