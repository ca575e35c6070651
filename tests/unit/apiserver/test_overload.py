"""The overload guard on a fake application: limits, exemptions, timeouts (no network)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from apiserver.overload import Limits, Overload, is_long_running

Message = dict[str, Any]


class Blocking:
    """An ASGI app whose requests wait until `release` is set, then answer 200."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0
        self.changed = asyncio.Condition()

    async def wait_entered(self, n: int) -> None:
        async with self.changed:
            await self.changed.wait_for(lambda: self.entered >= n)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async with self.changed:
            self.entered += 1
            self.changed.notify_all()
        await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def scope(method: str, path: str, query: bytes = b"", agent: bytes = b"t") -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "client": ("10.0.0.1", 1234),
        "headers": [(b"user-agent", agent)],
    }


async def call(app: Overload, s: dict[str, Any]) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(s, receive, send)
    return sent


def answer(sent: list[Message]) -> tuple[int, dict[bytes, bytes], Any]:
    start, body = sent[0], sent[1]
    headers = dict(start["headers"])
    data = json.loads(body["body"]) if headers.get(b"content-type") == b"application/json" else None
    return start["status"], headers, data


@pytest.mark.parametrize(
    ("method", "path", "query", "long"),
    [
        ("GET", "/api/v1/pods", b"watch=true", True),
        ("GET", "/api/v1/pods", b"watch=1&labelSelector=a", True),
        ("GET", "/api/v1/pods", b"watch=false", False),
        ("GET", "/api/v1/watch/pods", b"", True),
        ("GET", "/apis/apps/v1/watch/namespaces/a/deployments", b"", True),
        ("GET", "/api/v1/namespaces/watch/pods", b"", False),
        ("GET", "/api/v1/namespaces/a/pods/p/log", b"follow=true", True),
        ("POST", "/api/v1/namespaces/a/pods/p/exec", b"", True),
        ("GET", "/api/v1/namespaces/a/pods/p", b"", False),
        ("GET", "/healthz", b"watch=true", False),
    ],
)
def test_long_running_requests(method: str, path: str, query: bytes, long: bool) -> None:
    assert is_long_running(method, path, query) is long


def test_inflight_limits_answer_429_and_spare_probes_and_watches() -> None:
    async def main() -> None:
        app = Blocking()
        guard = Overload(app, Limits(max_requests_inflight=2, max_mutating_requests_inflight=1))
        held = [
            asyncio.ensure_future(call(guard, scope("GET", "/api/v1/pods"))),
            asyncio.ensure_future(call(guard, scope("GET", "/api/v1/nodes"))),
            asyncio.ensure_future(call(guard, scope("POST", "/api/v1/namespaces/a/pods"))),
        ]
        await app.wait_entered(3)
        for method in ("GET", "DELETE"):
            code, headers, status = answer(await call(guard, scope(method, "/api/v1/pods")))
            assert code == 429 and headers[b"retry-after"] == b"1"
            assert status["reason"] == "TooManyRequests"
            assert status["message"] == "Too many requests, please try again later."
            assert status["details"] == {"retryAfterSeconds": 1}
        # probes and watches are not counted
        probe = asyncio.ensure_future(call(guard, scope("GET", "/readyz")))
        watch = asyncio.ensure_future(call(guard, scope("GET", "/api/v1/pods", b"watch=true")))
        await app.wait_entered(5)
        app.release.set()
        for done in await asyncio.gather(*held, probe, watch):
            assert done[0]["status"] == 200
        assert (guard.readonly, guard.mutating, guard.rejected) == (0, 0, 2)
        # the slots are free again
        assert (await call(guard, scope("PUT", "/api/v1/pods/x")))[0]["status"] == 200

    asyncio.run(main())


def test_watches_per_client() -> None:
    async def main() -> None:
        app = Blocking()
        guard = Overload(app, Limits(max_watches_per_client=2))
        watch = scope("GET", "/api/v1/pods", b"watch=true")
        held = [asyncio.ensure_future(call(guard, watch)) for _ in range(2)]
        await app.wait_entered(2)
        code, headers, status = answer(await call(guard, watch))
        assert code == 429 and headers[b"retry-after"] == b"1"
        assert "holds 2 watches" in status["message"]
        # another client (another User-Agent) is not affected
        other = asyncio.ensure_future(
            call(guard, scope("GET", "/api/v1/pods", b"watch=true", agent=b"other"))
        )
        await app.wait_entered(3)
        app.release.set()
        await asyncio.gather(*held, other)
        assert guard.watches == {}

    asyncio.run(main())


def test_a_request_past_its_timeout_answers_504_and_closes() -> None:
    async def main() -> None:
        app = Blocking()
        guard = Overload(app, Limits(request_timeout=0.05))
        code, headers, status = answer(await call(guard, scope("GET", "/api/v1/pods")))
        assert code == 504 and headers[b"connection"] == b"close"
        assert status["reason"] == "Timeout"
        assert status["message"].startswith("Timeout: request did not complete")
        assert guard.readonly == 0
        # watches have no timeout
        watch = asyncio.ensure_future(call(guard, scope("GET", "/api/v1/pods", b"watch=true")))
        done, _ = await asyncio.wait({watch}, timeout=0.1)
        assert not done
        app.release.set()
        assert (await watch)[0]["status"] == 200

    asyncio.run(main())
