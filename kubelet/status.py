"""Pod status: computed from the runtime (pure), written by one coalescing manager.

`compute_status()` turns the pod's spec, its `PodRuntime`, the reasons the worker gave for
containers it could not start (ErrImagePull, CrashLoopBackOff, …) and the probe results
into the pod's `status`, following kubelet's rules for the phase and the conditions.

`StatusManager` keeps the latest status wanted per pod uid. Its writer task writes only what
changed since the last write, through the status subresource (PUT with the pod's current
resourceVersion: on 409 Conflict it reads the pod again and retries), so many syncs of one
pod coalesce into one write and a newer pod is never overwritten blindly.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from minik8s.api import errors
from minik8s.api.pods import is_phase_terminal, is_pod_terminal, qos_class
from minik8s.api.resources import ResourceInfo, lookup
from minik8s.api.times import now_rfc3339, rfc3339
from minik8s.client.rest import AsyncClient

from .runtime_state import EXITED, RUNNING, ContainerInfo, PodRuntime

log = logging.getLogger(__name__)

Obj = dict[str, Any]
PODS: ResourceInfo = lookup("", "v1", "pods")  # type: ignore[assignment]


def _stamp(ns: int) -> str | None:
    """A CRI time (nanoseconds since the epoch; 0: never) as a `Time`."""
    return rfc3339(ns // 1_000_000_000) if ns > 0 else None


@dataclass
class Observed:
    """What the worker knows besides the runtime: why containers wait, probe results."""

    waiting: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (reason, msg)
    ready: dict[str, bool] = field(default_factory=dict)  # readiness by container name
    started: dict[str, bool] = field(default_factory=dict)  # startup probe passed
    pod_ip: str = ""
    host_ip: str = ""
    failed_init: bool = False


def _terminated(c: ContainerInfo) -> Obj:
    out: Obj = {
        "exitCode": c.exit_code,
        "reason": c.reason or ("Completed" if c.exit_code == 0 else "Error"),
    }
    if c.message:
        out["message"] = c.message
    if _stamp(c.started_at):
        out["startedAt"] = _stamp(c.started_at)
    if _stamp(c.finished_at):
        out["finishedAt"] = _stamp(c.finished_at)
    out["containerID"] = f"cri://{c.id}"
    return out


def container_status(
    spec: Obj, rt: PodRuntime, obs: Observed, *, init: bool, default_waiting: str
) -> Obj:
    name = spec["name"]
    latest = rt.latest(name)
    out: Obj = {
        "name": name,
        "image": spec.get("image", ""),
        "imageID": "",
        "ready": False,
        "restartCount": latest.attempt if latest else 0,
        "started": False,
        "state": {},
        "lastState": {},
    }
    waiting = obs.waiting.get(name)
    if latest is None:
        reason, message = waiting or (default_waiting, "")
        out["state"] = {"waiting": {"reason": reason, **({"message": message} if message else {})}}
        return out
    out["containerID"] = f"cri://{latest.id}"
    out["imageID"] = latest.image_ref
    previous = rt.previous(name)
    if latest.state == RUNNING:
        out["state"] = {"running": {"startedAt": _stamp(latest.started_at)}}
        out["started"] = obs.started.get(name, True)
        out["ready"] = (not init) and obs.ready.get(name, True)
        if previous is not None and previous.state == EXITED:
            out["lastState"] = {"terminated": _terminated(previous)}
    elif latest.state == EXITED and waiting is not None:
        reason, message = waiting
        out["state"] = {"waiting": {"reason": reason, **({"message": message} if message else {})}}
        out["lastState"] = {"terminated": _terminated(latest)}
    elif latest.state == EXITED:
        out["state"] = {"terminated": _terminated(latest)}
        if previous is not None and previous.state == EXITED:
            out["lastState"] = {"terminated": _terminated(previous)}
    else:
        reason, message = waiting or ("ContainerCreating", "")
        out["state"] = {"waiting": {"reason": reason, **({"message": message} if message else {})}}
    return out


def phase_of(pod: Obj, statuses: list[Obj], init_done: bool, failed_init: bool) -> str:
    """Kubelet's getPhase on the container statuses just computed."""
    spec = pod.get("spec") or {}
    policy = spec.get("restartPolicy") or "Always"
    if failed_init:
        return "Failed"
    if not init_done:
        return "Pending"
    running = waiting = stopped = succeeded = 0
    for s in statuses:
        state = s["state"]
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            if state["terminated"].get("exitCode") == 0:
                succeeded += 1
        elif "waiting" in state:
            if s.get("lastState", {}).get("terminated"):
                stopped += 1
            else:
                waiting += 1
    if waiting > 0:
        return "Pending"
    if running > 0:
        return "Running"
    if stopped > 0:
        if policy == "Always":
            return "Running"
        if succeeded == stopped:
            return "Succeeded"
        if policy == "OnFailure":
            return "Running"
        return "Failed"
    return "Pending"


