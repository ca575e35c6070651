"""A controller work queue with client-go's semantics, for asyncio.

Event handlers `add()` keys; workers `get()` a key, reconcile it, and call `done()`.
The queue guarantees what controllers rely on:

- **Dedup.** A key waiting in the queue is there once, however often it is added.
- **One worker per key.** A key handed to a worker is *processing*; adding it again only
  marks it *dirty*, and `done()` puts it back in the queue — so it is never processed by
  two workers at once, and a change that arrived during processing is never lost.
- **Delays.** `add_after()` parks a key until its time comes (the earliest of several
  delays wins); `add_rate_limited()` asks the rate limiter for the delay (backoff
  that grows with every failure until `forget()`).
- **Shutdown.** After `shut_down()` adds are ignored, parked keys are dropped, and `get()`
  hands out what is still queued and then answers `None` to every getter — the
  end-of-stream sentinel that ends the worker loops. `shut_down_with_drain()` also waits
  for the keys being processed to be `done()`.

The states of one key::

    add ──► queued ──get──► processing ──done──► (gone)
             ▲  (dirty)        │ add: mark dirty     │ dirty?
             └─────────────────┴─────────────────────┘ back to queued
    add_after ──► parked (until clock() >= ready time) ──► add

Concurrency model: everything runs on one event loop thread and nothing but `get()` and
`shut_down_with_drain()` awaits, so the bookkeeping (a deque, a dirty set, a processing
set, a heap of parked keys) needs no locks. Waiting getters sleep on futures; each key put
in the queue wakes one of them (a getter cancelled after being woken passes the wake-up
on), shutdown wakes all. Parked keys are moved to the queue by a loop timer set for the
earliest ready time, and also on every `get()` and `len()` — the ready time is measured
with the injected `clock`, so a test can advance a fake clock and see keys become ready
without sleeping. Keys must be hashable and must not be `None`.

Metrics (prometheus_client's default registry, one label `name`, only for named queues
as in client-go): `workqueue_depth`, `workqueue_adds_total`, `workqueue_retries_total`,
`workqueue_queue_duration_seconds` (time queued before `get()`),
`workqueue_work_duration_seconds` (time from `get()` to `done()`).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from prometheus_client import Counter, Gauge, Histogram

from minik8s.client.ratelimit import RateLimiter, default_controller_rate_limiter

__all__ = ["WorkQueue", "run_workers"]

log = logging.getLogger(__name__)

T = TypeVar("T", bound=Hashable)

# Seconds, 1 µs … 1000 s: a Python reconcile is rarely faster than a few microseconds.
_DURATION_BUCKETS = tuple(10.0**exp for exp in range(-6, 4))

_DEPTH = Gauge("workqueue_depth", "Current depth of the work queue.", ["name"])
_ADDS = Counter("workqueue_adds_total", "Total number of adds handled by the queue.", ["name"])
_RETRIES = Counter("workqueue_retries_total", "Total number of rate-limited retries.", ["name"])
_QUEUE_DURATION = Histogram(
    "workqueue_queue_duration_seconds",
    "How long an item stays in the queue before it is requested.",
    ["name"],
    buckets=_DURATION_BUCKETS,
)
_WORK_DURATION = Histogram(
    "workqueue_work_duration_seconds",
    "How long processing an item takes.",
    ["name"],
    buckets=_DURATION_BUCKETS,
)


class _QueueMetrics:
    """The collectors' children for one queue name, bound once."""

    def __init__(self, name: str) -> None:
        self.depth = _DEPTH.labels(name=name)
        self.adds = _ADDS.labels(name=name)
        self.retries = _RETRIES.labels(name=name)
        self.queue_duration = _QUEUE_DURATION.labels(name=name)
        self.work_duration = _WORK_DURATION.labels(name=name)


