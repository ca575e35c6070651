"""Restart back-off per (pod uid, container name): CrashLoopBackOff.

The first restart is immediate; each further one waits twice as long as the previous
(`base` 10 s doubling up to `cap` 5 min), measured from when the container last finished.
A container that ran for `reset_after` (10 min) starts again from `base`. Time is injected.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Backoff:
    def __init__(
        self,
        base: float = 10.0,
        cap: float = 300.0,
        reset_after: float = 600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base = base
        self.cap = cap
        self.reset_after = reset_after
        self.clock = clock
        self._delay: dict[tuple[str, str], float] = {}

    def remaining(self, key: tuple[str, str], started_at: float, finished_at: float) -> float:
        """Seconds to wait before restarting the container that ran [started, finished]."""
        if finished_at - started_at >= self.reset_after:
            self._delay.pop(key, None)
        delay = self._delay.get(key)
        if delay is None:
            return 0.0
        return max(0.0, finished_at + delay - self.clock())

    def restarted(self, key: tuple[str, str]) -> float:
        """Records a restart; answers the delay the next one will wait."""
        delay = self._delay.get(key)
        delay = self.base if delay is None else min(delay * 2, self.cap)
        self._delay[key] = delay
        return delay

    def delay(self, key: tuple[str, str]) -> float:
        """The delay the key waits now (`base` before any restart)."""
        return self._delay.get(key, self.base)

    def reset(self, key: tuple[str, str]) -> None:
        self._delay.pop(key, None)

    def forget_pod(self, uid: str) -> None:
        for key in [k for k in self._delay if k[0] == uid]:
            del self._delay[key]
