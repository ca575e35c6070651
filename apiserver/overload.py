"""Overload protection: the API server's ASGI guard in front of every request.

Kubernetes' filters of the same names, as one ASGI wrapper:

- max in flight (`--max-requests-inflight`, `--max-mutating-requests-inflight`): a
  request beyond the limit of its class (mutating = POST, PUT, PATCH, DELETE) is answered
  at once with 429 TooManyRequests, `Retry-After: 1`, as kube-apiserver's
  WithMaxInFlightLimit does; it never waits in a queue;
- long-running requests (watches, exec, attach, port-forward, proxy, log) are not counted
  and have no timeout, as in Kubernetes; instead each client (address + User-Agent) may
  hold at most `max_watches_per_client` of them (429 beyond);
- request timeout (`--request-timeout`): any other request still running after it is
  cancelled and answered 504 Timeout (a `Status`); when its answer had already started,
  the connection is closed instead;
- probes and metrics (`/healthz`, `/livez`, `/readyz`, `/metrics`) are exempt, as
  Kubernetes' `probes` flow schema is, so a saturated server still tells its health.

The limits are per server process (`--workers N` multiplies them).

Concurrency: everything runs on the event loop; the counters are plain integers changed
between awaits, so no lock is needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from minik8s.api import errors, gojson
from minik8s.api.params import is_true

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXEMPT_PATHS = frozenset({"/healthz", "/livez", "/readyz", "/metrics"})
LONG_RUNNING_SUBRESOURCES = frozenset({"exec", "attach", "portforward", "proxy", "log"})
TOO_MANY = "Too many requests, please try again later."
TIMED_OUT = "Timeout: request did not complete within requested timeout - context deadline exceeded"


@dataclass(frozen=True)
class Limits:
    max_requests_inflight: int = 400  # 0: no limit
    max_mutating_requests_inflight: int = 200  # 0: no limit
    request_timeout: float = 60.0  # 0: none
    max_watches_per_client: int = 100  # 0: no limit


def is_long_running(method: str, path: str, query: bytes) -> bool:
    """Watches and streams (Kubernetes' LongRunningRequestCheck for watch/proxy verbs and
    attach/exec/log/portforward/proxy subresources)."""
    if not (path.startswith("/api/") or path.startswith("/apis/")):
        return False
    parts = [p for p in path.split("/") if p]
    group_at = 2 if parts[0] == "api" else 3
    if len(parts) > group_at and parts[group_at] == "watch":
        return True  # the old /api/v1/watch/... form
    if method == "GET" and query and b"watch=" in query:
        watch = parse_qs(query.decode("latin-1")).get("watch", [""])[0]
        if is_true(watch):
            return True
    return bool(parts) and parts[-1] in LONG_RUNNING_SUBRESOURCES and len(parts) >= 6


def client_key(scope: Scope) -> str:
    """Who a watch belongs to: the client's address and User-Agent."""
    client = scope.get("client") or ("", 0)
    agent = b""
    for name, value in scope.get("headers") or []:
        if name == b"user-agent":
            agent = value
            break
    return f"{client[0]} {agent.decode('latin-1')}"


def status_message(err: errors.APIError) -> Message:
    return {"type": "http.response.body", "body": gojson.body(err.to_status())}


class Overload:
    """The ASGI wrapper; see the module docstring."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits
        self.readonly = 0
        self.mutating = 0
        self.watches: dict[str, int] = {}
        self.rejected = 0  # answered 429 (for tests and metrics)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT_PATHS:
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        if is_long_running(method, path, scope.get("query_string") or b""):
            await self._long_running(scope, receive, send)
            return
        mutating = method in MUTATING
        limit = (
            self.limits.max_mutating_requests_inflight
            if mutating
            else self.limits.max_requests_inflight
        )
        current = self.mutating if mutating else self.readonly
        if limit and current >= limit:
            await self._refuse(send, TOO_MANY)
            return
        if mutating:
            self.mutating += 1
        else:
            self.readonly += 1
        try:
            await self._with_timeout(scope, receive, send)
        finally:
            if mutating:
                self.mutating -= 1
            else:
                self.readonly -= 1

    async def _long_running(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limits.max_watches_per_client
        key = client_key(scope)
        held = self.watches.get(key, 0)
        if limit and held >= limit:
            await self._refuse(
                send, f"{TOO_MANY} (this client holds {held} watches or streams, the limit)"
            )
            return
        self.watches[key] = held + 1
        try:
            await self.app(scope, receive, send)
        finally:
            left = self.watches[key] - 1
            if left:
                self.watches[key] = left
            else:
                del self.watches[key]

    async def _with_timeout(self, scope: Scope, receive: Receive, send: Send) -> None:
        timeout = self.limits.request_timeout
        if not timeout:
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            async with asyncio.timeout(timeout):
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            if started:
                raise  # half an answer went out: uvicorn closes the connection
            # The body may still be arriving (a slow client): close after the answer.
            await self._answer(send, errors.Timeout(TIMED_OUT), close=True)

    async def _refuse(self, send: Send, message: str) -> None:
        self.rejected += 1
        await self._answer(send, errors.TooManyRequests(message, retry_after=1))

    @staticmethod
    async def _answer(send: Send, err: errors.APIError, *, close: bool = False) -> None:
        headers = [(b"content-type", b"application/json")]
        if close:
            headers.append((b"connection", b"close"))
        if err.retry_after:
            headers.append((b"retry-after", str(err.retry_after).encode()))
        body = status_message(err)
        headers.append((b"content-length", str(len(body["body"])).encode()))
        await send({"type": "http.response.start", "status": err.code, "headers": headers})
        await send(body)
