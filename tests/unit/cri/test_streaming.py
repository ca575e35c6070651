"""The streaming server's pure parts: single-use tokens and Docker's output demultiplexing."""

from __future__ import annotations

import grpc
import pytest

from cridocker.errors import CRIError
from cridocker.streaming.hijack import STDERR, STDOUT, Demuxer
from cridocker.streaming.requests import ExecTarget, PortForwardTarget, RequestCache, kind_of
from cridocker.streaming.server import parse_address

TARGET = ExecTarget("c1", ("ls",), tty=False, stdin=False, stdout=True, stderr=True)


def test_tokens_are_single_use_and_expire() -> None:
    now = [0.0]
    cache = RequestCache(clock=lambda: now[0])
    token = cache.insert(TARGET)
    assert cache.consume(token) == TARGET
    assert cache.consume(token) is None
    late = cache.insert(TARGET)
    now[0] += RequestCache.TTL + 1
    assert cache.consume(late) is None and len(cache) == 0
    assert kind_of(TARGET) == "exec"
    assert kind_of(PortForwardTarget("s", 1, (80,), "ns/p")) == "portforward"


def test_too_many_waiting_tokens_are_resource_exhausted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RequestCache, "MAX_PENDING", 2)
    cache = RequestCache(clock=lambda: 0.0)
    cache.insert(TARGET)
    cache.insert(TARGET)
    with pytest.raises(CRIError) as err:
        cache.insert(TARGET)
    assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED


def frame(stream: int, data: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(data).to_bytes(4, "big") + data


def test_docker_frames_are_split_as_they_arrive() -> None:
    wire = frame(STDOUT, b"hello") + frame(STDERR, b"oops") + frame(STDOUT, b"")
    demux = Demuxer()
    got: list[tuple[int, bytes]] = []
    for byte in wire:
        got += demux.feed(bytes([byte]))
    joined: dict[int, bytes] = {}
    for stream, data in got:
        joined[stream] = joined.get(stream, b"") + data
    assert joined == {STDOUT: b"hello", STDERR: b"oops"}
    assert Demuxer().feed(wire) == [(STDOUT, b"hello"), (STDERR, b"oops")]


def test_streaming_addresses() -> None:
    assert parse_address("127.0.0.1:0") == ("127.0.0.1", 0)
    assert parse_address("[::1]:10010") == ("::1", 10010)
    with pytest.raises(ValueError):
        parse_address("localhost")
