"""Docker calls on the worker pool: deadlines and error mapping, without an engine."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import grpc
import pytest
import requests

from cridocker.backend import DEADLINE, Docker
from cridocker.errors import CRIError


class FakeDocker(Docker):
    def client(self) -> Any:
        return "client"


def test_call_runs_on_a_worker_thread() -> None:
    docker = FakeDocker("unix:///nowhere", workers=2)

    async def main() -> tuple[Any, str]:
        return await docker.call("op", lambda api: (api, threading.current_thread().name))

    api, thread = asyncio.run(main())
    assert api == "client" and thread.startswith("docker")
    docker.close()


def test_the_rpc_deadline_ends_the_wait_but_not_the_loop() -> None:
    docker = FakeDocker("unix:///nowhere", workers=2)
    release = threading.Event()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        DEADLINE.set(loop.time() + 0.2)
        with pytest.raises(CRIError) as err:
            await docker.call("slow", lambda api: release.wait(30), "waiting")
        assert err.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert "waiting" in err.value.message
        # an already passed deadline fails without starting the call
        DEADLINE.set(loop.time() - 1)
        with pytest.raises(CRIError):
            await docker.call("never", lambda api: pytest.fail("ran"))

    try:
        asyncio.run(main())
    finally:
        release.set()
        docker.close()


def test_own_timeout_shortens_the_deadline() -> None:
    docker = FakeDocker("unix:///nowhere", workers=1)
    release = threading.Event()

    async def main() -> None:
        with pytest.raises(CRIError) as err:
            await docker.call("exec", lambda api: release.wait(30), timeout=0.1)
        assert err.value.code == grpc.StatusCode.DEADLINE_EXCEEDED

    try:
        asyncio.run(main())
    finally:
        release.set()
        docker.close()


def test_errors_become_cri_errors() -> None:
    docker = FakeDocker("unix:///nowhere", workers=1)

    def refuse(api: Any) -> None:
        raise requests.exceptions.ConnectionError("refused")

    async def main() -> None:
        with pytest.raises(CRIError) as err:
            await docker.call("op", refuse, "listing")
        assert err.value.code == grpc.StatusCode.UNAVAILABLE
        assert err.value.message.startswith("listing: ")
        assert await docker.ping() is False

    asyncio.run(main())
    docker.close()


def test_an_absent_engine_is_unavailable() -> None:
    docker = Docker("unix:///nonexistent/docker.sock", workers=1, timeout=2)

    async def main() -> None:
        with pytest.raises(CRIError) as err:
            await docker.call("version", lambda api: api.version())
        assert err.value.code == grpc.StatusCode.UNAVAILABLE

    asyncio.run(main())
    docker.close()