class WorkQueue(Generic[T]):
    """A deduplicating, delaying, rate-limited work queue (see the module docstring)."""

    def __init__(
        self,
        name: str = "",
        *,
        rate_limiter: RateLimiter | None = None,
        clock: Callable[[], float] = time.monotonic,
        metrics: bool = True,
    ) -> None:
        self.name = name
        self.rate_limiter: RateLimiter = (
            rate_limiter if rate_limiter is not None else default_controller_rate_limiter(clock)
        )
        self._clock = clock
        self._metrics = _QueueMetrics(name) if metrics and name else None
        self._shutting_down = False
        # queue: the order of work; every key in it is also in dirty and not in processing.
        self._queue: deque[T] = deque()
        self._dirty: set[T] = set()
        self._processing: set[T] = set()
        self._queued_at: dict[T, float] = {}
        self._started_at: dict[T, float] = {}
        # Parked keys: key -> (ready time, sequence); the heap may hold superseded entries,
        # recognised by a sequence number that no longer matches.
        self._parked: dict[T, tuple[float, int]] = {}
        self._heap: list[tuple[float, int, T]] = []
        self._sequence = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_key: tuple[asyncio.AbstractEventLoop, float] | None = None
        self._getters: deque[asyncio.Future[None]] = deque()
        self._drainers: deque[asyncio.Future[None]] = deque()

    # ---- adding

    def add(self, item: T) -> None:
        """Queues the item unless it is queued already; ignored after shutdown."""
        if not self._shutting_down:
            self._mark_dirty(item)

    def add_after(self, item: T, delay: float) -> None:
        """Adds the item once `delay` seconds (of the queue's clock) have passed."""
        if self._shutting_down:
            return
        if delay <= 0:
            self._mark_dirty(item)
            return
        ready_at = self._clock() + delay
        parked = self._parked.get(item)
        if parked is not None and parked[0] <= ready_at:
            return
        sequence = next(self._sequence)
        self._parked[item] = (ready_at, sequence)
        heapq.heappush(self._heap, (ready_at, sequence, item))
        self._arm_timer()

    def add_rate_limited(self, item: T) -> None:
        """Adds the item after the delay the rate limiter chooses (one more retry)."""
        if self._shutting_down:
            return
        if self._metrics is not None:
            self._metrics.retries.inc()
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: T) -> None:
        """Ends the item's retry history: its next failure starts the backoff afresh."""
        self.rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return self.rate_limiter.num_requeues(item)

    # ---- taking

    async def get(self) -> T | None:
        """Waits for an item and marks it processing; `None` once shut down and empty."""
        while True:
            self._promote_ready()
            if self._queue:
                return self._take()
            if self._shutting_down:
                return None
            await self._wait_for_wakeup()

    def done(self, item: T) -> None:
        """Ends processing of the item; re-queues it if it was added meanwhile."""
        if item not in self._processing:
            return
        self._processing.remove(item)
        started = self._started_at.pop(item, None)
        if self._metrics is not None and started is not None:
            self._metrics.work_duration.observe(max(0.0, self._clock() - started))
        if item in self._dirty:
            self._push(item)
        if not self._processing:
            _wake_all(self._drainers)

    def __len__(self) -> int:
        """Items ready to be handed out (parked items whose time has come included)."""
        self._promote_ready()
        return len(self._queue)

    # ---- shutting down

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def shut_down(self) -> None:
        """Refuses further adds, drops parked items, wakes every waiting getter."""
        self._shutting_down = True
        self._parked.clear()
        self._heap.clear()
        self._cancel_timer()
        _wake_all(self._getters)

    async def shut_down_with_drain(self, timeout: float | None = None) -> None:
        """Shuts down, then waits until no item is processing (at most `timeout` seconds).

        On timeout it logs a warning and returns; the items still processing stay so.
        """
        self.shut_down()
        try:
            async with asyncio.timeout(timeout):
                while self._processing:
                    await _wait_on(self._drainers)
        except TimeoutError:
            log.warning(
                "work queue %r: %d item(s) still processing after %.1fs drain timeout",
                self.name,
                len(self._processing),
                timeout,
            )

    # ---- internals: the dirty / processing bookkeeping

    def _mark_dirty(self, item: T) -> None:
        if item in self._dirty:
            return
        self._dirty.add(item)
        if self._metrics is not None:
            self._metrics.adds.inc()
        if item not in self._processing:
            self._push(item)

    def _push(self, item: T) -> None:
        self._queue.append(item)
        self._queued_at[item] = self._clock()
        self._update_depth()
        _wake_one(self._getters)

    def _take(self) -> T:
        item = self._queue.popleft()
        self._dirty.discard(item)
        self._processing.add(item)
        now = self._clock()
        self._started_at[item] = now
        queued = self._queued_at.pop(item, now)
        if self._metrics is not None:
            self._metrics.queue_duration.observe(max(0.0, now - queued))
        self._update_depth()
        return item

    def _update_depth(self) -> None:
        if self._metrics is not None:
            self._metrics.depth.set(len(self._queue))

    async def _wait_for_wakeup(self) -> None:
        self._arm_timer()
        await _wait_on(self._getters, pass_on=True)

    # ---- internals: parked items

    def _promote_ready(self) -> None:
        now = self._clock()
        while self._heap and self._heap[0][0] <= now:
            _, sequence, item = heapq.heappop(self._heap)
            parked = self._parked.get(item)
            if parked is None or parked[1] != sequence:
                continue  # superseded by an earlier ready time
            del self._parked[item]
            self._mark_dirty(item)

    def _arm_timer(self) -> None:
        """Sets one loop timer for the earliest parked item (when a loop is running)."""
        if not self._heap:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: get() and len() promote lazily
        ready_at = self._heap[0][0]
        if self._timer is not None and self._timer_key == (loop, ready_at):
            return
        self._cancel_timer()
        self._timer = loop.call_later(max(0.0, ready_at - self._clock()), self._on_timer)
        self._timer_key = (loop, ready_at)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_key = None
        self._promote_ready()
        self._arm_timer()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_key = None


