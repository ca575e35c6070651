"""Proxying `pods/{name}/log`, `exec`, `attach` and `portforward` to the pod's kubelet.

The API server finds the node's kubelet from the Node object (the InternalIP address and
`status.daemonEndpoints.kubeletEndpoint.Port`, default 10250) and streams the kubelet's
`/containerLogs/{namespace}/{pod}/{container}` answer through, so `kubectl logs -f` follows
a container for as long as the client keeps reading. The upstream connection is owned by
the streaming generator and closed when the client goes away.

Streams (`stream()`): a WebSocket request for `pods/NAME/exec`, `attach` or `portforward`
(kubectl 1.30+ and the Python client; subprotocols `v5.channel.k8s.io`,
`v4.channel.k8s.io`, `SPDY/3.1+portforward.k8s.io`) is checked here (the pod, its
container, its node) and relayed message by message to the same path on the kubelet
(`minik8s.stream.relay`), which relays it to the runtime that speaks the protocol. Whatever
refuses the stream on the way (this server, the kubelet, the runtime) answers the
handshake with a `Status` and its HTTP code, so a client that falls back to SPDY after a
non-101 answer (kubectl) asks again and gets the same checks. SPDY upgrades themselves are
not served: they are answered 400 once those checks pass (`refuse_spdy`).

Exec also keeps its non-interactive form: `POST pods/{name}/exec?command=…&container=…`
without an upgrade runs the command through the kubelet's `/exec/{namespace}/{pod}/{container}`
and answers `{"stdout", "stderr", "exitCode"}` as JSON.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.websockets import WebSocket

from minik8s.api import errors
from minik8s.api.params import Query, format_bool
from minik8s.api.resources import lookup
from minik8s.stream import channels, relay

from .http import status_response
from .registry import Registry
from .routes import Target

NODES = lookup("", "v1", "nodes")
STREAMS = frozenset({"exec", "attach", "portforward"})
# PodLogOptions passed on to the kubelet, parsed here first (a malformed one is our 400).
LOG_FLAGS = ("follow", "previous", "timestamps")
LOG_NUMBERS = ("tailLines", "sinceSeconds", "limitBytes")


def pick_container(pod: dict[str, Any], wanted: str | None) -> str:
    spec = pod.get("spec") or {}
    names = [c.get("name") for c in spec.get("containers") or []]
    init = [c.get("name") for c in spec.get("initContainers") or []]
    name = pod["metadata"]["name"]
    if wanted:
        if wanted not in names and wanted not in init:
            raise errors.BadRequest(f"container {wanted} is not valid for pod {name}")
        return wanted
    if len(names) == 1:
        return str(names[0])
    raise errors.BadRequest(
        f"a container name must be specified for pod {name}, choose one of: "
        f"[{' '.join(str(n) for n in names)}]"
        + (f" or one of the init containers: [{' '.join(str(n) for n in init)}]" if init else "")
    )


def kubelet_address(node: dict[str, Any]) -> tuple[str, int]:
    status = node.get("status") or {}
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    host = addresses.get("InternalIP") or addresses.get("Hostname")
    if not host:
        raise errors.ServiceUnavailable(
            f'node "{node["metadata"]["name"]}" has no InternalIP: is its kubelet running?',
            retry_after=5,
        )
    endpoint = (status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}
    port = endpoint.get("Port") or 10250
    return str(host), int(port)


async def pod_log(registry: Registry, namespace: str, name: str, params: Query) -> Response:
    pods = lookup("", "v1", "pods")
    assert pods is not None and NODES is not None
    query = {k: format_bool(params.boolean(k)) for k in LOG_FLAGS if k in params}
    for k in LOG_NUMBERS:
        number = params.integer(k)
        if number is not None:
            query[k] = str(number)
    pod = await registry.get(pods, namespace, name)
    container = pick_container(pod, params.string("container") or None)
    host, port = await _node_of(registry, pod, container)
    node_name = pod["spec"]["nodeName"]
    url = f"http://{host}:{port}/containerLogs/{namespace}/{name}/{container}"
    client = httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=None))
    try:
        upstream = await client.send(client.build_request("GET", url, params=query), stream=True)
    except httpx.HTTPError as e:
        await client.aclose()
        raise errors.ServiceUnavailable(
            f'cannot reach the kubelet of node "{node_name}" at {host}:{port}: {e}',
            retry_after=5,
        ) from None
    if upstream.status_code != 200:
        text = (await upstream.aread()).decode(errors="replace").strip()
        await upstream.aclose()
        await client.aclose()
        err = errors.APIError.from_status(
            {"message": text or f"kubelet answered {upstream.status_code}"},
            upstream.status_code,
        )
        raise err

    async def relay() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        finally:
            await upstream.aclose()
            await client.aclose()

    return StreamingResponse(relay(), media_type="text/plain")


async def _node_of(registry: Registry, pod: dict[str, Any], container: str) -> tuple[str, int]:
    assert NODES is not None
    name = pod["metadata"]["name"]
    node_name = (pod.get("spec") or {}).get("nodeName")
    if not node_name:
        what = f'container "{container}" in pod "{name}"' if container else f'pod "{name}"'
        raise errors.BadRequest(
            f"{what} is waiting to start: the pod is not scheduled to a node yet"
        )
    try:
        node = await registry.get(NODES, None, node_name)
    except errors.NotFound:
        raise errors.ServiceUnavailable(
            f'the node "{node_name}" of pod "{name}" does not exist', retry_after=5
        ) from None
    return kubelet_address(node)


async def pod_exec(
    registry: Registry, namespace: str, name: str, query: list[tuple[str, str]]
) -> Response:
    pods = lookup("", "v1", "pods")
    assert pods is not None
    command = [v for k, v in query if k == "command"]
    if not command:
        raise errors.BadRequest("you must specify at least one command for the container")
    flags = Query(query)
    if flags.boolean("stdin") or flags.boolean("tty"):
        raise errors.BadRequest(
            "interactive exec (stdin/tty) is not supported; run a command without -i/-t"
        )
    pod = await registry.get(pods, namespace, name)
    container = pick_container(pod, dict(query).get("container"))
    host, port = await _node_of(registry, pod, container)
    params: dict[str, str | list[str]] = {"command": command}
    timeout = flags.integer("timeout")
    if timeout is not None:
        params["timeout"] = str(timeout)
    url = f"http://{host}:{port}/exec/{namespace}/{name}/{container}"
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(10.0, read=None)) as client:
            upstream = await client.post(url, params=params)
    except httpx.HTTPError as e:
        raise errors.ServiceUnavailable(
            f"cannot reach the kubelet at {host}:{port}: {e}", retry_after=5
        ) from None
    if upstream.status_code != 200:
        raise errors.APIError.from_status(
            {"message": upstream.text.strip() or f"kubelet answered {upstream.status_code}"},
            upstream.status_code,
        )
    return Response(upstream.content, media_type="application/json")


# --------------------------------------------------------------------------- streams


async def stream(registry: Registry, ws: WebSocket, t: Target) -> int:
    """Relays one WebSocket stream to the pod's kubelet; answers the HTTP code it got
    (101 once accepted)."""
    try:
        url = await _kubelet_stream_url(registry, t, ws.query_params, ws.scope)
    except errors.APIError as e:
        await ws.send_denial_response(status_response(e))
        return e.code
    answered = 101

    def refused(code: int, text: str) -> Response:
        nonlocal answered
        answered = code
        return status_response(
            errors.APIError.from_status({"message": text or f"kubelet answered {code}"}, code)
        )

    def unreachable(text: str) -> Response:
        nonlocal answered
        answered = 503
        return status_response(
            errors.ServiceUnavailable(f"error dialing backend: {text}", retry_after=5)
        )

    await relay.proxy(ws, url, refused=refused, unreachable=unreachable)
    return answered


async def refuse_spdy(registry: Registry, request: Request, t: Target) -> Response:
    """A non-WebSocket request for a stream: the same checks as `stream`, then 400."""
    await _kubelet_stream_url(registry, t, request.query_params, request.scope)
    if "upgrade" not in request.headers.get("connection", "").lower():
        raise errors.BadRequest("Upgrade request required")
    raise errors.BadRequest(
        f"{request.headers.get('upgrade', 'this')} upgrades are not served: exec, attach and "
        "port-forward are served over WebSocket (kubectl 1.31+, the Python client's stream())"
    )


async def _kubelet_stream_url(registry: Registry, t: Target, query: QueryParams, scope: Any) -> str:
    """The kubelet's WebSocket URL for this stream; APIError for a request it cannot serve."""
    pods = lookup("", "v1", "pods")
    assert pods is not None and t.namespace is not None and t.name is not None
    sub = t.subresource or ""
    pod = await registry.get(pods, t.namespace, t.name)
    if sub == "portforward":
        try:
            channels.ports_of(query.getlist("ports"))
        except ValueError as e:
            raise errors.BadRequest(str(e)) from None
        host, port = await _node_of(registry, pod, "")
        path = f"/portforward/{t.namespace}/{t.name}"
    else:
        if sub == "exec" and not query.getlist("command"):
            raise errors.BadRequest("you must specify at least one command for the container")
        if not any(channels.flag(query.get(k)) for k in ("stdin", "stdout", "stderr")):
            raise errors.BadRequest("you must specify at least 1 of stdin, stdout, stderr")
        container = pick_container(pod, query.get("container"))
        host, port = await _node_of(registry, pod, container)
        path = f"/{sub}/{t.namespace}/{t.name}/{container}"
    raw = scope.get("query_string", b"").decode("latin-1")
    return f"ws://{host}:{port}{path}" + (f"?{raw}" if raw else "")
