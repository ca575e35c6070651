"""The Docker engine, called from asyncio without ever blocking the event loop.

Concurrency model: the Docker SDK is blocking (requests over the engine's unix socket), and
the gRPC server is one asyncio event loop. Every SDK call therefore runs on a bounded
thread pool (`--docker-workers` threads sharing one connection pool of the same size):
a slow call (a pull, a stop with a long grace period, an exec) holds one thread and delays
no other RPC unless the whole pool is busy, in which case calls queue in order.

Deadlines: the service layer stores each RPC's deadline in a context variable
(`DEADLINE`, an event-loop time); `Docker.call` waits no longer than that and then raises
DEADLINE_EXCEEDED. Docker cannot cancel a request in flight, so the thread finishes that
request in the background (bounded by the SDK's HTTP timeout, `--docker-timeout`).

The SDK client is created on first use and again after a failure to create it, so the
shim starts (and answers UNAVAILABLE) while the engine is still down, and recovers by
itself when the engine comes up.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import grpc
from docker import APIClient
from prometheus_client import Gauge, Histogram

from cridocker.errors import CRIError, from_docker

T = TypeVar("T")

#: The deadline of the RPC being served, in `loop.time()` units; None: no deadline.
DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "cri_deadline", default=None
)

DOCKER_CALLS = Histogram(
    "cri_docker_engine_call_duration_seconds",
    "Time of one Docker engine call made by the CRI shim, by operation.",
    ["operation"],
)
DOCKER_IN_FLIGHT = Gauge(
    "cri_docker_engine_calls_in_flight", "Docker engine calls started and not yet finished."
)


class Docker:
    """The Docker engine behind `endpoint`, through a bounded pool of worker threads."""

    def __init__(self, endpoint: str, *, workers: int = 16, timeout: float = 120.0) -> None:
        self.endpoint = endpoint
        self.workers = workers
        self.timeout = timeout
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="docker")
        self._client: APIClient | None = None
        self._lock = threading.Lock()

    def client(self) -> APIClient:
        """The SDK client (created on first use; blocking: call from a worker thread)."""
        with self._lock:
            if self._client is None:
                self._client = APIClient(
                    base_url=self.endpoint,
                    version="auto",
                    timeout=int(self.timeout),
                    max_pool_size=self.workers,
                )
            return self._client

    def new_client(self, timeout: float | None = None) -> APIClient:
        """A separate client, for long streams that must not hold the shared pool."""
        version = self.client().api_version
        return APIClient(
            base_url=self.endpoint, version=version, timeout=int(timeout or self.timeout)
        )

    async def call(
        self,
        operation: str,
        fn: Callable[[APIClient], T],
        doing: str = "",
        *,
        timeout: float | None = None,
    ) -> T:
        """Runs `fn(client)` on the pool within the RPC's deadline; errors are CRIErrors.

        `operation` names the call in metrics; `doing` prefixes error messages; `timeout`
        (seconds) shortens the deadline further.
        """
        loop = asyncio.get_running_loop()
        deadline = DEADLINE.get()
        if timeout is not None:
            own = loop.time() + timeout
            deadline = own if deadline is None else min(deadline, own)
        if deadline is not None and deadline <= loop.time():
            raise CRIError(grpc.StatusCode.DEADLINE_EXCEEDED, f"{doing or operation}: deadline")
        future = loop.run_in_executor(self._executor, self._timed, operation, fn)
        try:
            if deadline is None:
                return await future
            async with asyncio.timeout_at(deadline):
                return await future
        except TimeoutError:
            raise CRIError(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                f"{doing or operation}: the call's deadline passed while Docker was working",
            ) from None
        except Exception as exc:
            raise from_docker(exc, doing or operation) from exc

    def _timed(self, operation: str, fn: Callable[[APIClient], T]) -> T:
        start = time.perf_counter()
        DOCKER_IN_FLIGHT.inc()
        try:
            return fn(self.client())
        finally:
            DOCKER_IN_FLIGHT.dec()
            DOCKER_CALLS.labels(operation).observe(time.perf_counter() - start)

    async def ping(self) -> bool:
        """True when the engine answers."""
        try:
            return bool(await self.call("ping", lambda api: api.ping()))
        except CRIError:
            return False

    def close(self) -> None:
        """Stops accepting calls; threads finish the calls they run."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
