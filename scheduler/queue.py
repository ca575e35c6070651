"""The scheduling queue: active (a heap by priority, then age), backoff (per-pod
exponential, `initial` … `maximum`) and unschedulable (parked until an event could help).

    add ──► active ──pop──► scheduling cycle ──fails──► unschedulable ──event──► active/backoff
              ▲                  │ error / bind failed          │ parked > max_unschedulable
              └──── backoff ◄────┘──────────────────────────────┘
                 (expires)

A pod that failed while some event arrived during its cycle (`move_request_cycle`) goes to
backoff instead of unschedulable, so that event is not lost. Time is injected (`clock`);
`pop()` sleeps on an asyncio.Event until a pod is active or the next backoff expires, so
nothing busy-loops. Concurrency: one event loop; every method is synchronous except `pop`.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .nodeinfo import PodInfo, pod_key

Obj = dict[str, Any]


@dataclass
class QueuedPod:
    pod: Obj
    info: PodInfo
    timestamp: float  # when it first entered the queue (age ordering)
    attempts: int = 0
    backoff_until: float = 0.0
    last_attempt: float = 0.0
    seq: int = 0  # identifies the live heap entry
    unschedulable_since: float = 0.0
    where: str = ""  # "active", "backoff", "unschedulable", "" (in a cycle)

    @property
    def key(self) -> str:
        return self.info.key

    @property
    def priority(self) -> int:
        return self.info.priority


@dataclass
class SchedulingQueue:
    initial_backoff: float = 1.0
    max_backoff: float = 10.0
    max_unschedulable: float = 300.0  # a parked pod is retried at least this often
    clock: Callable[[], float] = time.monotonic
    scheduling_cycle: int = 0
    move_request_cycle: int = -1
    _pods: dict[str, QueuedPod] = field(default_factory=dict)
    _parked: dict[str, QueuedPod] = field(default_factory=dict)  # the unschedulable ones
    _active: list[tuple[int, float, int, str]] = field(default_factory=list)
    _backoff: list[tuple[float, int, str]] = field(default_factory=list)
    _counter: Any = field(default_factory=itertools.count)
    _wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    _closed: bool = False

    # ---- sizes, for metrics and tests
    def counts(self) -> dict[str, int]:
        out = {"active": 0, "backoff": 0, "unschedulable": 0}
        for q in self._pods.values():
            if q.where in out:
                out[q.where] += 1
        return out

    def __contains__(self, key: object) -> bool:
        return key in self._pods

    def get(self, key: str) -> QueuedPod | None:
        return self._pods.get(key)

    # ---- events
    def add(self, pod: Obj) -> None:
        """A new pending pod (or one seen again): straight to active."""
        key = pod_key(pod)
        q = self._pods.get(key)
        if q is None:
            q = QueuedPod(pod, PodInfo(pod), self.clock())
            self._pods[key] = q
            self._to_active(q)
        else:
            self.update(pod)

    def update(self, pod: Obj) -> None:
        key = pod_key(pod)
        q = self._pods.get(key)
        if q is None:
            self.add(pod)
            return
        old_spec = q.pod.get("spec")
        q.pod, q.info = pod, PodInfo(pod)
        if q.where == "active":
            self._push_active(q)  # the priority may have changed
        elif q.where == "unschedulable" and pod.get("spec") != old_spec:
            self._to_active_or_backoff(q)  # its spec changed: it may fit now

    def delete(self, key: str) -> None:
        q = self._pods.pop(key, None)
        if q is not None:
            self._set_where(q, "")  # heap entries are dropped lazily

    def add_unschedulable(self, q: QueuedPod, cycle: int) -> None:
        """After a failed attempt (no node fits)."""
        if q.key not in self._pods or self._pods[q.key] is not q or self._closed:
            return
        if self.move_request_cycle >= cycle:
            self._to_backoff(q)
            return
        self._set_where(q, "unschedulable")
        q.unschedulable_since = self.clock()
        self._wake()  # the max_unschedulable timer may now be the earliest

    def add_backoff(self, q: QueuedPod) -> None:
        """After an error (a failed binding, an API error): retry after its backoff."""
        if q.key not in self._pods or self._pods[q.key] is not q or self._closed:
            return
        self._to_backoff(q)

    def forget(self, q: QueuedPod) -> None:
        """The pod was bound (or left the queue's care)."""
        if self._pods.get(q.key) is q:
            del self._pods[q.key]

    def move_all_to_active_or_backoff(self) -> None:
        """A cluster event (node added or changed, pod deleted) may make parked pods fit."""
        self.move_request_cycle = self.scheduling_cycle
        for q in list(self._parked.values()):
            self._to_active_or_backoff(q)

    # ---- the consumer
    def has_active(self) -> bool:
        """Whether `pop()` may answer without waiting (stale heap entries count)."""
        return bool(self._active)

    async def pop(self) -> QueuedPod | None:
        """The highest-priority active pod; waits for one; None once closed."""
        while not self._closed:
            self.flush(self.clock())
            while self._active:
                _, _, seq, key = heapq.heappop(self._active)
                q = self._pods.get(key)
                if q is None or q.seq != seq or q.where != "active":
                    continue
                self._set_where(q, "")
                q.attempts += 1
                q.last_attempt = self.clock()
                self.scheduling_cycle += 1
                return q
            self._wakeup.clear()
            timeout = self._next_timer()
            try:
                if timeout is None:
                    await self._wakeup.wait()
                else:
                    async with asyncio.timeout(max(0.0, timeout - self.clock())):
                        await self._wakeup.wait()
            except TimeoutError:
                pass
        return None

    def close(self) -> None:
        self._closed = True
        self._wake()

    def flush(self, now: float) -> None:
        """Moves expired backoffs to active, and pods parked too long back to the queue."""
        while self._backoff and self._backoff[0][0] <= now:
            _, seq, key = heapq.heappop(self._backoff)
            q = self._pods.get(key)
            if q is not None and q.seq == seq and q.where == "backoff":
                self._to_active(q)
        for q in [
            q
            for q in self._parked.values()
            if now - q.unschedulable_since >= self.max_unschedulable
        ]:
            self._to_active_or_backoff(q)

    def backoff_duration(self, attempts: int) -> float:
        """initial × 2^(attempts−1), capped at max."""
        if attempts <= 0:
            return 0.0
        return min(self.max_backoff, self.initial_backoff * 2 ** min(attempts - 1, 30))

    # ---- internals
    def _next_timer(self) -> float | None:
        times = []
        while self._backoff:
            _, seq, key = self._backoff[0]
            q = self._pods.get(key)
            if q is not None and q.seq == seq and q.where == "backoff":
                times.append(self._backoff[0][0])
                break
            heapq.heappop(self._backoff)
        if self._parked:
            oldest = min(q.unschedulable_since for q in self._parked.values())
            times.append(oldest + self.max_unschedulable)
        return min(times) if times else None

    def _push_active(self, q: QueuedPod) -> None:
        q.seq = next(self._counter)
        heapq.heappush(self._active, (-q.priority, q.timestamp, q.seq, q.key))

    def _to_active(self, q: QueuedPod) -> None:
        self._set_where(q, "active")
        self._push_active(q)
        self._wake()

    def _to_backoff(self, q: QueuedPod) -> None:
        self._set_where(q, "backoff")
        q.backoff_until = q.last_attempt + self.backoff_duration(q.attempts)
        q.seq = next(self._counter)
        heapq.heappush(self._backoff, (q.backoff_until, q.seq, q.key))
        self._wake()

    def _to_active_or_backoff(self, q: QueuedPod) -> None:
        if q.attempts and self.clock() < q.last_attempt + self.backoff_duration(q.attempts):
            self._to_backoff(q)
        else:
            self._to_active(q)

    def _set_where(self, q: QueuedPod, where: str) -> None:
        if where == "unschedulable":
            self._parked[q.key] = q
        elif q.where == "unschedulable":
            self._parked.pop(q.key, None)
        q.where = where

    def _wake(self) -> None:
        self._wakeup.set()