def _condition(kind: str, ok: bool, old: list[Obj], now: str, reason: str = "") -> Obj:
    value = "True" if ok else "False"
    previous = next((c for c in old if c.get("type") == kind), None)
    since = previous["lastTransitionTime"] if previous and previous.get("status") == value else now
    cond: Obj = {"type": kind, "status": value, "lastProbeTime": None, "lastTransitionTime": since}
    if not ok and reason:
        cond["reason"] = reason
    return cond


def compute_status(
    pod: Obj, rt: PodRuntime, obs: Observed, now: Callable[[], str] = now_rfc3339
) -> Obj:
    """The pod's whole `status` from what was observed (pure; see the module docstring)."""
    spec = pod.get("spec") or {}
    old = pod.get("status") or {}
    stamp = now()
    init_specs = spec.get("initContainers") or []
    init_statuses = [
        container_status(c, rt, obs, init=True, default_waiting="PodInitializing")
        for c in init_specs
    ]
    init_done = all(
        "terminated" in s["state"] and s["state"]["terminated"].get("exitCode") == 0
        for s in init_statuses
    )
    default = "ContainerCreating" if init_done else "PodInitializing"
    statuses = [
        container_status(c, rt, obs, init=False, default_waiting=default)
        for c in spec.get("containers") or []
    ]
    phase = phase_of(pod, statuses, init_done, obs.failed_init)
    if is_pod_terminal(pod):
        phase = old["phase"]  # a finished pod never runs again
    containers_ready = bool(statuses) and all(s["ready"] for s in statuses)
    if is_phase_terminal(phase):
        containers_ready = False
    old_conditions = old.get("conditions") or []
    conditions = [
        _condition("Initialized", init_done, old_conditions, stamp, "ContainersNotInitialized"),
        _condition("Ready", containers_ready, old_conditions, stamp, "ContainersNotReady"),
        _condition(
            "ContainersReady", containers_ready, old_conditions, stamp, "ContainersNotReady"
        ),
        _condition("PodScheduled", True, old_conditions, stamp),
    ]
    status: Obj = {
        "phase": phase,
        "conditions": conditions,
        "hostIP": obs.host_ip,
        "startTime": old.get("startTime") or stamp,
        "qosClass": qos_class(pod),
        "containerStatuses": statuses,
    }
    if obs.host_ip:
        status["hostIPs"] = [{"ip": obs.host_ip}]
    pod_ip = obs.pod_ip or old.get("podIP") or ""
    if pod_ip:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
    if init_statuses:
        status["initContainerStatuses"] = init_statuses
    return status


# --------------------------------------------------------------------------- the writer


class StatusManager:
    """Coalesces the statuses the workers compute and writes the ones that changed."""

    def __init__(
        self,
        client: AsyncClient,
        cached: Callable[[str, str], Obj | None] | None = None,
        concurrency: int = 8,
    ) -> None:
        self.client = client
        self.cached = cached  # the informer's copy of a pod: saves a GET when it is current
        self._wanted: dict[str, tuple[str, str, Obj]] = {}  # uid → (ns, name, status)
        self._written: dict[str, Obj] = {}
        self._dirty = asyncio.Event()
        self._sem = asyncio.Semaphore(concurrency)
        self.writes = 0

    def set(self, pod: Obj, status: Obj) -> None:
        meta = pod["metadata"]
        uid = meta["uid"]
        if self._written.get(uid) == status:
            self._wanted.pop(uid, None)  # whatever was queued is older than this
            return
        self._wanted[uid] = (meta["namespace"], meta["name"], copy.deepcopy(status))
        self._dirty.set()

    def latest(self, uid: str) -> Obj | None:
        """The newest status handed in for the pod (queued or written), if any."""
        wanted = self._wanted.get(uid)
        if wanted is not None:
            return wanted[2]
        return self._written.get(uid)

    def forget(self, uid: str) -> None:
        self._wanted.pop(uid, None)
        self._written.pop(uid, None)

    async def run(self) -> None:
        pending: set[asyncio.Task[None]] = set()
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            batch, self._wanted = self._wanted, {}
            for uid, (ns, name, status) in batch.items():
                task = asyncio.create_task(self._write(uid, ns, name, status))
                pending.add(task)
                task.add_done_callback(pending.discard)

    async def _write(self, uid: str, ns: str, name: str, status: Obj) -> None:
        async with self._sem:
            for attempt in range(6):
                try:
                    pod = None
                    if attempt == 0 and self.cached is not None:
                        found = self.cached(ns, name)
                        pod = copy.deepcopy(found) if found is not None else None
                    if pod is None:
                        pod = await self.client.get(PODS, name, ns)
                    if pod["metadata"].get("uid") != uid:
                        return  # a new pod of the same name
                    if self._written.get(uid) == status and pod.get("status") == status:
                        return
                    pod["status"] = status
                    await self.client.update(PODS, pod, ns, subresource="status")
                    self._written[uid] = status
                    self.writes += 1
                    return
                except errors.Conflict:
                    continue
                except errors.NotFound:
                    return
                except Exception as exc:
                    log.warning("status of pod %s/%s not written: %s", ns, name, exc)
                    await asyncio.sleep(min(5.0, 0.5 * (attempt + 1)))
            if uid not in self._wanted:  # retry later unless something newer is queued
                self._wanted[uid] = (ns, name, status)
                self._dirty.set()
