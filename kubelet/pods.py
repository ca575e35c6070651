"""Pod workers: one asyncio task per pod uid, and the relist (PLEG) that wakes them.

Timeline of one worker::

    pod ADDED ──► SYNCING ───────────────────────────────► TERMINATING ─────────► TERMINATED
                  each wake: observe the runtime (CRI),     deletionTimestamp set,  final DELETE
                  ensure sandbox → init containers in       or the pod left the     (grace 0, uid
                  order → app containers (restart policy,   API: preStop hooks,     precondition),
                  back-off, liveness kills), volumes,       SIGTERM, wait the       forget; the
                  probes, then hand the status to the       grace period, SIGKILL,  task ends
                  status manager; finished pods stop        stop + remove sandbox,
                  their sandbox and stay for inspection     volumes
                        ▲
      wakes: pod changed (watch), PLEG saw its containers change, a probe flipped,
             a back-off expired, the periodic resync

Only the latest desired pod matters: `update()` replaces the worker's pod and sets its wake
event; the worker reads it when it next runs, so a burst of updates is one sync. Every
decision is taken from what the runtime reports now (labels carry uid, container name and
attempt = restart count), so a restarted kubelet adopts what is running and restarts
nothing that is healthy. The PLEG relists sandboxes and containers every `relist_period`
and wakes the workers of the pods whose containers changed state; sandboxes of pods that
are no longer bound to this node (no worker, not in the informer cache) are stopped and
removed. Concurrency: one event loop; a worker never runs two syncs at once; CRI calls are
awaited, so slow pulls or stops of one pod never block another.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import httpx
from prometheus_client import Counter, Gauge, Histogram

from minik8s.api import errors
from minik8s.api.pods import is_phase_terminal, is_pod_terminal
from minik8s.api.resources import ResourceInfo, lookup
from minik8s.api.times import epoch_seconds
from minik8s.client.events import EventRecorder
from minik8s.client.rest import AsyncClient

from . import resolv, volumes
from .backoff import Backoff
from .cri import POD_UID, CRIError, Runtime
from .env import ConfigError, resolve_env
from .probes import Prober
from .runtime_state import CREATED, EXITED, RUNNING, UNKNOWN, ContainerInfo, PodRuntime, observe
from .specs import NODE_LABEL, PodSettings, VolumeMountError, container_config, sandbox_config
from .status import Observed, StatusManager, compute_status

log = logging.getLogger(__name__)

Obj = dict[str, Any]
PODS: ResourceInfo = lookup("", "v1", "pods")  # type: ignore[assignment]
CONFIGMAPS: ResourceInfo = lookup("", "v1", "configmaps")  # type: ignore[assignment]
SECRETS: ResourceInfo = lookup("", "v1", "secrets")  # type: ignore[assignment]
PVCS: ResourceInfo = lookup("", "v1", "persistentvolumeclaims")  # type: ignore[assignment]
PVS: ResourceInfo = lookup("", "v1", "persistentvolumes")  # type: ignore[assignment]
_FETCHABLE = {
    "ConfigMap": CONFIGMAPS,
    "Secret": SECRETS,
    "PersistentVolumeClaim": PVCS,
    "PersistentVolume": PVS,
}

SYNC_SECONDS = Histogram(
    "kubelet_pod_worker_duration_seconds", "Duration of one pod sync", ["operation"]
)
START_SECONDS = Histogram(
    "kubelet_pod_start_duration_seconds",
    "From the pod's creation to all its containers running, as this kubelet saw it",
    buckets=(0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60, 120),
)
RUNNING_PODS = Gauge("kubelet_running_pods", "Pods with a worker on this node")
RELIST_SECONDS = Histogram("kubelet_pleg_relist_duration_seconds", "Duration of one PLEG relist")
RUNTIME_ERRORS = Counter(
    "kubelet_runtime_operations_errors_total", "CRI calls that failed", ["operation"]
)


class State(enum.Enum):
    SYNCING = "syncing"
    TERMINATING = "terminating"
    TERMINATED = "terminated"


@dataclass
class Context:
    """What every worker shares (built once by the kubelet)."""

    client: AsyncClient
    runtime: Runtime
    recorder: EventRecorder
    statuses: StatusManager
    settings: PodSettings
    node_ip: str
    root_dir: Path
    backoff: Backoff
    pull_backoff: Backoff
    resync_period: float = 10.0
    prober: Prober | None = None
    pulls: dict[str, asyncio.Lock] = field(default_factory=dict)
    # The Service variables of a pod's containers (`svcenv.service_env` over the kubelet's
    # Service informer); raises ConfigError before that informer has synced.
    service_env: Callable[[Obj], dict[str, str]] | None = None

    async def fetch(self, kind: str, namespace: str, name: str) -> Obj | None:
        """A ConfigMap, Secret, PersistentVolumeClaim or PersistentVolume; None if absent."""
        resource = _FETCHABLE[kind]
        try:
            return await self.client.get(resource, name, namespace if resource.namespaced else None)
        except errors.NotFound:
            return None


def should_restart(policy: str, exit_code: int) -> bool:
    return policy == "Always" or (policy == "OnFailure" and exit_code != 0)


def grace_period(pod: Obj) -> int:
    meta, spec = pod["metadata"], pod.get("spec") or {}
    grace = meta.get("deletionGracePeriodSeconds")
    if grace is None:
        grace = spec.get("terminationGracePeriodSeconds", 30)
    return max(0, int(grace))


class Worker:
    def __init__(self, ctx: Context, pod: Obj, on_done: Callable[[str], None]) -> None:
        self.ctx = ctx
        self.pod = pod
        self.uid: str = pod["metadata"]["uid"]
        self.state = State.SYNCING
        self.removed = False  # the pod left the API (deleted without our final delete)
        self._wake = asyncio.Event()
        self._wake.set()
        self._next: float | None = None  # a back-off expiry to wake at
        self._on_done = on_done
        self._created_started = False
        self.last_pod_ip = ""
        self.hosts_path = ""  # the managed /etc/hosts (resolv.py), once written
        self.pull_failed_at: dict[str, float] = {}  # container name → last failed pull
        self.task: asyncio.Task[None] | None = None

    @property
    def key(self) -> str:
        meta = self.pod["metadata"]
        return f"{meta.get('namespace')}/{meta['name']}"

    def update(self, pod: Obj) -> None:
        self.pod = pod
        self._wake.set()

    def pod_removed(self) -> None:
        self.removed = True
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def wake_after(self, seconds: float) -> None:
        at = time.monotonic() + seconds
        if self._next is None or at < self._next:
            self._next = at

    async def run(self) -> None:
        try:
            while self.state is not State.TERMINATED:
                timeout = self.ctx.resync_period
                if self._next is not None:
                    timeout = max(0.0, min(timeout, self._next - time.monotonic()))
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._wake.wait()
                self._wake.clear()
                if self._next is not None and self._next <= time.monotonic():
                    self._next = None
                if self.removed or self.pod["metadata"].get("deletionTimestamp"):
                    self.state = State.TERMINATING
                started = time.monotonic()
                try:
                    if self.state is State.SYNCING:
                        await self.sync()
                        SYNC_SECONDS.labels("sync").observe(time.monotonic() - started)
                    else:
                        await self.terminate()
                        SYNC_SECONDS.labels("terminate").observe(time.monotonic() - started)
                        self.state = State.TERMINATED
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("pod %s: %s failed; retrying", self.key, self.state.value)
                    self.wake_after(2.0)
        finally:
            if self.state is State.TERMINATED:
                self._on_done(self.uid)

    # ---- sync

    def _event(self, type_: str, reason: str, message: str) -> None:
        self.ctx.recorder.emit(self.pod, type_, reason, message)

    async def sync(self) -> None:
        ctx, pod = self.ctx, self.pod
        # Our own status writes do not wake the worker (see Kubelet._on_update), so the pod
        # it holds may carry an older status: the status manager knows the newest one, and
        # conditions' transition times and startTime must be computed against that.
        newest = ctx.statuses.latest(self.uid)
        if newest is not None:
            pod = {**pod, "status": newest}
        spec = pod.get("spec") or {}
        policy = spec.get("restartPolicy") or "Always"
        rt = await observe(ctx.runtime, self.uid)
        obs = Observed(host_ip=ctx.node_ip)
        if is_pod_terminal(pod):
            await self._finish(rt)
            obs.pod_ip = ""
            ctx.statuses.set(pod, compute_status(pod, rt, obs))
            return
        acted = False
        sandbox = rt.sandbox
        if sandbox is None or not sandbox.ready:
            if sandbox is not None and policy == "Never" and rt.all_containers():
                # the sandbox died under a pod that must not restart: it is over
                obs.failed_init = any(c.state != EXITED or c.exit_code for c in rt.all_containers())
            else:
                await self._kill_runtime(rt, grace=0)
                await self._create_sandbox(sandbox.attempt + 1 if sandbox else 0)
                rt = await observe(ctx.runtime, self.uid)
                sandbox = rt.sandbox
        if sandbox is None or not sandbox.ready:
            ctx.statuses.set(pod, compute_status(pod, rt, obs))
            return
        obs.pod_ip = ctx.node_ip if spec.get("hostNetwork") else sandbox.ip
        self.last_pod_ip = obs.pod_ip
        try:
            volume_paths = await volumes.setup(
                ctx.root_dir, pod, ctx.fetch, pod_ip=obs.pod_ip, host_ip=ctx.node_ip
            )
            self.hosts_path = await self._write_hosts(obs.pod_ip)
        except volumes.MountError as e:
            self._event("Warning", "FailedMount", f"MountVolume.SetUp failed: {e}")
            for c in spec.get("containers") or []:
                if rt.latest(c["name"]) is None:
                    obs.waiting[c["name"]] = ("ContainerCreating", str(e))
            self.wake_after(5.0)
            ctx.statuses.set(pod, compute_status(pod, rt, obs))
            return
        init_done = True
        for c in spec.get("initContainers") or []:
            latest = rt.latest(c["name"])
            if latest is not None and latest.state == EXITED and latest.exit_code == 0:
                continue
            init_done = False
            if latest is None:
                acted |= await self._start(c, 0, "init", sandbox.id, obs, volume_paths)
            elif latest.state == EXITED:
                if policy == "Never":
                    obs.failed_init = True
                else:
                    acted |= await self._restart(c, latest, "init", sandbox.id, obs, volume_paths)
            elif latest.state in (CREATED, UNKNOWN):
                await ctx.runtime.remove_container(latest.id)
                acted |= await self._start(
                    c, latest.attempt + 1, "init", sandbox.id, obs, volume_paths
                )
            break
        if init_done:
            for c in spec.get("containers") or []:
                acted |= await self._sync_app(c, rt, policy, sandbox.id, obs, volume_paths)
        if acted:
            rt = await observe(ctx.runtime, self.uid)
        running = {
            c["name"]: latest.id
            for c in spec.get("containers") or []
            if (latest := rt.latest(c["name"])) is not None and latest.state == RUNNING
        }
        if ctx.prober is not None:
            ctx.prober.sync(pod, running, obs.pod_ip)
            for c in spec.get("containers") or []:
                name = c["name"]
                if name not in running:
                    continue
                if c.get("readinessProbe"):
                    ready = ctx.prober.result(self.uid, name, "readinessProbe", running[name])
                    obs.ready[name] = bool(ready)
                if c.get("startupProbe"):
                    started = ctx.prober.result(self.uid, name, "startupProbe", running[name])
                    obs.started[name] = bool(started)
                    if not started:
                        obs.ready[name] = False
        status = compute_status(pod, rt, obs)
        if (
            status["phase"] == "Running"
            and not self._created_started
            and len(running) == len(spec.get("containers") or [])
        ):
            self._created_started = True
            created = epoch_seconds(pod["metadata"].get("creationTimestamp"))
            if created is not None:
                START_SECONDS.observe(max(0.0, time.time() - created))
        if is_phase_terminal(status["phase"]):
            status["podIP"] = status.get("podIP") or obs.pod_ip
            await self._finish(rt)
        ctx.statuses.set(pod, status)
        await self._collect_garbage(rt)

    async def _sync_app(
        self,
        c: Obj,
        rt: PodRuntime,
        policy: str,
        sandbox_id: str,
        obs: Observed,
        volume_paths: dict[str, str],
    ) -> bool:
        ctx, name = self.ctx, c["name"]
        latest = rt.latest(name)
        if latest is None:
            return await self._start(c, 0, "app", sandbox_id, obs, volume_paths)
        if latest.state == RUNNING:
            if latest.image and c.get("image") and latest.image != c["image"]:
                # a pod's image is the one mutable part of its containers: replace it
                self._event(
                    "Normal", "Killing", f"Container {name} definition changed, will be restarted"
                )
                await self._stop_container(c, latest, grace_period(self.pod))
                return await self._start(
                    c, latest.attempt + 1, "app", sandbox_id, obs, volume_paths
                )
            if ctx.prober is not None and c.get("livenessProbe"):
                live = ctx.prober.result(self.uid, name, "livenessProbe", latest.id)
                if live is False:
                    message = ctx.prober.message(self.uid, name, "livenessProbe")
                    self._event("Warning", "Unhealthy", f"Liveness probe failed: {message}")
                    self._event(
                        "Normal",
                        "Killing",
                        f"Container {name} failed liveness probe, will be restarted",
                    )
                    await self._stop_container(c, latest, grace_period(self.pod))
                    self.wake()
                    return True
            return False
        if latest.state == EXITED:
            if should_restart(policy, latest.exit_code):
                return await self._restart(c, latest, "app", sandbox_id, obs, volume_paths)
            return False
        await ctx.runtime.remove_container(latest.id)
        return await self._start(c, latest.attempt + 1, "app", sandbox_id, obs, volume_paths)

    async def _restart(
        self,
        c: Obj,
        latest: ContainerInfo,
        kind: str,
        sandbox_id: str,
        obs: Observed,
        volume_paths: dict[str, str],
    ) -> bool:
        key = (self.uid, c["name"])
        remaining = self.ctx.backoff.remaining(
            key, latest.started_at / 1e9, latest.finished_at / 1e9
        )
        if remaining > 0:
            delay = self.ctx.backoff.delay(key)
            obs.waiting[c["name"]] = (
                "CrashLoopBackOff",
                f"back-off {delay:g}s restarting failed container={c['name']} "
                f"pod={self.pod['metadata']['name']}_{self.pod['metadata'].get('namespace')}"
                f"({self.uid})",
            )
            self._event("Warning", "BackOff", "Back-off restarting failed container")
            self.wake_after(remaining)
            return False
        self.ctx.backoff.restarted(key)
        return await self._start(c, latest.attempt + 1, kind, sandbox_id, obs, volume_paths)

    async def _write_hosts(self, pod_ip: str) -> str:
        """The pod's managed /etc/hosts (pods on the pod network only); its path or ''."""
        if not resolv.manages_hosts(self.pod) or not pod_ip:
            return ""
        text = resolv.hosts_file(self.pod, [pod_ip], self.ctx.settings.cluster_domain)
        directory = volumes.pod_dir(self.ctx.root_dir, self.uid)
        try:
            return await asyncio.to_thread(resolv.write_hosts, directory, text)
        except OSError as e:
            raise volumes.MountError(f"cannot write the pod's hosts file: {e}") from e

    async def _create_sandbox(self, attempt: int) -> None:
        config = sandbox_config(self.pod, self.ctx.settings, attempt)
        await asyncio.to_thread(os.makedirs, config.log_directory, exist_ok=True)
        try:
            await self.ctx.runtime.run_sandbox(config)
        except CRIError as e:
            RUNTIME_ERRORS.labels("run_sandbox").inc()
            self._event("Warning", "FailedCreatePodSandBox", f"Failed to create pod sandbox: {e}")
            self.wake_after(5.0)

    async def _ensure_image(self, c: Obj, obs: Observed) -> bool:
        ctx, name, image = self.ctx, c["name"], c.get("image", "")
        policy = c.get("imagePullPolicy") or "IfNotPresent"
        present = await ctx.runtime.image_present(image)
        if policy == "Never":
            if present:
                return True
            obs.waiting[name] = (
                "ErrImageNeverPull",
                f'Container image "{image}" is not present with pull policy of Never',
            )
            self._event("Warning", "ErrImageNeverPull", obs.waiting[name][1])
            return False
        if present and policy == "IfNotPresent":
            return True
        key = (self.uid, f"pull:{name}")
        failed_at = self.pull_failed_at.get(name, 0.0)
        remaining = ctx.pull_backoff.remaining(key, failed_at, failed_at) if failed_at else 0.0
        if remaining > 0 and not present:
            obs.waiting[name] = ("ImagePullBackOff", f'Back-off pulling image "{image}"')
            self.wake_after(remaining)
            return False
        self._event("Normal", "Pulling", f'Pulling image "{image}"')
        lock = ctx.pulls.setdefault(image, asyncio.Lock())
        started = time.monotonic()
        try:
            async with lock:
                await ctx.runtime.pull_image(image)
        except CRIError as e:
            if present:  # offline machines: Always falls back to the local copy
                self._event(
                    "Warning",
                    "Failed",
                    f'Failed to pull image "{image}" ({e}); using the local copy',
                )
                return True
            ctx.pull_backoff.restarted(key)
            self.pull_failed_at[name] = time.time()
            obs.waiting[name] = ("ErrImagePull", f'Failed to pull image "{image}": {e.message}')
            self._event("Warning", "Failed", obs.waiting[name][1])
            self.wake_after(ctx.pull_backoff.delay(key))
            return False
        ctx.pull_backoff.reset(key)
        self.pull_failed_at.pop(name, None)
        self._event(
            "Normal",
            "Pulled",
            f'Successfully pulled image "{image}" in {time.monotonic() - started:.3f}s',
        )
        return True

    async def _start(
        self,
        c: Obj,
        attempt: int,
        kind: str,
        sandbox_id: str,
        obs: Observed,
        volume_paths: dict[str, str],
    ) -> bool:
        ctx, name = self.ctx, c["name"]
        if not await self._ensure_image(c, obs):
            return False
        try:
            services = ctx.service_env(self.pod) if ctx.service_env is not None else None
            env = await resolve_env(
                self.pod,
                c,
                ctx.fetch,
                pod_ip=obs.pod_ip,
                host_ip=ctx.node_ip,
                service_env=services,
            )
            config = container_config(
                self.pod,
                c,
                attempt=attempt,
                kind=kind,
                env=env,
                volume_paths=volume_paths,
                node_name=ctx.settings.node_name,
                hosts_path=self.hosts_path,
            )
        except (ConfigError, VolumeMountError) as e:
            obs.waiting[name] = ("CreateContainerConfigError", str(e))
            self._event("Warning", "Failed", f"Error: {e}")
            self.wake_after(5.0)
            return False
        sandbox = sandbox_config(self.pod, ctx.settings, 0)
        try:
            cid = await ctx.runtime.create_container(sandbox_id, config, sandbox)
        except CRIError as e:
            RUNTIME_ERRORS.labels("create_container").inc()
            obs.waiting[name] = ("CreateContainerError", e.message)
            self._event("Warning", "Failed", f"Error: {e.message}")
            self.wake_after(5.0)
            return False
        self._event("Normal", "Created", f"Created container {name}")
        try:
            await ctx.runtime.start_container(cid)
        except CRIError as e:
            RUNTIME_ERRORS.labels("start_container").inc()
            obs.waiting[name] = ("RunContainerError", e.message)
            self._event("Warning", "Failed", f"Error: {e.message}")
            return True
        self._event("Normal", "Started", f"Started container {name}")
        return True

    # ---- stopping

    async def _stop_container(self, spec: Obj | None, c: ContainerInfo, grace: int) -> None:
        deadline = time.monotonic() + grace
        pre_stop = ((spec or {}).get("lifecycle") or {}).get("preStop") or {}
        if c.state == RUNNING and pre_stop and grace > 0:
            await self._pre_stop(pre_stop, spec or {}, c, grace)
        remaining = max(0, round(deadline - time.monotonic()))
        if grace > 0 and pre_stop:
            remaining = max(remaining, 2)  # as the kubelet: 2 s after a hook that used it all
        await self.ctx.runtime.stop_container(c.id, remaining)

    async def _pre_stop(self, hook: Obj, spec: Obj, c: ContainerInfo, grace: int) -> None:
        """Runs the container's preStop hook (exec or httpGet), bounded by the grace period."""
        try:
            if "exec" in hook:
                command = [str(x) for x in (hook["exec"] or {}).get("command") or []]
                resp = await self.ctx.runtime.exec_sync(c.id, command, max(1, grace))
                if resp.exit_code != 0:
                    raise CRIError(grpc.StatusCode.UNKNOWN, f"exit code {resp.exit_code}")
            elif "httpGet" in hook:
                get = hook["httpGet"] or {}
                host = get.get("host") or self.last_pod_ip or "127.0.0.1"
                port = get.get("port")
                if not isinstance(port, int):
                    named = [p for p in spec.get("ports") or [] if p.get("name") == port]
                    port = int(named[0]["containerPort"]) if named else int(str(port))
                scheme = (get.get("scheme") or "HTTP").lower()
                url = f"{scheme}://{host}:{port}{get.get('path') or '/'}"
                async with httpx.AsyncClient(timeout=grace, verify=False) as client:
                    await client.get(url)
        except (CRIError, httpx.HTTPError, ValueError) as e:
            self._event("Warning", "FailedPreStopHook", f"PreStopHook failed: {e}")

    async def _kill_runtime(self, rt: PodRuntime, grace: int) -> None:
        specs = {
            c["name"]: c
            for c in [
                *((self.pod.get("spec") or {}).get("containers") or []),
                *((self.pod.get("spec") or {}).get("initContainers") or []),
            ]
        }
        running = rt.running()
        for c in running:
            self._event("Normal", "Killing", f"Stopping container {c.name}")
        await asyncio.gather(*(self._stop_container(specs.get(c.name), c, grace) for c in running))
        for sb in rt.sandboxes:
            if sb.ready:
                await self.ctx.runtime.stop_sandbox(sb.id)

    async def _finish(self, rt: PodRuntime) -> None:
        """A pod that reached Succeeded/Failed: stop what runs, keep it for inspection."""
        if rt.running() or any(sb.ready for sb in rt.sandboxes):
            await self._kill_runtime(rt, grace_period(self.pod))
        if self.ctx.prober is not None:
            self.ctx.prober.stop_pod(self.uid)

    async def _collect_garbage(self, rt: PodRuntime) -> None:
        """Keeps the latest two instances of each container (for logs --previous)."""
        for group in rt.containers.values():
            for old in group[2:]:
                if old.state != RUNNING:
                    await self.ctx.runtime.remove_container(old.id)
        for sb in rt.sandboxes[1:]:
            if not sb.ready:
                await self.ctx.runtime.remove_sandbox(sb.id)

    async def terminate(self) -> None:
        ctx, pod = self.ctx, self.pod
        grace = grace_period(pod)
        if ctx.prober is not None:
            ctx.prober.stop_pod(self.uid)
        rt = await observe(ctx.runtime, self.uid)
        if rt.sandbox is not None and rt.sandbox.ip:
            self.last_pod_ip = rt.sandbox.ip  # for httpGet preStop hooks after a restart
        await self._kill_runtime(rt, grace)
        for sb in rt.sandboxes:
            await ctx.runtime.remove_sandbox(sb.id)
        for c in rt.all_containers():
            await ctx.runtime.remove_container(c.id)
        await asyncio.to_thread(volumes.teardown, ctx.root_dir, self.uid)
        ctx.statuses.forget(self.uid)
        ctx.backoff.forget_pod(self.uid)
        ctx.pull_backoff.forget_pod(self.uid)
        if not self.removed:
            meta = pod["metadata"]
            try:
                await ctx.client.delete(
                    PODS,
                    meta["name"],
                    meta.get("namespace"),
                    grace_period_seconds=0,
                    preconditions={"uid": self.uid},
                )
            except (errors.NotFound, errors.Conflict):
                pass
        log.info("pod %s (%s) terminated", self.key, self.uid)


