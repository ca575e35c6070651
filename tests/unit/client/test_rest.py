"""The REST client without a server: requests it builds, error mapping, retries, watch parsing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from minik8s.api import errors
from minik8s.api.resources import resolve
from minik8s.client import AsyncClient, Client, ClientConfig, Unreachable

PODS = resolve("pods")
NODES = resolve("nodes")
CMS = resolve("configmaps")
assert PODS and NODES and CMS

Handler = Callable[[httpx.Request], httpx.Response]


def status(code: int, reason: str, message: str = "", **details: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": reason,
        "message": message or reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


class Recorder:
    """A mock transport answering from a list of handlers, one per request, recording them."""

    def __init__(self, *answers: Handler | httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)


def client(rec: Recorder, **kw: Any) -> tuple[Client, list[float]]:
    c = Client(
        ClientConfig(server="http://api.test:6443", namespace="team"),
        transport=httpx.MockTransport(rec),
        **kw,
    )
    sleeps: list[float] = []
    c._sleep = sleeps.append
    return c, sleeps


def ok(body: Any = None, code: int = 200) -> httpx.Response:
    return httpx.Response(code, json=body if body is not None else {"kind": "ConfigMap"})


# ---------------------------------------------------------------------------- error mapping


@pytest.mark.parametrize(
    ("code", "reason", "cls"),
    [
        (404, "NotFound", errors.NotFound),
        (409, "AlreadyExists", errors.AlreadyExists),
        (409, "Conflict", errors.Conflict),
        (410, "Expired", errors.Gone),
        (410, "Gone", errors.Gone),
        (400, "BadRequest", errors.BadRequest),
        (403, "Forbidden", errors.Forbidden),
        (415, "UnsupportedMediaType", errors.UnsupportedMediaType),
        (500, "InternalError", errors.InternalError),
    ],
)
def test_status_bodies_become_their_error_class(code: int, reason: str, cls: type) -> None:
    c, _ = client(Recorder(httpx.Response(code, json=status(code, reason, "boom"))), retries=0)
    with pytest.raises(cls) as info:
        c.get(CMS, "x")
    assert info.value.message == "boom"
    assert info.value.code == code


def test_invalid_keeps_its_causes() -> None:
    body = status(
        422,
        "Invalid",
        'Pod "x" is invalid',
        name="x",
        kind="Pod",
        causes=[{"reason": "FieldValueRequired", "message": "Required value", "field": "spec"}],
    )
    c, _ = client(Recorder(httpx.Response(422, json=body)))
    with pytest.raises(errors.Invalid) as info:
        c.create(PODS, {"metadata": {"name": "x"}})
    assert [(x.field, x.reason) for x in info.value.causes] == [("spec", "FieldValueRequired")]
    assert info.value.name == "x" and info.value.kind == "Pod"


def test_a_body_that_is_not_a_status_maps_by_http_code() -> None:
    c, _ = client(Recorder(httpx.Response(404, text="404 page not found")))
    with pytest.raises(errors.NotFound, match="404 page not found"):
        c.get(CMS, "x")
    c, _ = client(Recorder(httpx.Response(418, text="teapot")))
    with pytest.raises(errors.APIError) as info:
        c.get(CMS, "x")
    assert info.value.code == 418


# ---------------------------------------------------------------------------- retries


def test_get_retries_5xx_and_honours_retry_after() -> None:
    busy = httpx.Response(503, json=status(503, "ServiceUnavailable"), headers={"Retry-After": "2"})
    rec = Recorder(busy, httpx.Response(500, json=status(500, "InternalError")), ok())
    c, sleeps = client(rec, backoff=0.01)
    assert c.get(CMS, "x") == {"kind": "ConfigMap"}
    assert len(rec.requests) == 3
    assert sleeps[0] >= 2  # Retry-After
    assert sleeps[1] <= 0.02  # plain backoff (second step, 0.02 with jitter)


def test_retries_give_up_with_the_last_error() -> None:
    rec = Recorder(httpx.Response(503, json=status(503, "ServiceUnavailable", "etcd down")))
    c, sleeps = client(rec, retries=2, backoff=0.01)
    with pytest.raises(errors.ServiceUnavailable, match="etcd down"):
        c.get(CMS, "x")
    assert len(rec.requests) == 3 and len(sleeps) == 2
    assert sleeps[0] < sleeps[1] * 2 + 0.001  # exponential steps with jitter


def test_429_is_retried_even_for_post() -> None:
    rec = Recorder(httpx.Response(429, json=status(429, "TooManyRequests")), ok(code=201))
    c, _ = client(rec)
    c.create(CMS, {"metadata": {"name": "x"}})
    assert len(rec.requests) == 2


def test_post_is_not_retried_after_the_server_saw_it() -> None:
    rec = Recorder(httpx.Response(503, json=status(503, "ServiceUnavailable")), ok())
    c, _ = client(rec)
    with pytest.raises(errors.ServiceUnavailable):
        c.create(CMS, {"metadata": {"name": "x"}})
    rec = Recorder(httpx.ReadError("connection reset"), ok())
    c, _ = client(rec)
    with pytest.raises(Unreachable, match="lost the connection"):
        c.create(CMS, {"metadata": {"name": "x"}})
    assert len(rec.requests) == 1


def test_post_is_retried_when_the_connection_was_refused() -> None:
    rec = Recorder(httpx.ConnectError("[Errno 111] Connection refused"), ok(code=201))
    c, sleeps = client(rec)
    c.create(CMS, {"metadata": {"name": "x"}})
    assert len(rec.requests) == 2 and len(sleeps) == 1


def test_unreachable_server_message() -> None:
    rec = Recorder(httpx.ConnectError("[Errno 111] Connection refused"))
    c, _ = client(rec, retries=1)
    with pytest.raises(Unreachable) as info:
        c.get(CMS, "x")
    assert (
        str(info.value) == "cannot reach the API server at http://api.test:6443: connection refused"
    )
    assert isinstance(info.value, errors.ServiceUnavailable) and info.value.code == 503


def test_read_timeouts_become_timeout_errors() -> None:
    rec = Recorder(httpx.ReadTimeout("slow"))
    c, _ = client(rec, retries=1)
    with pytest.raises(errors.Timeout, match="did not answer within 30s"):
        c.get(CMS, "x")
    assert len(rec.requests) == 2


# ---------------------------------------------------------------------------- requests


def test_paths_namespaces_and_bodies() -> None:
    rec = Recorder(lambda r: ok({"kind": "X", "metadata": {}}))
    c, _ = client(rec)
    c.get(CMS, "a")
    c.get(NODES, "n1", "ignored")
    c.list(PODS)
    c.list(PODS, "ns1", label_selector="app=web", limit=5, continue_="tok")
    c.create(CMS, {"metadata": {"name": "a", "namespace": "other"}})
    c.create(CMS, {"metadata": {"name": "a"}}, dry_run=True)
    c.update(PODS, {"metadata": {"name": "p"}}, subresource="status")
    c.patch(CMS, "a", [{"op": "add", "path": "/data", "value": {}}], patch_type="json")
    c.patch(CMS, "a", {"data": None}, patch_type="strategic")
    c.delete(PODS, "p", propagation_policy="Foreground", grace_period_seconds=0)
    got = [(r.method, r.url.path, dict(r.url.params)) for r in rec.requests]
    assert got == [
        ("GET", "/api/v1/namespaces/team/configmaps/a", {}),
        ("GET", "/api/v1/nodes/n1", {}),
        ("GET", "/api/v1/pods", {}),
        (
            "GET",
            "/api/v1/namespaces/ns1/pods",
            {"labelSelector": "app=web", "limit": "5", "continue": "tok"},
        ),
        ("POST", "/api/v1/namespaces/other/configmaps", {}),
        ("POST", "/api/v1/namespaces/team/configmaps", {"dryRun": "All"}),
        ("PUT", "/api/v1/namespaces/team/pods/p/status", {}),
        ("PATCH", "/api/v1/namespaces/team/configmaps/a", {}),
        ("PATCH", "/api/v1/namespaces/team/configmaps/a", {}),
        ("DELETE", "/api/v1/namespaces/team/pods/p", {}),
    ]
    assert rec.requests[7].headers["content-type"] == "application/json-patch+json"
    assert rec.requests[8].headers["content-type"] == "application/strategic-merge-patch+json"
    assert json.loads(rec.requests[9].content) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "propagationPolicy": "Foreground",
        "gracePeriodSeconds": 0,
    }
    assert rec.requests[0].headers["user-agent"] == "minik8s"
    with pytest.raises(ValueError, match="patch type"):
        c.patch(CMS, "a", {}, patch_type="apply")


def test_token_is_sent_as_bearer() -> None:
    rec = Recorder(ok())
    c = Client(
        ClientConfig(server="http://api.test", token="s3cret"), transport=httpx.MockTransport(rec)
    )
    c.get(CMS, "a")
    assert rec.requests[0].headers["authorization"] == "Bearer s3cret"


def test_list_all_follows_continue_and_keeps_the_first_version() -> None:
    pages = [
        {"metadata": {"resourceVersion": "10", "continue": "t1"}, "items": [{"n": 1}]},
        {"metadata": {"resourceVersion": "10", "continue": "t2"}, "items": [{"n": 2}]},
        {"metadata": {"resourceVersion": "10"}, "items": [{"n": 3}]},
    ]
    rec = Recorder(*(ok(p) for p in pages))
    c, _ = client(rec)
    items, rv = c.list_all(CMS, "x", limit=1)
    assert items == [{"n": 1}, {"n": 2}, {"n": 3}] and rv == "10"
    assert [r.url.params.get("continue") for r in rec.requests] == [None, "t1", "t2"]


def test_table_asks_for_a_table_and_narrows_unless_wide() -> None:
    table = {
        "kind": "Table",
        "columnDefinitions": [{"name": "Name", "priority": 0}, {"name": "IP", "priority": 1}],
        "rows": [{"cells": ["a", "10.0.0.1"], "object": {}}],
    }
    rec = Recorder(ok(table))
    c, _ = client(rec)
    narrow = c.get_table(PODS, "ns")
    assert [col["name"] for col in narrow["columnDefinitions"]] == ["Name"]
    assert narrow["rows"][0]["cells"] == ["a"]
    assert c.get_table(PODS, "ns", wide=True)["rows"][0]["cells"] == ["a", "10.0.0.1"]
    assert "as=Table" in rec.requests[0].headers["accept"]


# ---------------------------------------------------------------------------- watch


def _stream(*events: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, content=b"".join(json.dumps(e).encode() + b"\n" for e in events))


def test_watch_yields_events_and_raises_error_events() -> None:
    rec = Recorder(
        _stream(
            {"type": "ADDED", "object": {"metadata": {"name": "a", "resourceVersion": "5"}}},
            {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "9"}}},
            {"type": "ERROR", "object": status(410, "Expired", "too old resource version: 1")},
        )
    )
    c, _ = client(rec)
    seen = []
    with pytest.raises(errors.Gone, match="too old"):
        for ev in c.watch(CMS, "ns", resource_version="4", timeout_seconds=60):
            seen.append(ev["type"])
    assert seen == ["ADDED", "BOOKMARK"]
    params = dict(rec.requests[0].url.params)
    assert params == {
        "watch": "true",
        "resourceVersion": "4",
        "timeoutSeconds": "60",
        "allowWatchBookmarks": "true",
    }


def test_watch_that_cannot_start_raises_its_status() -> None:
    c, _ = client(Recorder(httpx.Response(400, json=status(400, "BadRequest", "bad selector"))))
    with pytest.raises(errors.BadRequest, match="bad selector"):
        next(iter(c.watch(CMS, "ns", label_selector="===")))


# ---------------------------------------------------------------------------- async


def test_async_client_maps_errors_and_retries() -> None:
    async def main() -> None:
        rec = Recorder(
            httpx.ConnectError("[Errno 111] Connection refused"),
            httpx.Response(404, json=status(404, "NotFound", 'configmaps "x" not found')),
        )
        c = AsyncClient(ClientConfig(server="http://api.test"), transport=httpx.MockTransport(rec))
        sleeps: list[float] = []

        async def fake_sleep(s: float) -> None:
            sleeps.append(s)

        c._sleep = fake_sleep
        async with c:
            with pytest.raises(errors.NotFound, match="not found"):
                await c.get(CMS, "x")
        assert len(rec.requests) == 2 and len(sleeps) == 1

    asyncio.run(main())


def test_async_watch_is_an_async_iterator() -> None:
    async def main() -> list[str]:
        rec = Recorder(
            _stream(
                {"type": "ADDED", "object": {"metadata": {"name": "a"}}},
                {"type": "DELETED", "object": {"metadata": {"name": "a"}}},
            )
        )
        async with AsyncClient(
            ClientConfig(server="http://api.test"), transport=httpx.MockTransport(rec)
        ) as c:
            return [ev["type"] async for ev in c.watch(CMS)]

    assert asyncio.run(main()) == ["ADDED", "DELETED"]


# ---------------------------------------------------------------------------- overload (429)


def _throttled(after: str = "1") -> httpx.Response:
    body = status(429, "TooManyRequests", "Too many requests, please try again later.")
    return httpx.Response(429, json=body, headers={"Retry-After": after})


def test_429_with_retry_after_waits_as_asked_up_to_ten_times() -> None:
    rec = Recorder(*[_throttled("2")] * 4, ok(code=201))
    c, sleeps = client(rec, retries=1, backoff=0.01)
    c.create(CMS, {"metadata": {"name": "x"}})  # more tries than `retries`: client-go's 10
    assert len(rec.requests) == 5
    assert len(sleeps) == 4 and all(2 <= s <= 2.02 for s in sleeps)

    rec = Recorder(_throttled("1"))  # the server stays overloaded: bounded
    c, sleeps = client(rec, retries=1, backoff=0.01)
    with pytest.raises(errors.TooManyRequests) as info:
        c.get(CMS, "x")
    assert len(rec.requests) == 11 and len(sleeps) == 10
    assert info.value.code == 429


def test_async_client_backs_off_on_429_too() -> None:
    async def main() -> list[float]:
        rec = Recorder(_throttled("3"), _throttled("1"), ok())
        c = AsyncClient(
            ClientConfig(server="http://api.test"),
            transport=httpx.MockTransport(rec),
            retries=0,
        )
        sleeps: list[float] = []

        async def fake_sleep(s: float) -> None:
            sleeps.append(s)

        c._sleep = fake_sleep
        async with c:
            assert await c.get(CMS, "x") == {"kind": "ConfigMap"}
        assert len(rec.requests) == 3
        return sleeps

    sleeps = asyncio.run(main())
    assert sleeps[0] >= 3 and 1 <= sleeps[1] < 3
