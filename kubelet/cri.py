"""The kubelet's only way to the containers: an asyncio client of the CRI shim.

Thin wrappers over the generated stubs (`minik8s.cri`) with a deadline on every call.
Stop and Remove are idempotent here as in CRI: NOT_FOUND is success. Other gRPC errors
are raised as `RuntimeError_` carrying the gRPC code and message.
"""

from __future__ import annotations

import grpc
import grpc.aio

from minik8s.cri import cri_pb2 as pb
from minik8s.cri import cri_pb2_grpc as pb_grpc

__all__ = ["CRIError", "Runtime", "pb"]

# CRI labels the kubelet puts on every sandbox and container (the shim stores them under
# io.minik8s.cri.label.*), so a restarted kubelet can find what it made.
POD_UID = "io.kubernetes.pod.uid"
POD_NAME = "io.kubernetes.pod.name"
POD_NAMESPACE = "io.kubernetes.pod.namespace"
CONTAINER_NAME = "io.kubernetes.container.name"
CONTAINER_KIND = "io.minik8s.kubelet.kind"  # "init" or "app"


class CRIError(Exception):
    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


def _wrap(err: grpc.aio.AioRpcError) -> CRIError:
    return CRIError(err.code(), err.details() or "")


class Runtime:
    """RuntimeService + ImageService over one channel to the shim's socket."""

    def __init__(self, endpoint: str, timeout: float = 60.0) -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self._channel: grpc.aio.Channel | None = None
        self._rt: pb_grpc.RuntimeServiceStub | None = None
        self._im: pb_grpc.ImageServiceStub | None = None

    def _connect(self) -> None:
        # grpc.aio binds a channel to the running loop: made on first use, inside it
        options = [  # a restarted shim is found again within seconds
            ("grpc.initial_reconnect_backoff_ms", 200),
            ("grpc.min_reconnect_backoff_ms", 200),
            ("grpc.max_reconnect_backoff_ms", 5000),
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
        ]
        self._channel = grpc.aio.insecure_channel(self.endpoint, options=options)
        self._rt = pb_grpc.RuntimeServiceStub(self._channel)
        self._im = pb_grpc.ImageServiceStub(self._channel)

    @property
    def rt(self) -> pb_grpc.RuntimeServiceStub:
        if self._rt is None:
            self._connect()
        assert self._rt is not None
        return self._rt

    @property
    def im(self) -> pb_grpc.ImageServiceStub:
        if self._im is None:
            self._connect()
        assert self._im is not None
        return self._im

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()

    async def _call(self, method: object, request: object, timeout: float | None = None) -> object:
        try:
            return await method(request, timeout=timeout or self.timeout)  # type: ignore[operator]
        except grpc.aio.AioRpcError as err:
            raise _wrap(err) from None

    async def version(self) -> pb.VersionResponse:
        return await self._call(self.rt.Version, pb.VersionRequest(version="v1"))  # type: ignore[return-value]

    async def status(self) -> pb.StatusResponse:
        return await self._call(self.rt.Status, pb.StatusRequest(), 10)  # type: ignore[return-value]

    async def update_pod_cidr(self, cidr: str) -> None:
        config = pb.RuntimeConfig(network_config=pb.NetworkConfig(pod_cidr=cidr))
        await self._call(
            self.rt.UpdateRuntimeConfig, pb.UpdateRuntimeConfigRequest(runtime_config=config)
        )

    # ---- sandboxes

    async def run_sandbox(self, config: pb.PodSandboxConfig) -> str:
        resp = await self._call(self.rt.RunPodSandbox, pb.RunPodSandboxRequest(config=config))
        return str(resp.pod_sandbox_id)  # type: ignore[attr-defined]

    async def stop_sandbox(self, sandbox_id: str) -> None:
        try:
            await self._call(
                self.rt.StopPodSandbox, pb.StopPodSandboxRequest(pod_sandbox_id=sandbox_id)
            )
        except CRIError as err:
            if err.code != grpc.StatusCode.NOT_FOUND:
                raise

    async def remove_sandbox(self, sandbox_id: str) -> None:
        try:
            await self._call(
                self.rt.RemovePodSandbox, pb.RemovePodSandboxRequest(pod_sandbox_id=sandbox_id)
            )
        except CRIError as err:
            if err.code != grpc.StatusCode.NOT_FOUND:
                raise

    async def sandbox_status(self, sandbox_id: str) -> pb.PodSandboxStatus:
        resp = await self._call(
            self.rt.PodSandboxStatus, pb.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id)
        )
        return resp.status  # type: ignore[attr-defined]

    async def list_sandboxes(self, labels: dict[str, str] | None = None) -> list[pb.PodSandbox]:
        flt = pb.PodSandboxFilter(label_selector=labels or {})
        resp = await self._call(self.rt.ListPodSandbox, pb.ListPodSandboxRequest(filter=flt))
        return list(resp.items)  # type: ignore[attr-defined]

    # ---- containers

    async def create_container(
        self, sandbox_id: str, config: pb.ContainerConfig, sandbox: pb.PodSandboxConfig
    ) -> str:
        request = pb.CreateContainerRequest(
            pod_sandbox_id=sandbox_id, config=config, sandbox_config=sandbox
        )
        resp = await self._call(self.rt.CreateContainer, request)
        return str(resp.container_id)  # type: ignore[attr-defined]

    async def start_container(self, container_id: str) -> None:
        await self._call(
            self.rt.StartContainer, pb.StartContainerRequest(container_id=container_id)
        )

    async def stop_container(self, container_id: str, grace: int) -> None:
        request = pb.StopContainerRequest(container_id=container_id, timeout=grace)
        try:
            await self._call(self.rt.StopContainer, request, self.timeout + grace)
        except CRIError as err:
            if err.code != grpc.StatusCode.NOT_FOUND:
                raise

    async def remove_container(self, container_id: str) -> None:
        try:
            await self._call(
                self.rt.RemoveContainer, pb.RemoveContainerRequest(container_id=container_id)
            )
        except CRIError as err:
            if err.code != grpc.StatusCode.NOT_FOUND:
                raise

    async def list_containers(self, labels: dict[str, str] | None = None) -> list[pb.Container]:
        flt = pb.ContainerFilter(label_selector=labels or {})
        resp = await self._call(self.rt.ListContainers, pb.ListContainersRequest(filter=flt))
        return list(resp.containers)  # type: ignore[attr-defined]

    async def container_status(self, container_id: str) -> pb.ContainerStatus:
        resp = await self._call(
            self.rt.ContainerStatus, pb.ContainerStatusRequest(container_id=container_id)
        )
        return resp.status  # type: ignore[attr-defined]

    async def exec_sync(
        self, container_id: str, cmd: list[str], timeout: int
    ) -> pb.ExecSyncResponse:
        request = pb.ExecSyncRequest(container_id=container_id, cmd=cmd, timeout=timeout)
        deadline = (timeout or self.timeout) + 5
        return await self._call(self.rt.ExecSync, request, deadline)  # type: ignore[return-value]

    # ---- streaming: each answers the URL of a session on the shim's streaming server

    async def exec_url(self, request: pb.ExecRequest) -> str:
        resp = await self._call(self.rt.Exec, request, 10)
        return str(resp.url)  # type: ignore[attr-defined]

    async def attach_url(self, request: pb.AttachRequest) -> str:
        resp = await self._call(self.rt.Attach, request, 10)
        return str(resp.url)  # type: ignore[attr-defined]

    async def port_forward_url(self, sandbox_id: str, ports: list[int]) -> str:
        request = pb.PortForwardRequest(pod_sandbox_id=sandbox_id, port=ports)
        resp = await self._call(self.rt.PortForward, request, 10)
        return str(resp.url)  # type: ignore[attr-defined]

    async def list_stats(self) -> list[pb.ContainerStats]:
        resp = await self._call(self.rt.ListContainerStats, pb.ListContainerStatsRequest(), 20)
        return list(resp.stats)  # type: ignore[attr-defined]

    # ---- images

    async def image_present(self, image: str) -> str | None:
        """The image's ID when the engine has it, else None."""
        resp = await self._call(
            self.im.ImageStatus, pb.ImageStatusRequest(image=pb.ImageSpec(image=image))
        )
        img = resp.image  # type: ignore[attr-defined]
        return str(img.id) if img.id else None

    async def pull_image(self, image: str, timeout: float = 600) -> str:
        request = pb.PullImageRequest(image=pb.ImageSpec(image=image))
        resp = await self._call(self.im.PullImage, request, timeout)
        return str(resp.image_ref)  # type: ignore[attr-defined]
