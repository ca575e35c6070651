"""The kubelet's log and exec endpoints read their query parameters as Go does."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httpx
import pytest

from kubelet.cri import Runtime
from kubelet.server import KubeletServer


def _get(path: str, **params: str) -> httpx.Response:
    server = KubeletServer(cast(Runtime, None), lambda ns, name: None, lambda: [])

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=server.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kubelet") as client:
            return await client.get(path, params=params)

    return asyncio.run(call())


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"follow": "yes"}, 'invalid follow: strconv.ParseBool: parsing "yes": invalid syntax'),
        ({"previous": "2"}, 'invalid previous: strconv.ParseBool: parsing "2": invalid syntax'),
        (
            {"tailLines": "1.5"},
            'invalid tailLines: strconv.ParseInt: parsing "1.5": invalid syntax',
        ),
        (
            {"limitBytes": " 5"},
            'invalid limitBytes: strconv.ParseInt: parsing " 5": invalid syntax',
        ),
    ],
)
def test_malformed_log_parameters_are_400(params: dict[str, Any], message: str) -> None:
    r = _get("/containerLogs/ns/p/c", **params)
    assert (r.status_code, r.text) == (400, message + "\n")


def test_go_forms_are_accepted() -> None:
    # parsed, then the pod is looked up (this kubelet runs none)
    r = _get("/containerLogs/ns/p/c", follow="True", previous="F", tailLines="+3")
    assert r.status_code == 404 and "not found" in r.text


def test_exec_timeout_is_an_integer() -> None:
    r = _get("/exec/ns/p/c", command="true", timeout="1.5")
    assert (r.status_code, r.text) == (
        400,
        'invalid timeout: strconv.ParseInt: parsing "1.5": invalid syntax\n',
    )
    assert _get("/exec/ns/p/c", command="true", timeout="5").status_code == 404