class PodWorkers:
    """The workers by pod uid; the informer's handlers and the PLEG call in here."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.workers: dict[str, Worker] = {}
        self._terminated: set[str] = set()

    def update(self, pod: Obj) -> None:
        uid = pod["metadata"]["uid"]
        if uid in self._terminated:
            return
        worker = self.workers.get(uid)
        if worker is None:
            worker = Worker(self.ctx, pod, self._done)
            worker.task = asyncio.create_task(worker.run(), name=f"pod {uid}")
            self.workers[uid] = worker
            RUNNING_PODS.set(len(self.workers))
        else:
            worker.update(pod)

    def removed(self, pod: Obj) -> None:
        worker = self.workers.get(pod["metadata"]["uid"])
        if worker is not None:
            worker.pod_removed()

    def wake(self, uid: str) -> None:
        worker = self.workers.get(uid)
        if worker is not None:
            worker.wake()

    def _done(self, uid: str) -> None:
        self.workers.pop(uid, None)
        self._terminated.add(uid)
        RUNNING_PODS.set(len(self.workers))

    async def stop(self) -> None:
        """Stops the workers (the pods keep running: a restarted kubelet adopts them)."""
        tasks = [w.task for w in self.workers.values() if w.task is not None]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def relist(ctx: Context) -> dict[str, frozenset[tuple[str, int]]]:
    """Pod uid → the (id, state) of its sandboxes and containers, from one relist."""
    selector = {NODE_LABEL: ctx.settings.node_name}
    snapshot: dict[str, set[tuple[str, int]]] = {}
    for sb in await ctx.runtime.list_sandboxes(selector):
        snapshot.setdefault(sb.labels.get(POD_UID, ""), set()).add((sb.id, int(sb.state)))
    for c in await ctx.runtime.list_containers(selector):
        snapshot.setdefault(c.labels.get(POD_UID, ""), set()).add((c.id, int(c.state)))
    return {uid: frozenset(items) for uid, items in snapshot.items() if uid}


async def pleg(
    ctx: Context,
    workers: PodWorkers,
    cached_uids: Callable[[], set[str] | None],
    period: float = 1.0,
    stopping: asyncio.Event | None = None,
) -> None:
    """Relists the runtime every `period`: wakes changed pods, removes orphans."""
    previous: dict[str, frozenset[tuple[str, int]]] = {}
    while stopping is None or not stopping.is_set():
        started = time.monotonic()
        try:
            current = await relist(ctx)
        except CRIError as e:
            log.warning("PLEG relist failed: %s", e)
            current = previous
        RELIST_SECONDS.observe(time.monotonic() - started)
        for uid, items in current.items():
            if previous.get(uid) != items:
                workers.wake(uid)
        uids = cached_uids()
        if uids is not None:
            for uid in current:
                if uid not in uids and uid not in workers.workers:
                    await _remove_orphan(ctx, uid)
        previous = current
        await asyncio.sleep(max(0.0, period - (time.monotonic() - started)))


async def _remove_orphan(ctx: Context, uid: str) -> None:
    log.info("removing the containers of pod %s: it is not bound to this node", uid)
    try:
        rt = await observe(ctx.runtime, uid)
        for c in rt.running():
            await ctx.runtime.stop_container(c.id, 2)
        for sb in rt.sandboxes:
            await ctx.runtime.stop_sandbox(sb.id)
            await ctx.runtime.remove_sandbox(sb.id)
        for c in rt.all_containers():
            await ctx.runtime.remove_container(c.id)
        await asyncio.to_thread(volumes.teardown, ctx.root_dir, uid)
    except CRIError as e:
        if e.code != grpc.StatusCode.NOT_FOUND:
            log.warning("cannot remove orphaned pod %s: %s", uid, e)
