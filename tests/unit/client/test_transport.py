"""AsyncClient on its default wire (aiohttp's pool, `transport.py`) against a real HTTP
server on loopback: what the daemons send and how answers, failures and streams come back."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from aiohttp import web

from minik8s.api import errors
from minik8s.api.resources import resolve
from minik8s.client import AsyncClient, ClientConfig, Unreachable

CMS = resolve("configmaps")
PODS = resolve("pods")
assert CMS and PODS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@asynccontextmanager
async def server(handler: Handler) -> AsyncIterator[str]:
    """Serves every path with `handler` on a free loopback port; yields the base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason,
            "message": message, "code": code}  # fmt: skip


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 20))  # type: ignore[arg-type]


def test_verbs_send_paths_queries_headers_and_bodies() -> None:
    seen: list[dict[str, Any]] = []

    async def handler(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "type": request.headers.get("Content-Type"),
                "agent": request.headers.get("User-Agent"),
                "auth": request.headers.get("Authorization"),
                "body": json.loads(body) if body else None,
            }
        )
        return web.json_response({"kind": "ConfigMap", "metadata": {"name": "cm"}}, status=201)

    async def go() -> Any:
        async with server(handler) as url:
            config = ClientConfig(server=url + "/", namespace="team", token="s3cret")
            async with AsyncClient(config, user_agent="tester") as c:
                made = await c.create(CMS, {"metadata": {"name": "cm"}, "data": {"a": "b"}})
                await c.list(CMS, "team", label_selector="app in (a,b), tier!=db", limit=5)
                await c.patch(CMS, "cm", {"data": {"a": "c"}}, patch_type="strategic")
                await c.delete(CMS, "cm", grace_period_seconds=0)
                return made

    made = run(go())
    assert made["metadata"]["name"] == "cm"
    create, listing, patch, delete = seen
    assert (create["method"], create["path"]) == ("POST", "/api/v1/namespaces/team/configmaps")
    assert create["body"] == {"metadata": {"name": "cm"}, "data": {"a": "b"}}
    assert create["type"] == "application/json"
    assert create["agent"] == "tester" and create["auth"] == "Bearer s3cret"
    assert listing["query"] == {"labelSelector": "app in (a,b), tier!=db", "limit": "5"}
    assert patch["type"] == "application/strategic-merge-patch+json"
    assert delete["method"] == "DELETE" and delete["body"]["gracePeriodSeconds"] == 0


def test_status_answers_become_typed_errors_and_other_bodies_keep_their_text() -> None:
    async def handler(request: web.Request) -> web.Response:
        if request.method == "POST":
            return web.json_response(
                status(409, "AlreadyExists", 'configmaps "cm" exists'), status=409
            )
        return web.Response(status=404, text="no such page")

    async def go() -> tuple[BaseException, BaseException]:
        async with (
            server(handler) as url,
            AsyncClient(ClientConfig(server=url, namespace="team")) as c,
        ):
            with pytest.raises(errors.AlreadyExists) as exists:
                await c.create(CMS, {"metadata": {"name": "cm"}})
            with pytest.raises(errors.NotFound) as missing:
                await c.get(CMS, "cm")
            return exists.value, missing.value

    exists, missing = run(go())
    assert str(exists) == 'configmaps "cm" exists'
    assert "GET /api/v1/namespaces/team/configmaps/cm: HTTP 404: no such page" in str(missing)


def test_reads_are_retried_after_5xx_honouring_retry_after_but_creates_are_not() -> None:
    calls: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        calls.append(request.method)
        if request.method == "GET" and calls.count("GET") == 1:
            return web.Response(status=503, headers={"Retry-After": "2"}, text="busy")
        if request.method == "POST":
            return web.json_response(status(500, "InternalError", "boom"), status=500)
        return web.json_response({"metadata": {"name": "cm"}})

    waits: list[float] = []

    async def go() -> None:
        async with (
            server(handler) as url,
            AsyncClient(ClientConfig(server=url, namespace="t")) as c,
        ):

            async def sleep(seconds: float) -> None:
                waits.append(seconds)

            c._sleep = sleep
            assert (await c.get(CMS, "cm"))["metadata"]["name"] == "cm"
            with pytest.raises(errors.InternalError):
                await c.create(CMS, {"metadata": {"name": "cm"}})

    run(go())
    assert calls == ["GET", "GET", "POST"]
    assert waits and waits[0] >= 2


def test_a_closed_port_is_unreachable_and_a_silent_server_times_out() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]

    async def silent(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="late")

    async def go() -> tuple[BaseException, BaseException]:
        config = ClientConfig(server=f"http://127.0.0.1:{closed}", timeout=2)
        async with AsyncClient(config, retries=0) as c:
            with pytest.raises(Unreachable) as refused:
                await c.get(PODS, "p", "default")
        async with (
            server(silent) as url,
            AsyncClient(ClientConfig(server=url, timeout=0.5), retries=0) as c,
        ):
            with pytest.raises(errors.Timeout) as late:
                await c.get(PODS, "p", "default")
        return refused.value, late.value

    refused, late = run(go())
    assert "connection refused" in str(refused)
    assert "did not answer within 0.5s" in str(late)


def test_watch_streams_events_as_they_come_and_an_early_stop_drops_the_connection() -> None:
    release = asyncio.Event()
    gone = asyncio.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        obj = {"metadata": {"name": "a", "resourceVersion": "5"}}

        def line(kind: str) -> bytes:
            return json.dumps({"type": kind, "object": obj}).encode() + b"\n"

        await response.write(line("ADDED"))
        try:
            await release.wait()  # the first event must arrive before the stream goes on
            for _ in range(100):
                await response.write(
                    json.dumps({"type": "MODIFIED", "object": obj}).encode() + b"\n"
                )
                await asyncio.sleep(0.05)
        except (ConnectionResetError, asyncio.CancelledError):
            gone.set()
            raise
        return response

    async def go() -> list[str]:
        types: list[str] = []
        async with server(handler) as url, AsyncClient(ClientConfig(server=url)) as c:
            stream = c.watch(PODS, "default")
            async for event in stream:
                types.append(event["type"])
                release.set()
                if len(types) == 2:
                    break
            await stream.aclose()
            await asyncio.wait_for(gone.wait(), 5)
        return types

    assert run(go()) == ["ADDED", "MODIFIED"]


def test_request_still_answers_an_httpx_response() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(text='{"major": "1"}', headers={"X-Seen": request.query.get("a", "")})

    async def go() -> httpx.Response:
        async with server(handler) as url, AsyncClient(ClientConfig(server=url)) as c:
            response = await c.request("GET", "/version", params={"a": True})
            assert await c.request_json("GET", "/version") == {"major": "1"}
            return response

    response = run(go())
    assert response.status_code == 200
    assert response.headers["x-seen"] == "true"
    assert response.json() == {"major": "1"}
