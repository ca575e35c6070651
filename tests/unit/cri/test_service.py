"""The RPC wrapper: deadlines reach Docker calls, errors become gRPC statuses."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest

from cridocker.backend import DEADLINE
from cridocker.errors import CRIError
from cridocker.service import rpc


class Aborted(Exception):
    pass


class FakeContext:
    def __init__(self, remaining: float | None) -> None:
        self.remaining = remaining
        self.aborted: tuple[grpc.StatusCode, str] | None = None

    def time_remaining(self) -> float | None:
        return self.remaining

    async def abort(self, code: grpc.StatusCode, details: str) -> None:
        self.aborted = (code, details)
        raise Aborted


class Servicer:
    @rpc
    async def Deadline(self, request: Any, context: Any) -> float | None:
        deadline = DEADLINE.get()
        return None if deadline is None else deadline - asyncio.get_running_loop().time()

    @rpc
    async def Fails(self, request: Any, context: Any) -> None:
        raise CRIError(grpc.StatusCode.NOT_FOUND, "container 'x' not found")

    @rpc
    async def Crashes(self, request: Any, context: Any) -> None:
        raise RuntimeError("bug")


def test_the_deadline_is_recorded_for_the_call() -> None:
    remaining = asyncio.run(Servicer().Deadline(None, FakeContext(5.0)))
    assert remaining is not None and 4.0 < remaining <= 5.0
    assert asyncio.run(Servicer().Deadline(None, FakeContext(None))) is None


def test_errors_abort_with_their_code() -> None:
    context = FakeContext(None)
    with pytest.raises(Aborted):
        asyncio.run(Servicer().Fails(None, context))
    assert context.aborted == (grpc.StatusCode.NOT_FOUND, "container 'x' not found")

    context = FakeContext(None)
    with pytest.raises(Aborted):
        asyncio.run(Servicer().Crashes(None, context))
    assert context.aborted == (grpc.StatusCode.UNKNOWN, "Crashes: RuntimeError: bug")