def _wake_one(waiters: deque[asyncio.Future[None]]) -> None:
    while waiters:
        waiter = waiters.popleft()
        if not waiter.done():
            waiter.set_result(None)
            return


def _wake_all(waiters: deque[asyncio.Future[None]]) -> None:
    while waiters:
        waiter = waiters.popleft()
        if not waiter.done():
            waiter.set_result(None)


async def _wait_on(waiters: deque[asyncio.Future[None]], *, pass_on: bool = False) -> None:
    """Parks the caller on a new future in `waiters` until someone wakes it.

    With `pass_on`, a caller cancelled after it was woken hands the wake-up to the next
    waiter, so a queued item is never left with every getter asleep.
    """
    waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    waiters.append(waiter)
    try:
        await waiter
    except asyncio.CancelledError:
        if pass_on and waiter.done() and not waiter.cancelled():
            _wake_one(waiters)
        raise
    finally:
        try:
            waiters.remove(waiter)  # still there if cancelled while asleep
        except ValueError:
            pass


async def run_workers(
    queue: WorkQueue[T],
    handler: Callable[[T], Awaitable[float | None]],
    workers: int,
    *,
    on_error: Callable[[T, Exception], None] | None = None,
) -> None:
    """Runs `workers` concurrent worker loops over the queue until it is shut down and empty.

    Each loop: `get()` a key → `await handler(key)` → on success `forget(key)`; on an
    exception report it (`on_error(key, exc)`, default: a log line) and
    `add_rate_limited(key)`; always `done(key)`. A handler may return a number of seconds
    to have the key processed again after that delay (controller-runtime's RequeueAfter).
    Cancelling `run_workers` cancels every worker; the key in hand is still `done()`.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    report: Callable[[T, Exception], None] = on_error if on_error is not None else _log_error
    prefix = queue.name or "workqueue"
    async with asyncio.TaskGroup() as group:
        for index in range(workers):
            group.create_task(_worker(queue, handler, report), name=f"{prefix}-worker-{index}")


async def _worker(
    queue: WorkQueue[T],
    handler: Callable[[T], Awaitable[float | None]],
    report: Callable[[T, Exception], None],
) -> None:
    while (item := await queue.get()) is not None:
        await _process_one(queue, handler, report, item)


async def _process_one(
    queue: WorkQueue[T],
    handler: Callable[[T], Awaitable[float | None]],
    report: Callable[[T, Exception], None],
    item: T,
) -> None:
    try:
        requeue_after = await handler(item)
    except Exception as exc:
        _report_safely(report, item, exc)
        queue.add_rate_limited(item)
    else:
        queue.forget(item)
        if requeue_after is not None:
            queue.add_after(item, requeue_after)
    finally:
        queue.done(item)


def _report_safely(report: Callable[[T, Exception], None], item: T, exc: Exception) -> None:
    try:
        report(item, exc)
    except Exception:
        log.exception("error handler failed for %r", item)


def _log_error(item: Hashable, exc: Exception) -> None:
    log.warning("error processing %r, will retry: %s", item, exc, exc_info=exc)
