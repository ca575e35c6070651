"""The shim's streaming server: where the URLs of Exec, Attach and PortForward lead.

A WebSocket server (uvicorn with wsproto, see `minik8s.stream.websocket`) on
`--streaming-address` (loopback and a free port by default: only the node's kubelet dials
it). A request for `/<kind>/<token>` is checked before the handshake is answered: an
unknown or expired token gets 404, a client offering none of the kind's subprotocols 400
(exec and attach serve `v5.channel.k8s.io` and `v4.channel.k8s.io`; port-forward
`SPDY/3.1+portforward.k8s.io` and `v4.channel.k8s.io`), chosen in the client's order. The
session then runs in the connection's own task (`remotecommand`, `portforward`,
`spdyforward`).

Every session counts in `cri_streaming_active_sessions` while it runs and in
`cri_streaming_sessions_total{kind,outcome}` when it ends; `process_asyncio_stream_tasks`
counts the tasks running streams (`minik8s.stream.tasks`), `cri_streaming_docker_streams`
the hijacked Docker connections and `cri_streaming_pod_connections` the connections into
pods, so a test can see that sessions leave none behind. Stopping the server
ends every session and waits for them (uvicorn's graceful shutdown, bounded).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

import uvicorn
from prometheus_client import Counter, Gauge
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from cridocker.backend import Docker
from minik8s.stream import channels
from minik8s.stream.tasks import count_tasks
from minik8s.stream.websocket import Endpoint, ServerSide

from .netns import Dialer
from .portforward import ChannelPortForward
from .remotecommand import RemoteCommand
from .requests import (
    AttachTarget,
    ExecTarget,
    PortForwardTarget,
    RequestCache,
    Target,
    kind_of,
)
from .spdyforward import SpdyPortForward

log = logging.getLogger(__name__)

SESSIONS = Gauge("cri_streaming_active_sessions", "Streaming sessions running, by kind.", ["kind"])
SESSIONS_TOTAL = Counter(
    "cri_streaming_sessions", "Streaming sessions ended, by kind and outcome.",
    ["kind", "outcome"],
)  # fmt: skip

_PROTOCOLS = {
    "exec": channels.EXEC_PROTOCOLS,
    "attach": channels.EXEC_PROTOCOLS,
    "portforward": channels.PORTFORWARD_PROTOCOLS,
}


def parse_address(address: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets); ValueError if malformed."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, not {address!r}")
    return host.strip("[]"), int(port)


class StreamingServer:
    SHUTDOWN_GRACE = 3  # seconds sessions get to end when the shim stops

    def __init__(self, docker: Docker, address: str = "127.0.0.1:0") -> None:
        self.docker = docker
        self.host, self.port = parse_address(address)
        self.cache = RequestCache()
        self.dialer = Dialer()
        self.app = Starlette(routes=[WebSocketRoute("/{kind}/{token}", self._handle)])
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            ws="wsproto",
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=self.SHUTDOWN_GRACE,
        )
        self._server = uvicorn.Server(config)
        # Not serve(): it would take SIGTERM/SIGINT from the shim's Daemon.
        self._task = asyncio.create_task(self._server._serve([sock]), name="streaming-server")
        count_tasks(asyncio.get_running_loop())
        log.info("streaming server on %s", self.base_url)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, target: Target) -> str:
        """A single-use URL for `target` (RESOURCE_EXHAUSTED when too many wait)."""
        return f"{self.base_url}/{kind_of(target)}/{self.cache.insert(target)}"

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await self._task
        self.dialer.close()

    async def _handle(self, ws: WebSocket) -> None:
        kind, token = ws.path_params["kind"], ws.path_params["token"]
        target = self.cache.consume(token) if kind in _PROTOCOLS else None
        if target is None or kind_of(target) != kind:
            await ws.send_denial_response(PlainTextResponse("unknown or expired stream URL\n", 404))
            return
        offered = [str(p) for p in ws.scope.get("subprotocols") or []]
        protocol = channels.select(offered, _PROTOCOLS[kind])
        if protocol is None:
            text = (
                f"none of the subprotocols {offered} is served for {kind}; "
                f"use one of {list(_PROTOCOLS[kind])}\n"
            )
            await ws.send_denial_response(PlainTextResponse(text, 400))
            return
        await ws.accept(subprotocol=protocol)
        endpoint = ServerSide(ws)
        outcome = "failed"
        SESSIONS.labels(kind).inc()
        try:
            outcome = await self._serve(endpoint, target, protocol)
        except Exception:
            log.exception("%s session failed", kind)
            await endpoint.close(1011)
        finally:
            SESSIONS.labels(kind).dec()
            SESSIONS_TOTAL.labels(kind, outcome).inc()

    async def _serve(self, ws: Endpoint, target: Target, protocol: str) -> str:
        if isinstance(target, ExecTarget | AttachTarget):
            return await RemoteCommand(ws, protocol, target, self.docker).run()
        assert isinstance(target, PortForwardTarget)
        if protocol == channels.SPDY_PORTFORWARD:
            return await SpdyPortForward(ws, target, self.dialer).run()
        return await ChannelPortForward(ws, target, self.dialer).run()
