"""Proxying `pods/{name}/log` and `pods/{name}/exec` to the kubelet of the pod's node.

The API server finds the node's kubelet from the Node object (the InternalIP address and
`status.daemonEndpoints.kubeletEndpoint.Port`, default 10250) and streams the kubelet's
`/containerLogs/{namespace}/{pod}/{container}` answer through, so `kubectl logs -f` follows
a container for as long as the client keeps reading. The upstream connection is owned by
the streaming generator and closed when the client goes away.

Exec is the non-interactive form: `POST pods/{name}/exec?command=…&container=…` runs the
command through the kubelet's `/exec/{namespace}/{pod}/{container}` and answers
`{"stdout", "stderr", "exitCode"}` as JSON. Interactive streams (SPDY/WebSocket upgrades,
which `kubectl exec` uses) are not served.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.responses import Response, StreamingResponse

from minik8s.api import errors
from minik8s.api.params import Query, format_bool
from minik8s.api.resources import lookup

from .registry import Registry

NODES = lookup("", "v1", "nodes")
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
        raise errors.BadRequest(
            f'container "{container}" in pod "{name}" is waiting to start: the pod is not '
            "scheduled to a node yet"
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
