"""CPU-heavy work of large requests, off the event loop.

Everything the API server does for a request runs on its one event loop, so a request
whose body is large (megabytes of YAML, a million list items) could hold every other
client for as long as it takes to decode, default and validate. Work on such a request
goes to one worker thread instead; the GIL still interleaves it with the loop, but in
slices of milliseconds (`sys.getswitchinterval()`), so `/readyz`, heartbeats and watches
keep flowing. Small requests, nearly all of them, stay inline: a thread hop costs more
than they do.

`mark_large()` is called by the body reader once it knows the size; the flag lives in a
context variable, so it belongs to the one request (task) that set it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="offload")
_large: ContextVar[bool] = ContextVar("large_request", default=False)


def mark_large() -> None:
    """The current request carries a large body: its heavy steps leave the loop."""
    _large.set(True)


async def run(fn: Callable[..., T], *args: object, large: bool | None = None) -> T:
    """`fn(*args)` inline for a small request, in the worker thread for a large one."""
    if not (_large.get() if large is None else large):
        return fn(*args)
    return await asyncio.get_running_loop().run_in_executor(_pool, fn, *args)
