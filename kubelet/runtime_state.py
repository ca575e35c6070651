"""A pod's view of the runtime: its sandboxes and containers, read from the CRI.

Built by `observe()` from ListPodSandbox / ListContainers / ContainerStatus filtered on the
pod uid label, so the kubelet keeps no state of its own that a restart would lose: the
restart count is the container's CRI attempt, the sandbox attempt its own counter.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .cri import CONTAINER_KIND, POD_UID, Runtime, pb

RUNNING, EXITED, CREATED, UNKNOWN = "running", "exited", "created", "unknown"
_STATES = {
    pb.CONTAINER_CREATED: CREATED,
    pb.CONTAINER_RUNNING: RUNNING,
    pb.CONTAINER_EXITED: EXITED,
    pb.CONTAINER_UNKNOWN: UNKNOWN,
}


@dataclass
class ContainerInfo:
    id: str
    name: str
    attempt: int
    state: str
    kind: str = "app"  # or "init"
    exit_code: int = 0
    reason: str = ""
    message: str = ""
    created_at: int = 0  # nanoseconds since the epoch
    started_at: int = 0
    finished_at: int = 0
    image: str = ""
    image_ref: str = ""
    log_path: str = ""


@dataclass
class SandboxInfo:
    id: str
    attempt: int
    ready: bool
    created_at: int
    ip: str = ""


@dataclass
class PodRuntime:
    sandboxes: list[SandboxInfo] = field(default_factory=list)  # newest first
    containers: dict[str, list[ContainerInfo]] = field(default_factory=dict)  # newest first

    @property
    def sandbox(self) -> SandboxInfo | None:
        return self.sandboxes[0] if self.sandboxes else None

    def latest(self, name: str) -> ContainerInfo | None:
        found = self.containers.get(name)
        return found[0] if found else None

    def previous(self, name: str) -> ContainerInfo | None:
        found = self.containers.get(name) or []
        return found[1] if len(found) > 1 else None

    def all_containers(self) -> list[ContainerInfo]:
        return [c for group in self.containers.values() for c in group]

    def running(self) -> list[ContainerInfo]:
        return [c for c in self.all_containers() if c.state == RUNNING]


def container_info(status: pb.ContainerStatus) -> ContainerInfo:
    return ContainerInfo(
        id=status.id,
        name=status.metadata.name,
        attempt=status.metadata.attempt,
        state=_STATES.get(status.state, UNKNOWN),
        kind=status.labels.get(CONTAINER_KIND, "app"),
        exit_code=status.exit_code,
        reason=status.reason,
        message=status.message,
        created_at=status.created_at,
        started_at=status.started_at,
        finished_at=status.finished_at,
        image=status.image.image,
        image_ref=status.image_ref,
        log_path=status.log_path,
    )


async def observe(runtime: Runtime, uid: str) -> PodRuntime:
    """The pod's sandboxes and containers as the runtime sees them now."""
    selector = {POD_UID: uid}
    sandboxes = await runtime.list_sandboxes(selector)
    containers = await runtime.list_containers(selector)
    state = PodRuntime()
    for sb in sorted(sandboxes, key=lambda s: (s.metadata.attempt, s.created_at), reverse=True):
        info = SandboxInfo(sb.id, sb.metadata.attempt, sb.state == pb.SANDBOX_READY, sb.created_at)
        if info.ready and not state.sandboxes:
            try:
                status = await runtime.sandbox_status(sb.id)
                info.ip = status.network.ip
            except Exception:
                info.ready = False
        state.sandboxes.append(info)
    statuses = await asyncio.gather(
        *(runtime.container_status(c.id) for c in containers), return_exceptions=True
    )
    # an exception: the container was removed meanwhile
    infos = [container_info(s) for s in statuses if not isinstance(s, BaseException)]
    infos.sort(key=lambda c: (c.attempt, c.created_at), reverse=True)
    for ci in infos:
        state.containers.setdefault(ci.name, []).append(ci)
    return state
