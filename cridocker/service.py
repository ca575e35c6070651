"""The gRPC servicers: RuntimeService and ImageService on top of the Docker operations.

Each RPC handler is a coroutine on the grpc.aio event loop, wrapped by `rpc`, which:
- records the call's deadline in `backend.DEADLINE`, so every Docker request the handler
  makes waits no longer than the client does;
- turns a `CRIError` into the call's gRPC status (code and message), and any other
  exception into UNKNOWN with its text (and a logged traceback);
- counts calls and their latency by method and code (`cri_operations_total`,
  `cri_operation_duration_seconds`).
Handlers run concurrently; they share nothing mutable but the pod network lock and the
stats map, both touched only from the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import grpc
from prometheus_client import Counter, Histogram

from cridocker.backend import DEADLINE, Docker
from cridocker.config import ShimConfig
from cridocker.containers import Containers
from cridocker.errors import CRIError
from cridocker.images import Images
from cridocker.logs import LogCopier
from cridocker.network import PodNetwork
from cridocker.sandboxes import Sandboxes
from cridocker.stats import Stats
from cridocker.streaming.server import StreamingServer
from cridocker.streams import Streams
from minik8s.cri import cri_pb2 as pb
from minik8s.cri import cri_pb2_grpc as pb_grpc

log = logging.getLogger(__name__)

API_VERSION = "v1"
RUNTIME_NAME = "docker"

OPERATIONS = Counter(
    "cri_operations_total", "CRI calls served, by method and gRPC code.", ["operation", "code"]
)
OPERATION_SECONDS = Histogram(
    "cri_operation_duration_seconds", "Time to serve one CRI call, by method.", ["operation"]
)

S = TypeVar("S")
Req = TypeVar("Req")
Resp = TypeVar("Resp")


def rpc(
    method: Callable[[S, Req, Any], Coroutine[Any, Any, Resp]],
) -> Callable[[S, Req, Any], Coroutine[Any, Any, Resp]]:
    """Deadline, error mapping and metrics for one RPC handler (see module doc)."""
    name = method.__name__

    @functools.wraps(method)
    async def handler(self: S, request: Req, context: Any) -> Resp:
        remaining = context.time_remaining()
        loop = asyncio.get_running_loop()
        token = DEADLINE.set(None if remaining is None else loop.time() + remaining)
        start = time.perf_counter()
        code = "OK"
        try:
            return await method(self, request, context)
        except CRIError as err:
            code = err.code.name
            log.debug("%s: %s %s", name, code, err.message)
            await context.abort(err.code, err.message)
            raise  # abort raises; this keeps type checkers sure we never fall through
        except (asyncio.CancelledError, grpc.aio.AbortError):
            code = "CANCELLED"
            raise
        except Exception as exc:
            code = "UNKNOWN"
            log.exception("%s failed", name)
            await context.abort(grpc.StatusCode.UNKNOWN, f"{name}: {type(exc).__name__}: {exc}")
            raise
        finally:
            DEADLINE.reset(token)
            OPERATIONS.labels(name, code).inc()
            OPERATION_SECONDS.labels(name).observe(time.perf_counter() - start)

    return handler


class Runtime:
    """Everything the servicers share: the Docker backend and the operation groups."""

    def __init__(self, config: ShimConfig, docker: Docker | None = None) -> None:
        self.config = config
        self.docker = docker or Docker(
            config.docker_endpoint, workers=config.docker_workers, timeout=config.docker_timeout
        )
        self.copier = LogCopier(lambda: self.docker.new_client())
        self.network = PodNetwork(self.docker, config.network_name, config.instance)
        self.containers = Containers(self.docker, config, self.copier)
        self.sandboxes = Sandboxes(self.docker, config, self.containers)
        self.stats = Stats(self.docker, config.instance)
        self.images = Images(self.docker, config.allowed_registries)
        self.streaming = StreamingServer(self.docker, config.streaming_address)
        self.streams = Streams(self.docker, config.instance, self.streaming)


class RuntimeService(pb_grpc.RuntimeServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    @rpc
    async def Version(self, request: pb.VersionRequest, context: Any) -> pb.VersionResponse:
        info = await self.rt.docker.call("version", lambda api: api.version(), "version")
        return pb.VersionResponse(
            version=API_VERSION,
            runtime_name=RUNTIME_NAME,
            runtime_version=str(info.get("Version", "")),
            runtime_api_version=str(info.get("ApiVersion", "")),
        )

    # ---- sandboxes

    @rpc
    async def RunPodSandbox(
        self, request: pb.RunPodSandboxRequest, context: Any
    ) -> pb.RunPodSandboxResponse:
        return pb.RunPodSandboxResponse(pod_sandbox_id=await self.rt.sandboxes.run(request))

    @rpc
    async def StopPodSandbox(
        self, request: pb.StopPodSandboxRequest, context: Any
    ) -> pb.StopPodSandboxResponse:
        await self.rt.sandboxes.stop(request.pod_sandbox_id)
        return pb.StopPodSandboxResponse()

    @rpc
    async def RemovePodSandbox(
        self, request: pb.RemovePodSandboxRequest, context: Any
    ) -> pb.RemovePodSandboxResponse:
        await self.rt.sandboxes.remove(request.pod_sandbox_id)
        return pb.RemovePodSandboxResponse()

    @rpc
    async def PodSandboxStatus(
        self, request: pb.PodSandboxStatusRequest, context: Any
    ) -> pb.PodSandboxStatusResponse:
        return await self.rt.sandboxes.status(request.pod_sandbox_id, request.verbose)

    @rpc
    async def ListPodSandbox(
        self, request: pb.ListPodSandboxRequest, context: Any
    ) -> pb.ListPodSandboxResponse:
        return pb.ListPodSandboxResponse(items=await self.rt.sandboxes.list(request.filter))

    # ---- containers

    @rpc
    async def CreateContainer(
        self, request: pb.CreateContainerRequest, context: Any
    ) -> pb.CreateContainerResponse:
        return pb.CreateContainerResponse(container_id=await self.rt.containers.create(request))

    @rpc
    async def StartContainer(
        self, request: pb.StartContainerRequest, context: Any
    ) -> pb.StartContainerResponse:
        await self.rt.containers.start(request.container_id)
        return pb.StartContainerResponse()

    @rpc
    async def StopContainer(
        self, request: pb.StopContainerRequest, context: Any
    ) -> pb.StopContainerResponse:
        await self.rt.containers.stop(request.container_id, int(request.timeout))
        return pb.StopContainerResponse()

    @rpc
    async def RemoveContainer(
        self, request: pb.RemoveContainerRequest, context: Any
    ) -> pb.RemoveContainerResponse:
        await self.rt.containers.remove(request.container_id)
        return pb.RemoveContainerResponse()

    @rpc
    async def ListContainers(
        self, request: pb.ListContainersRequest, context: Any
    ) -> pb.ListContainersResponse:
        return pb.ListContainersResponse(containers=await self.rt.containers.list(request.filter))

    @rpc
    async def ContainerStatus(
        self, request: pb.ContainerStatusRequest, context: Any
    ) -> pb.ContainerStatusResponse:
        return await self.rt.containers.status(request.container_id, request.verbose)

    @rpc
    async def ExecSync(self, request: pb.ExecSyncRequest, context: Any) -> pb.ExecSyncResponse:
        return await self.rt.containers.exec_sync(request)

    # ---- streaming: each answers a URL of the streaming server

    @rpc
    async def Exec(self, request: pb.ExecRequest, context: Any) -> pb.ExecResponse:
        return pb.ExecResponse(url=await self.rt.streams.exec(request))

    @rpc
    async def Attach(self, request: pb.AttachRequest, context: Any) -> pb.AttachResponse:
        return pb.AttachResponse(url=await self.rt.streams.attach(request))

    @rpc
    async def PortForward(
        self, request: pb.PortForwardRequest, context: Any
    ) -> pb.PortForwardResponse:
        return pb.PortForwardResponse(url=await self.rt.streams.port_forward(request))

    # ---- stats

    @rpc
    async def ContainerStats(
        self, request: pb.ContainerStatsRequest, context: Any
    ) -> pb.ContainerStatsResponse:
        return pb.ContainerStatsResponse(stats=await self.rt.stats.one(request.container_id))

    @rpc
    async def ListContainerStats(
        self, request: pb.ListContainerStatsRequest, context: Any
    ) -> pb.ListContainerStatsResponse:
        return pb.ListContainerStatsResponse(stats=await self.rt.stats.list(request.filter))

    # ---- runtime

    @rpc
    async def UpdateRuntimeConfig(
        self, request: pb.UpdateRuntimeConfigRequest, context: Any
    ) -> pb.UpdateRuntimeConfigResponse:
        cidr = request.runtime_config.network_config.pod_cidr
        if cidr:
            await self.rt.network.update(cidr)
        return pb.UpdateRuntimeConfigResponse()

    @rpc
    async def Status(self, request: pb.StatusRequest, context: Any) -> pb.StatusResponse:
        runtime_ready = await self.rt.docker.ping()
        runtime = pb.RuntimeCondition(type="RuntimeReady", status=runtime_ready)
        if not runtime_ready:
            runtime.reason = "DockerUnreachable"
            runtime.message = (
                f"the Docker engine at {self.rt.config.docker_endpoint} does not answer"
            )
        network = pb.RuntimeCondition(type="NetworkReady")
        subnet = ""
        if runtime_ready:
            subnet = await self.rt.network.subnet()
        network.status = bool(subnet)
        if not subnet:
            network.reason = "NetworkPluginNotReady"
            network.message = (
                f"pod network {self.rt.config.network_name!r} does not exist: "
                "UpdateRuntimeConfig has not set the pod CIDR"
            )
        response = pb.StatusResponse(status=pb.RuntimeStatus(conditions=[runtime, network]))
        if request.verbose:
            response.info["podCIDR"] = subnet
            response.info["logCopies"] = str(len(self.rt.copier.following()))
        return response


class ImageService(pb_grpc.ImageServiceServicer):
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    @rpc
    async def ListImages(
        self, request: pb.ListImagesRequest, context: Any
    ) -> pb.ListImagesResponse:
        return pb.ListImagesResponse(images=await self.rt.images.list(request.filter))

    @rpc
    async def ImageStatus(
        self, request: pb.ImageStatusRequest, context: Any
    ) -> pb.ImageStatusResponse:
        return await self.rt.images.status(request.image.image, request.verbose)

    @rpc
    async def PullImage(self, request: pb.PullImageRequest, context: Any) -> pb.PullImageResponse:
        image_ref = await self.rt.images.pull(request.image.image, request.auth)
        return pb.PullImageResponse(image_ref=image_ref)

    @rpc
    async def RemoveImage(
        self, request: pb.RemoveImageRequest, context: Any
    ) -> pb.RemoveImageResponse:
        await self.rt.images.remove(request.image.image)
        return pb.RemoveImageResponse()

    @rpc
    async def ImageFsInfo(
        self, request: pb.ImageFsInfoRequest, context: Any
    ) -> pb.ImageFsInfoResponse:
        return await self.rt.images.fs_info()
