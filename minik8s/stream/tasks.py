"""`process_asyncio_tasks`: the asyncio tasks alive in a daemon, as a Prometheus gauge.

Every stream session is a few tasks; a session that ended but left one behind shows here,
so the leak tests read it before and after a hundred sessions. The value is computed when
/metrics is scraped, from the loop the daemon serves on (`asyncio.all_tasks` is safe to
call from another thread for a loop it names: it retries if the set changes under it).
"""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY, CollectorRegistry, Gauge

_GAUGES: dict[int, Gauge] = {}


def count_tasks(loop: asyncio.AbstractEventLoop, registry: CollectorRegistry = REGISTRY) -> None:
    """Publish the number of `loop`'s tasks in `registry` (the last loop given wins)."""
    gauge = _GAUGES.get(id(registry))
    if gauge is None:
        gauge = _GAUGES[id(registry)] = Gauge(
            "process_asyncio_tasks",
            "asyncio tasks alive in this process's serving event loop.",
            registry=registry,
        )
    gauge.set_function(lambda: len(asyncio.all_tasks(loop)))
