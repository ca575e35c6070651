"""The last-resort handler: a fault of the server is a 500 `Status`, and its traceback is
logged once however often a client repeats the request."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest

from apiserver.app import APIServer
from apiserver.metrics import Metrics
from apiserver.registry import Registry


def get(server: APIServer, path: str) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=server.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await client.get(path)

    return asyncio.run(go())


async def broken_get(*args: Any, **kwargs: Any) -> Any:
    return {}["a bug"]


async def other_bug(*args: Any, **kwargs: Any) -> Any:
    return None.missing  # type: ignore[attr-defined]


def test_a_fault_is_500_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    registry = SimpleNamespace(
        storage=SimpleNamespace(etcd=SimpleNamespace(status=None)), get=broken_get
    )
    server = APIServer(cast(Registry, registry), Metrics())
    with caplog.at_level(logging.ERROR, logger="apiserver.app"):
        for _ in range(3):
            r = get(server, "/api/v1/namespaces/a/configmaps/x")
            assert r.status_code == 500
            assert r.json()["reason"] == "InternalError"
        registry.get = other_bug
        assert get(server, "/api/v1/namespaces/a/configmaps/x").status_code == 500
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert [r.exc_info[0] for r in tracebacks if r.exc_info] == [KeyError, AttributeError]
    repeats = [r.getMessage() for r in caplog.records if not r.exc_info]
    assert len(repeats) == 2 and all("traceback logged before" in m for m in repeats)
