"""The asyncio tasks alive in a daemon, as Prometheus gauges, so the leak tests can read
them before and after a hundred stream sessions.

`process_asyncio_tasks` counts every task of the serving loop; it moves with the daemon's
own periodic work. `process_asyncio_stream_tasks` counts those running stream code: the
relays and sessions here and in `cridocker.streaming`, and the WebSocket connections
uvicorn serves them on. A session that ended but left a task behind shows in the second.

The values are computed when /metrics is scraped, for the loop the daemon serves on
(`asyncio.all_tasks` may be called from another thread for a loop it names: it retries if
the set changes under it).
"""

from __future__ import annotations

import asyncio
from types import CoroutineType

from prometheus_client import REGISTRY, CollectorRegistry, Gauge

_STREAM_CODE = ("/minik8s/stream/", "/cridocker/streaming/", "/uvicorn/protocols/websockets/")
_GAUGES: dict[int, tuple[Gauge, Gauge]] = {}


def is_stream_task(task: asyncio.Task[object]) -> bool:
    coro = task.get_coro()
    code = coro.cr_code if isinstance(coro, CoroutineType) else None
    return code is not None and any(part in code.co_filename for part in _STREAM_CODE)


def count_tasks(loop: asyncio.AbstractEventLoop, registry: CollectorRegistry = REGISTRY) -> None:
    """Publish `loop`'s task counts in `registry` (the last loop given wins)."""
    gauges = _GAUGES.get(id(registry))
    if gauges is None:
        gauges = _GAUGES[id(registry)] = (
            Gauge(
                "process_asyncio_tasks",
                "asyncio tasks alive in this process's serving event loop.",
                registry=registry,
            ),
            Gauge(
                "process_asyncio_stream_tasks",
                "asyncio tasks running exec, attach and port-forward streams.",
                registry=registry,
            ),
        )
    every, streams = gauges
    every.set_function(lambda: len(asyncio.all_tasks(loop)))
    streams.set_function(lambda: sum(is_stream_task(t) for t in asyncio.all_tasks(loop)))
