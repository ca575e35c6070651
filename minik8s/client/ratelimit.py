"""Rate limiters that decide how long a work-queue item waits before it is retried.

The shape is client-go's `workqueue.RateLimiter`: `when(item)` answers a delay in seconds
and records that the item is being retried, `forget(item)` ends its failure history (call
it once the item was processed successfully), `num_requeues(item)` reports the history.

- `ExponentialRateLimiter`: per item, `base * 2**failures`, capped — one key that keeps
  failing backs off without slowing the others.
- `BucketRateLimiter`: one token bucket for all items (`qps` sustained, `burst` at once),
  the ceiling on the retry rate of the whole queue when many keys fail together.
- `MaxOfRateLimiter`: asks every limiter and waits for the longest answer.
  `default_controller_rate_limiter()` combines the two above like client-go's
  `DefaultControllerRateLimiter`: exponential 5 ms … 1000 s, bucket 10 qps / burst 100.

Concurrency: none of these await or lock; they are meant to be called from one event-loop
thread (the work queue's), so plain dicts are enough. Time comes from an injected
`clock` so tests can use a fake clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Protocol

Clock = Callable[[], float]

# 2**64 times any sensible base is past every cap; stop doubling there so the float
# arithmetic cannot overflow however long an item keeps failing.
_MAX_EXPONENT = 64


class RateLimiter(Protocol):
    """What a work queue needs from a rate limiter."""

    def when(self, item: Hashable) -> float:
        """Seconds the item should wait before it is retried; counts one more retry."""
        ...

    def forget(self, item: Hashable) -> None:
        """Drops the item's retry history (it was processed successfully)."""
        ...

    def num_requeues(self, item: Hashable) -> int:
        """How many times the item was retried since it was last forgotten."""
        ...


class ExponentialRateLimiter:
    """Per-item exponential backoff: `base * 2**failures`, never more than `cap` seconds."""

    def __init__(self, base: float = 0.005, cap: float = 300.0) -> None:
        if base <= 0 or cap < base:
            raise ValueError(f"need 0 < base <= cap, got base={base} cap={cap}")
        self.base = base
        self.cap = cap
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        exponent = self._failures.get(item, 0)
        self._failures[item] = exponent + 1
        if exponent >= _MAX_EXPONENT:
            return self.cap
        return min(self.base * 2.0**exponent, self.cap)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)

    def failures(self, item: Hashable) -> int:
        return self._failures.get(item, 0)

    def num_requeues(self, item: Hashable) -> int:
        return self.failures(item)


class BucketRateLimiter:
    """A token bucket shared by all items: `burst` retries at once, then `qps` a second.

    Every `when()` takes a token, borrowing from the future when the bucket is empty
    (the token count goes negative), so each caller is told how long to wait for its
    own token — the reservation semantics of Go's `rate.Limiter.Reserve`.
    """

    def __init__(self, qps: float = 10, burst: int = 100, clock: Clock = time.monotonic) -> None:
        if qps <= 0 or burst < 1:
            raise ValueError(f"need qps > 0 and burst >= 1, got qps={qps} burst={burst}")
        self.qps = qps
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def when(self, item: Hashable) -> float:
        self._refill()
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, item: Hashable) -> None:
        """Nothing to forget: the bucket is not per item."""

    def num_requeues(self, item: Hashable) -> int:
        return 0

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.qps)


class MaxOfRateLimiter:
    """Asks every limiter (each records the retry) and answers the longest delay."""

    def __init__(self, *limiters: RateLimiter) -> None:
        if not limiters:
            raise ValueError("MaxOfRateLimiter needs at least one limiter")
        self.limiters = limiters

    def when(self, item: Hashable) -> float:
        # A list, not a generator inside max(): every limiter must see the retry.
        delays = [limiter.when(item) for limiter in self.limiters]
        return max(delays)

    def forget(self, item: Hashable) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return max(limiter.num_requeues(item) for limiter in self.limiters)


def default_controller_rate_limiter(clock: Clock = time.monotonic) -> MaxOfRateLimiter:
    """client-go's default: max(per-item exponential 5 ms … 1000 s, bucket 10 qps / 100)."""
    return MaxOfRateLimiter(
        ExponentialRateLimiter(base=0.005, cap=1000.0),
        BucketRateLimiter(qps=10, burst=100, clock=clock),
    )
