"""Expectations: the creates and deletes a controller issued and has not yet seen in its cache.

After a ReplicaSet creates 3 pods, its next sync may run before the informer has delivered
them; counting the cache then would create 3 more. So the controller records "expect 3
creations"; the pod informer's add handler lowers the count as each pod arrives, and a sync
only computes a new difference once every expectation is met (or has expired: a watch event
that never comes must not block the controller forever).

Concurrency model: used from one event loop only, no locks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

EXPECTATIONS_TTL = 300.0


@dataclass
class _Expected:
    adds: int = 0
    deletes: set[str] = field(default_factory=set)
    at: float = 0.0


class Expectations:
    def __init__(
        self, clock: Callable[[], float] = time.monotonic, ttl: float = EXPECTATIONS_TTL
    ) -> None:
        self._clock = clock
        self._ttl = ttl
        self._by_key: dict[str, _Expected] = {}

    def expect_creations(self, key: str, count: int) -> None:
        self._by_key[key] = _Expected(adds=count, at=self._clock())

    def expect_deletions(self, key: str, pod_keys: list[str]) -> None:
        self._by_key[key] = _Expected(deletes=set(pod_keys), at=self._clock())

    def expect(self, key: str, adds: int, pod_keys: list[str]) -> None:
        """Creates and deletes issued together (one DaemonSet sync does both)."""
        self._by_key[key] = _Expected(adds=adds, deletes=set(pod_keys), at=self._clock())

    def creation_observed(self, key: str) -> None:
        exp = self._by_key.get(key)
        if exp is not None and exp.adds > 0:
            exp.adds -= 1

    def lower_creations(self, key: str, count: int) -> None:
        """Creates that were never sent (or failed) are not awaited."""
        exp = self._by_key.get(key)
        if exp is not None:
            exp.adds = max(0, exp.adds - count)

    def deletion_observed(self, key: str, pod_key: str) -> None:
        exp = self._by_key.get(key)
        if exp is not None:
            exp.deletes.discard(pod_key)

    def satisfied(self, key: str) -> bool:
        exp = self._by_key.get(key)
        if exp is None:
            return True
        if exp.adds <= 0 and not exp.deletes:
            return True
        return self._clock() - exp.at > self._ttl

    def pending(self, key: str) -> tuple[int, int]:
        exp = self._by_key.get(key)
        return (exp.adds, len(exp.deletes)) if exp else (0, 0)

    def forget(self, key: str) -> None:
        self._by_key.pop(key, None)
