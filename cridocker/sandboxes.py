"""Pod sandboxes on Docker: a pause container per pod that owns the pod's namespaces.

RunPodSandbox creates and starts the pause container (on the pod network, or the host's
for hostNetwork pods; see `cridocker.spec`), then writes the pod's resolv.conf into the
file Docker made for it, which every container of the pod shares. StopPodSandbox stops the
pod's containers (in parallel) and then the pause container, which releases the pod IP;
RemovePodSandbox removes them all. Both are idempotent.

Concurrency: each call is a short sequence of Docker requests on the worker pool (see
`cridocker.backend`); the resolv.conf write is file I/O and runs on a thread too.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from docker import APIClient

from cridocker import labels as lbl
from cridocker import objects, spec, views
from cridocker.backend import Docker
from cridocker.config import ShimConfig
from cridocker.containers import Containers, remove_container, stop_container
from cridocker.errors import CRIError, failed_precondition, invalid, is_not_found, not_found
from cridocker.network import enable_hairpin
from minik8s.cri import cri_pb2 as pb

log = logging.getLogger(__name__)


def write_in_place(path: str, text: str) -> None:
    """Rewrites a file keeping its inode: containers see it through bind mounts."""
    with open(path, "r+", encoding="utf-8") as f:
        f.seek(0)
        f.write(text)
        f.truncate()


def _host_network(config: pb.PodSandboxConfig) -> bool:
    options = config.linux.security_context.namespace_options
    return bool(options.network == pb.NODE)


class Sandboxes:
    """The RuntimeService's sandbox calls (see module doc)."""

    def __init__(self, docker: Docker, config: ShimConfig, containers: Containers) -> None:
        self.docker = docker
        self.config = config
        self.containers = containers

    @property
    def instance(self) -> str:
        return self.config.instance

    async def run(self, request: pb.RunPodSandboxRequest) -> str:
        if not request.HasField("config"):
            raise invalid("config is required")
        config = request.config
        create = spec.sandbox_spec(
            config,
            instance=self.instance,
            pause_image=self.config.pause_image,
            network=self.config.network_name,
            runtime_handler=request.runtime_handler,
        )
        sandbox_id = await self._create(create)
        try:
            try:
                await self.docker.call(
                    "start_sandbox", lambda api: api.start(sandbox_id), f"starting {create.name}"
                )
            except CRIError as err:
                raise self._explain(err, create) from None
            resolv = spec.resolv_conf(config.dns_config)
            if resolv is not None:
                await self._write_resolv_conf(sandbox_id, resolv)
            if not _host_network(config):
                await enable_hairpin(self.docker, self.config.network_name)
        except BaseException:
            # Leave nothing half made behind: the kubelet retries with a new attempt.
            await asyncio.shield(remove_container(self.docker, sandbox_id))
            raise
        return sandbox_id

    async def _create(self, create: spec.CreateSpec) -> str:
        def run(api: APIClient) -> str:
            host_config = api.create_host_config(**create.host_config)
            result = api.create_container(
                create.image,
                hostname=create.hostname,
                user=create.user,
                ports=create.ports,
                labels=create.labels,
                name=create.name,
                host_config=host_config,
                detach=True,
            )
            return str(result["Id"])

        try:
            return await self.docker.call("create_sandbox", run, f"creating {create.name}")
        except CRIError as err:
            raise self._explain(err, create) from None

    def _explain(self, err: CRIError, create: spec.CreateSpec) -> CRIError:
        """A clearer error for a missing pod network (found at start) or pause image."""
        if not is_not_found(err):
            return err
        if "network" in err.message.lower():
            return failed_precondition(
                f"pod network {self.config.network_name!r} does not exist: call "
                "UpdateRuntimeConfig with the node's pod CIDR first"
            )
        return not_found(
            f"pause image {create.image!r} is not present: build it with `make images` "
            f"or pull it ({err.message})"
        )

    async def _write_resolv_conf(self, sandbox_id: str, text: str) -> None:
        found = await self.docker.call(
            "inspect_sandbox", lambda api: api.inspect_container(sandbox_id), "pod sandbox"
        )
        path = str(found.get("ResolvConfPath") or "")
        if not path:
            raise failed_precondition("Docker gave the sandbox no resolv.conf to write")
        await asyncio.to_thread(write_in_place, path, text)

    async def stop(self, sandbox_id: str) -> None:
        found = await objects.inspect_or_none(self.docker, self.instance, lbl.SANDBOX, sandbox_id)
        if found is None:
            return
        full_id = found["Id"]
        await self.containers.stop_in_sandbox(full_id, self.config.sandbox_stop_grace)
        await stop_container(self.docker, full_id, self.config.sandbox_stop_grace)

    async def remove(self, sandbox_id: str) -> None:
        found = await objects.inspect_or_none(self.docker, self.instance, lbl.SANDBOX, sandbox_id)
        full_id = found["Id"] if found is not None else sandbox_id
        await self.containers.remove_in_sandbox(full_id)
        if found is not None:
            await remove_container(self.docker, full_id)

    async def status(self, sandbox_id: str, verbose: bool) -> pb.PodSandboxStatusResponse:
        found = await objects.inspect(self.docker, self.instance, lbl.SANDBOX, sandbox_id)
        response = pb.PodSandboxStatusResponse(
            status=views.sandbox_status(found, self.config.network_name)
        )
        if verbose:
            response.info["info"] = json.dumps(_verbose_info(found))
        return response

    async def list(self, flt: pb.PodSandboxFilter) -> list[pb.PodSandbox]:
        filters = objects.list_filters(
            self.instance, lbl.SANDBOX, object_id=flt.id, selector=flt.label_selector
        )
        found = await objects.list_summaries(self.docker, lbl.SANDBOX, filters)
        items = [views.sandbox_from_summary(s) for s in found]
        if flt.HasField("state"):
            items = [s for s in items if s.state == flt.state.state]
        return items


def _verbose_info(found: dict[str, Any]) -> dict[str, Any]:
    state = found.get("State") or {}
    host = found.get("HostConfig") or {}
    return {
        "name": str(found.get("Name", "")).lstrip("/"),
        "pid": state.get("Pid", 0),
        "image": (found.get("Config") or {}).get("Image", ""),
        "networkMode": host.get("NetworkMode", ""),
        "resolvConfPath": found.get("ResolvConfPath", ""),
        "networks": sorted(((found.get("NetworkSettings") or {}).get("Networks") or {}).keys()),
    }
