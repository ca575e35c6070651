"""The kubelet's streaming endpoints: exec, attach and port-forward, relayed to the runtime.

    WebSocket /exec/{namespace}/{pod}/{container}?command=…&stdin=&stdout=&stderr=&tty=
    WebSocket /attach/{namespace}/{pod}/{container}?stdin=&stdout=&stderr=&tty=
    WebSocket /portforward/{namespace}/{pod}?ports=…

The API server dials these offering its client's subprotocols. As in the CRI's model the
kubelet speaks none of the protocols itself: it checks the request against the pod it
runs (404 for a pod it does not know, 400 for a container that is not running, no command
or no stream, bad ports), asks the runtime for the session's URL (CRI Exec, Attach or
PortForward) and relays the client to it (`minik8s.stream.relay`), which also carries the
runtime's own refusals back. Refusals are plain text with the HTTP code, as the kubelet's
other errors are. Query booleans are read like Go's (`true`, `1`, `True`, ...).

Each session is a handler task of the kubelet's server plus the relay's two pumps;
`kubelet_stream_sessions` counts those running.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from prometheus_client import Gauge
from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from minik8s.stream import channels, relay

from .cri import CRIError, Runtime, pb
from .runtime_state import RUNNING, ContainerInfo, observe

Obj = dict[str, Any]
FindPod = Callable[[str, str], Obj | None]

SESSIONS = Gauge(
    "kubelet_stream_sessions", "Exec, attach and port-forward sessions relayed.", ["kind"]
)


class Refusal(Exception):
    """A request the kubelet answers with `code` and `text` instead of a stream."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


class Streams:
    def __init__(self, runtime: Runtime, find_pod: FindPod) -> None:
        self.runtime = runtime
        self.find_pod = find_pod

    def routes(self) -> list[WebSocketRoute]:
        return [
            WebSocketRoute("/exec/{namespace}/{pod}/{container}", self._serving(self.exec)),
            WebSocketRoute("/attach/{namespace}/{pod}/{container}", self._serving(self.attach)),
            WebSocketRoute("/portforward/{namespace}/{pod}", self._serving(self.portforward)),
        ]

    def _serving(
        self, locate: Callable[[WebSocket], Awaitable[str]]
    ) -> Callable[[WebSocket], Awaitable[None]]:
        """The endpoint: `locate` answers the runtime's URL for the request, or refuses."""
        kind = locate.__name__

        async def endpoint(ws: WebSocket) -> None:
            try:
                url = await locate(ws)
            except Refusal as e:
                await ws.send_denial_response(PlainTextResponse(e.text + "\n", e.code))
                return
            except CRIError as e:
                code = {grpc.StatusCode.NOT_FOUND: 404, grpc.StatusCode.FAILED_PRECONDITION: 400}
                await ws.send_denial_response(
                    PlainTextResponse(f"{kind} failed: {e.message}\n", code.get(e.code, 500))
                )
                return
            with SESSIONS.labels(kind).track_inprogress():
                await relay.proxy(
                    ws,
                    url,
                    refused=lambda code, text: PlainTextResponse(text + "\n", code),
                    unreachable=lambda text: PlainTextResponse(
                        f"the runtime's streaming server cannot be reached: {text}\n", 502
                    ),
                )

        return endpoint

    async def _running(self, ws: WebSocket) -> ContainerInfo:
        ns, name, cname = (ws.path_params[k] for k in ("namespace", "pod", "container"))
        pod = self._pod(ns, name)
        info = (await observe(self.runtime, pod["metadata"]["uid"])).latest(cname)
        if info is None:
            raise Refusal(400, f'container "{cname}" in pod "{name}" not found')
        if info.state != RUNNING:
            raise Refusal(400, f'container "{cname}" in pod "{name}" is not running')
        return info

    def _pod(self, namespace: str, name: str) -> Obj:
        pod = self.find_pod(namespace, name)
        if pod is None:
            raise Refusal(404, f'pod "{name}" not found in namespace "{namespace}"')
        return pod

    async def exec(self, ws: WebSocket) -> str:
        q = ws.query_params
        command = q.getlist("command")
        if not command:
            raise Refusal(400, "you must specify at least one command for the container")
        stdin, stdout, stderr, tty = streams_of(q)
        info = await self._running(ws)
        request = pb.ExecRequest(
            container_id=info.id, cmd=command, tty=tty, stdin=stdin, stdout=stdout, stderr=stderr
        )
        return await self.runtime.exec_url(request)

    async def attach(self, ws: WebSocket) -> str:
        stdin, stdout, stderr, tty = streams_of(ws.query_params)
        info = await self._running(ws)
        request = pb.AttachRequest(
            container_id=info.id, stdin=stdin, stdout=stdout, stderr=stderr, tty=tty
        )
        return await self.runtime.attach_url(request)

    async def portforward(self, ws: WebSocket) -> str:
        ns, name = ws.path_params["namespace"], ws.path_params["pod"]
        pod = self._pod(ns, name)
        try:
            ports = channels.ports_of(ws.query_params.getlist("ports"))
        except ValueError as e:
            raise Refusal(400, str(e)) from None
        offered = [str(p) for p in ws.scope.get("subprotocols") or []]
        chosen = channels.select(offered, channels.PORTFORWARD_PROTOCOLS)
        if chosen == channels.V4 and not ports:
            raise Refusal(400, "at least one port must be given (?ports=...)")
        sandbox = (await observe(self.runtime, pod["metadata"]["uid"])).sandbox
        if sandbox is None or not sandbox.ready:
            raise Refusal(400, f'pod "{name}" has no running sandbox')
        return await self.runtime.port_forward_url(sandbox.id, ports)


def streams_of(query: Any) -> tuple[bool, bool, bool, bool]:
    """(stdin, stdout, stderr, tty); Refusal when no stream is asked for. With a TTY,
    stderr is merged into stdout."""
    stdin, stdout, stderr, tty = (
        channels.flag(query.get(k)) for k in ("stdin", "stdout", "stderr", "tty")
    )
    if not (stdin or stdout or stderr):
        raise Refusal(400, "you must specify at least 1 of stdin, stdout, stderr")
    return stdin, stdout, stderr and not tty, tty
