"""What every controller shares: the context it is built from and the reconcile loop.

    informer handlers ──key──► WorkQueue ──► workers ──► sync(key) ──► writes (API server)
                                  ▲                         │ error: add_rate_limited
                                  └─────── requeue after ───┘ a number: add_after

A controller subclass names itself, registers handlers on the shared informers it needs
(handlers only turn an event into a key), and implements `sync(key)`: read the cache,
compute the difference (a pure function in the same module), write. A `sync` that raises is
retried with the queue's per-key exponential backoff; one that returns a number of seconds
is looked at again after that delay.

Concurrency model: one event loop for the whole process; each controller runs `workers`
coroutines over its own queue, and the queue guarantees one key is never in two workers.
Cached objects are shared and read-only: `copy_of()` before changing anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from prometheus_client import Histogram

from minik8s.api.resources import ResourceInfo, resolve
from minik8s.client import AsyncClient, EventRecorder, InformerFactory, SharedInformer, key_of
from minik8s.client.ratelimit import BucketRateLimiter, ExponentialRateLimiter, MaxOfRateLimiter
from minik8s.client.workqueue import WorkQueue, run_workers

__all__ = [
    "Controller",
    "ControllerContext",
    "Obj",
    "Options",
    "res",
]

log = logging.getLogger(__name__)

Obj = dict[str, Any]

RETRY_CAP_SECONDS = 30.0

SYNC_SECONDS = Histogram(
    "controller_sync_duration_seconds",
    "Time one sync of one key took, per controller.",
    ["controller"],
)


def res(name: str) -> ResourceInfo:
    """The ResourceInfo of a plural name (`pods`, `replicasets`), which must exist."""
    info = resolve(name)
    if info is None:
        raise KeyError(name)
    return info


@dataclass
class Options:
    """The controller manager's tunables (the flags of `mk-controller-manager`)."""

    workers: int = 5
    cluster_cidr: str = "10.244.0.0/16"
    node_cidr_mask_size: int = 24
    node_monitor_period: float = 5.0
    node_monitor_grace_period: float = 40.0
    default_toleration_seconds: int = 300
    eviction_rate: float = 1.0  # pods per second, per controller manager
    slow_start_initial_batch: int = 1
    burst_replicas: int = 500
    hpa_sync_period: float = 15.0
    hpa_downscale_stabilization: float = 300.0
    hpa_tolerance: float = 0.1
    job_backoff_base: float = 10.0  # seconds; doubles per failed pod of a Job
    job_backoff_max: float = 360.0
    addons_dir: str = ""  # add-on manifests (controllers/addons.py); "" manages none
    addon_variables: dict[str, str] = field(default_factory=dict)
    service_cidr: str = "10.96.0.0/12"
    cluster_domain: str = "cluster.local"


@dataclass
class ControllerContext:
    client: AsyncClient
    factory: InformerFactory
    recorder: EventRecorder
    options: Options = field(default_factory=Options)
    clock: Callable[[], float] = time.time  # wall clock, seconds (timestamps in objects)
    monotonic: Callable[[], float] = time.monotonic

    def informer(self, resource: str, namespace: str | None = None) -> SharedInformer:
        return self.factory.informer(res(resource), namespace)


class Controller:
    """One control loop: a queue of keys, workers, and `sync(key)`."""

    name: ClassVar[str] = ""

    def __init__(self, ctx: ControllerContext) -> None:
        self.ctx = ctx
        self.client = ctx.client
        self.recorder = ctx.recorder
        # client-go's default limiter, but retries back off to at most 30 s (not 1000 s):
        # a key that failed many times (conflicts under load) is still looked at soon
        limiter = MaxOfRateLimiter(
            ExponentialRateLimiter(base=0.005, cap=RETRY_CAP_SECONDS),
            BucketRateLimiter(qps=10, burst=100, clock=ctx.monotonic),
        )
        self.queue: WorkQueue[Any] = WorkQueue(self.name, rate_limiter=limiter, clock=ctx.monotonic)
        self._sync_seconds = SYNC_SECONDS.labels(self.name)

    # ---- handlers: an event becomes a key

    def enqueue(self, obj: Obj) -> None:
        self.queue.add(key_of(obj))

    def on_add(self, obj: Obj) -> None:
        self.enqueue(obj)

    def on_update(self, old: Obj, new: Obj) -> None:
        self.enqueue(new)

    def on_delete(self, obj: Obj) -> None:
        self.enqueue(obj)

    def watch(self, informer: SharedInformer) -> None:
        """Enqueue the object's own key on every event of this informer."""
        informer.add_handler(self.on_add, self.on_update, self.on_delete)

    # ---- the loop

    async def sync(self, key: Any) -> float | None:
        raise NotImplementedError

    async def _timed_sync(self, key: Any) -> float | None:
        started = time.perf_counter()
        try:
            return await self.sync(key)
        finally:
            self._sync_seconds.observe(time.perf_counter() - started)

    async def run(self, workers: int | None = None) -> None:
        """Work until the queue is shut down (or this task is cancelled)."""
        count = workers if workers is not None else self.ctx.options.workers
        log.info("starting %s controller with %d worker(s)", self.name, count)
        await run_workers(self.queue, self._timed_sync, count, on_error=self._on_error)

    def _on_error(self, key: Any, exc: Exception) -> None:
        log.warning("%s: syncing %r failed, will retry: %s", self.name, key, exc)
