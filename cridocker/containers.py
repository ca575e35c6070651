"""CRI containers on Docker: create, start, stop, remove, list, status, exec.

Each call is a few Docker requests made through `Docker.call` (a worker thread each; see
`cridocker.backend`), so concurrent RPCs proceed in parallel and none blocks the event
loop. Stop and Remove are idempotent: a container that is gone, or that is not this
shim's, is a success. Lookups by ID check ownership (labels) and answer NOT_FOUND for
anything else.
"""

from __future__ import annotations

import asyncio
import json
import logging

import grpc
from docker import APIClient

from cridocker import labels as lbl
from cridocker import objects, spec, views
from cridocker.backend import Docker
from cridocker.config import ShimConfig
from cridocker.errors import CRIError, failed_precondition, invalid, is_not_found, not_found
from cridocker.logs import LogCopier
from minik8s.cri import cri_pb2 as pb

log = logging.getLogger(__name__)

#: Most output ExecSync returns per stream, as the kubelet's own limit.
MAX_EXEC_OUTPUT = 16 * 1024 * 1024


class Containers:
    """The RuntimeService's container calls (see module doc)."""

    def __init__(self, docker: Docker, config: ShimConfig, copier: LogCopier) -> None:
        self.docker = docker
        self.config = config
        self.copier = copier

    @property
    def instance(self) -> str:
        return self.config.instance

    # ---- create and start

    async def create(self, request: pb.CreateContainerRequest) -> str:
        if not request.pod_sandbox_id:
            raise invalid("pod_sandbox_id is required")
        if not request.HasField("config"):
            raise invalid("config is required")
        spec.validate_container(request.config)
        found = await objects.inspect(
            self.docker, self.instance, lbl.SANDBOX, request.pod_sandbox_id
        )
        sandbox = spec.SandboxView(
            id=found["Id"],
            labels=(found.get("Config") or {}).get("Labels") or {},
            host_network=(found.get("HostConfig") or {}).get("NetworkMode") == "host",
            running=bool((found.get("State") or {}).get("Running")),
        )
        if not sandbox.running:
            raise failed_precondition(f"pod sandbox {request.pod_sandbox_id!r} is not ready")
        log_directory = request.sandbox_config.log_directory or sandbox.labels.get(
            lbl.LOG_DIRECTORY, ""
        )
        log_path = spec.container_log_path(request.config, log_directory)
        create = spec.container_spec(
            request.config, sandbox, instance=self.instance, log_path=log_path
        )
        image = request.config.image.image
        try:
            return await self._create(create)
        except CRIError as err:
            if is_not_found(err):
                raise not_found(
                    f"image {image!r} is not present: pull it first ({err.message})"
                ) from None
            raise

    async def _create(self, create: spec.CreateSpec) -> str:
        def run(api: APIClient) -> str:
            host_config = api.create_host_config(**create.host_config)
            result = api.create_container(
                create.image,
                command=create.command,
                entrypoint=create.entrypoint,
                environment=create.environment,
                working_dir=create.working_dir,
                hostname=create.hostname,
                user=create.user,
                ports=create.ports,
                tty=create.tty,
                stdin_open=create.stdin_open,
                labels=create.labels,
                name=create.name,
                host_config=host_config,
                # The SDK sets StdinOnce only for an attached (not detached) config with an
                # open stdin; the other Attach* fields it then sets change nothing here.
                detach=not create.stdin_once,
            )
            return str(result["Id"])

        return await self.docker.call("create_container", run, f"creating {create.name}")

    async def start(self, container_id: str) -> None:
        found = await objects.inspect(self.docker, self.instance, lbl.CONTAINER, container_id)
        full_id = found["Id"]
        await self.docker.call(
            "start_container", lambda api: api.start(full_id), f"starting container {container_id}"
        )
        log_path = ((found.get("Config") or {}).get("Labels") or {}).get(lbl.LOG_PATH)
        if log_path:
            self.copier.follow(full_id, log_path)

    # ---- stop and remove (idempotent)

    async def stop(self, container_id: str, timeout: int) -> None:
        if timeout < 0:
            raise invalid("timeout is negative")
        found = await objects.inspect_or_none(
            self.docker, self.instance, lbl.CONTAINER, container_id
        )
        if found is not None:
            await stop_container(self.docker, found["Id"], timeout)

    async def remove(self, container_id: str) -> None:
        found = await objects.inspect_or_none(
            self.docker, self.instance, lbl.CONTAINER, container_id
        )
        if found is not None:
            await remove_container(self.docker, found["Id"])
            self.copier.forget(found["Id"])

    async def stop_in_sandbox(self, sandbox_id: str, timeout: int) -> None:
        """Stops every running container of a sandbox, in parallel."""
        filters = objects.list_filters(
            self.instance, lbl.CONTAINER, extra_labels={lbl.SANDBOX_ID: sandbox_id}
        )
        found = await objects.list_summaries(self.docker, lbl.CONTAINER, filters)
        running = [c["Id"] for c in found if c.get("State") in ("running", "restarting", "paused")]
        await asyncio.gather(*(stop_container(self.docker, cid, timeout) for cid in running))

    async def remove_in_sandbox(self, sandbox_id: str) -> None:
        """Removes every container of a sandbox (forcibly), in parallel."""
        filters = objects.list_filters(
            self.instance, lbl.CONTAINER, extra_labels={lbl.SANDBOX_ID: sandbox_id}
        )
        found = await objects.list_summaries(self.docker, lbl.CONTAINER, filters)
        await asyncio.gather(*(remove_container(self.docker, c["Id"]) for c in found))
        for c in found:
            self.copier.forget(c["Id"])

    # ---- reading

    async def list(self, flt: pb.ContainerFilter) -> list[pb.Container]:
        extra = {lbl.SANDBOX_ID: flt.pod_sandbox_id} if flt.pod_sandbox_id else None
        filters = objects.list_filters(
            self.instance,
            lbl.CONTAINER,
            object_id=flt.id,
            selector=flt.label_selector,
            extra_labels=extra,
        )
        found = await objects.list_summaries(self.docker, lbl.CONTAINER, filters)
        items = [views.container_from_summary(c) for c in found]
        if flt.HasField("state"):
            items = [c for c in items if c.state == flt.state.state]
        return items

    async def status(self, container_id: str, verbose: bool) -> pb.ContainerStatusResponse:
        found = await objects.inspect(self.docker, self.instance, lbl.CONTAINER, container_id)
        response = pb.ContainerStatusResponse(status=views.container_status(found))
        if verbose:
            state = found.get("State") or {}
            docker_labels = (found.get("Config") or {}).get("Labels") or {}
            response.info["info"] = json.dumps(
                {
                    "name": str(found.get("Name", "")).lstrip("/"),
                    "pid": state.get("Pid", 0),
                    "sandboxID": docker_labels.get(lbl.SANDBOX_ID, ""),
                    "hostConfig": {
                        k: (found.get("HostConfig") or {}).get(k)
                        for k in ("NetworkMode", "IpcMode", "PidMode", "Memory", "CpuShares")
                    },
                }
            )
        return response

    async def exec_sync(self, request: pb.ExecSyncRequest) -> pb.ExecSyncResponse:
        if not request.cmd:
            raise invalid("cmd is required")
        if request.timeout < 0:
            raise invalid("timeout is negative")
        found = await objects.inspect(
            self.docker, self.instance, lbl.CONTAINER, request.container_id
        )
        if not (found.get("State") or {}).get("Running"):
            raise failed_precondition(f"container {request.container_id!r} is not running")
        full_id, cmd = found["Id"], list(request.cmd)

        def run(api: APIClient) -> tuple[bytes, bytes, int]:
            created = api.exec_create(full_id, cmd, stdout=True, stderr=True)
            out, err = api.exec_start(created["Id"], demux=True)
            code = api.exec_inspect(created["Id"]).get("ExitCode")
            return out or b"", err or b"", int(code if code is not None else -1)

        try:
            stdout, stderr, code = await self.docker.call(
                "exec", run, f"exec in {request.container_id}", timeout=request.timeout or None
            )
        except CRIError as err:
            if err.code == grpc.StatusCode.DEADLINE_EXCEEDED and request.timeout:
                raise CRIError(
                    err.code, f"command {cmd!r} timed out after {request.timeout}s"
                ) from None
            raise
        return pb.ExecSyncResponse(
            stdout=stdout[:MAX_EXEC_OUTPUT], stderr=stderr[:MAX_EXEC_OUTPUT], exit_code=code
        )

    async def resume_logs(self) -> int:
        """Restarts the log copy of every container of ours that has a log path."""
        filters = objects.list_filters(self.instance, lbl.CONTAINER)
        found = await objects.list_summaries(self.docker, lbl.CONTAINER, filters)
        count = 0
        for summary in found:
            path = (summary.get("Labels") or {}).get(lbl.LOG_PATH)
            if path and summary.get("State") != "created":
                self.copier.follow(summary["Id"], path)
                count += 1
        return count


async def stop_container(docker: Docker, container_id: str, timeout: int) -> None:
    """Stops a container: SIGTERM, SIGKILL after `timeout` seconds; gone is success."""

    def run(api: APIClient) -> None:
        api.stop(container_id, timeout=timeout)

    try:
        await docker.call("stop_container", run, f"stopping container {container_id}")
    except CRIError as err:
        if not is_not_found(err):
            raise


async def remove_container(docker: Docker, container_id: str) -> None:
    """Removes a container, forcibly if it runs; gone (or going) is success."""

    def run(api: APIClient) -> None:
        api.remove_container(container_id, force=True, v=True)

    try:
        await docker.call("remove_container", run, f"removing container {container_id}")
    except CRIError as err:
        if is_not_found(err) or "already in progress" in err.message:
            return
        raise
