"""CRI Exec, Attach and PortForward: check the request, answer a streaming URL.

Nothing runs here: the call checks that the container (or the sandbox) is one of ours and
running, turns the request into a target for the streaming server and answers its
single-use URL (`cridocker.streaming`). The session starts when the kubelet dials it.
"""

from __future__ import annotations

from typing import Any

from cridocker import labels as lbl
from cridocker import objects
from cridocker.backend import Docker
from cridocker.errors import failed_precondition, invalid
from cridocker.streaming.requests import AttachTarget, ExecTarget, PortForwardTarget
from cridocker.streaming.server import StreamingServer
from minik8s.cri import cri_pb2 as pb


class Streams:
    def __init__(self, docker: Docker, instance: str, server: StreamingServer) -> None:
        self.docker = docker
        self.instance = instance
        self.server = server

    async def _running(self, kind: str, object_id: str) -> dict[str, Any]:
        found = await objects.inspect(self.docker, self.instance, kind, object_id)
        if not (found.get("State") or {}).get("Running"):
            what = "container" if kind == lbl.CONTAINER else "pod sandbox"
            raise failed_precondition(f"{what} {object_id!r} is not running")
        return found

    async def exec(self, request: pb.ExecRequest) -> str:
        if not request.cmd:
            raise invalid("cmd is required")
        if not (request.stdin or request.stdout or request.stderr):
            raise invalid("one of stdin, stdout and stderr must be true")
        found = await self._running(lbl.CONTAINER, request.container_id)
        target = ExecTarget(
            container_id=str(found["Id"]),
            cmd=tuple(request.cmd),
            tty=request.tty,
            stdin=request.stdin,
            stdout=request.stdout,
            stderr=request.stderr and not request.tty,  # a TTY merges stderr into stdout
        )
        return self.server.url(target)

    async def attach(self, request: pb.AttachRequest) -> str:
        if not (request.stdin or request.stdout or request.stderr):
            raise invalid("one of stdin, stdout and stderr must be true")
        found = await self._running(lbl.CONTAINER, request.container_id)
        target = AttachTarget(
            container_id=str(found["Id"]),
            tty=request.tty,
            stdin=request.stdin,
            stdout=request.stdout,
            stderr=request.stderr and not request.tty,
        )
        return self.server.url(target)

    async def port_forward(self, request: pb.PortForwardRequest) -> str:
        bad = [p for p in request.port if not 0 < p < 65536]
        if bad:
            raise invalid(f"port {bad[0]} is not between 1 and 65535")
        found = await self._running(lbl.SANDBOX, request.pod_sandbox_id)
        pid = int((found.get("State") or {}).get("Pid") or 0)
        if pid <= 0:
            raise failed_precondition(f"pod sandbox {request.pod_sandbox_id!r} has no process")
        labels = (found.get("Config") or {}).get("Labels") or {}
        name = f"{labels.get(lbl.POD_NAMESPACE, '')}/{labels.get(lbl.POD_NAME, '')}"
        target = PortForwardTarget(str(found["Id"]), pid, tuple(request.port), name)
        return self.server.url(target)
