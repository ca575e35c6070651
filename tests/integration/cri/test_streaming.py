"""The shim's streaming server on the real Docker engine: the CRI Exec, Attach and
PortForward URLs, dialled as the kubelet does (WebSocket), with the protocols' own bytes.

Exec and attach speak the channel protocol (v5 and v4); port-forward the channel protocol
and SPDY/3.1 in WebSocket messages, checked with the project's framer from the client side.
Bad input stays with its stream and leaves nothing behind (tasks, sockets, processes).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import docker
import grpc
import httpx
import pytest

from minik8s.cri import cri_pb2 as pb
from minik8s.stream import channels, spdy
from minik8s.stream.websocket import ClientSocket, Refused, connect
from tests.integration.cri.helpers import (
    ShimProcess,
    container_config,
    pod_config,
    remove_pod,
    run_pod,
    start_container,
    wait_exited,
    wait_for,
)
from tests.integration.streamkit import SpdyClient

pytestmark = pytest.mark.integration

HTTP_GET = b"GET / HTTP/1.0\r\nHost: pod\r\n\r\n"
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 60))


@dataclass
class Pod:
    sandbox: str
    shell: str  # an idle busybox
    web: str  # minik8s/httpd on 8080


@pytest.fixture(scope="module")
def pod(shim: ShimProcess) -> Iterator[Pod]:
    config = pod_config(shim, "streams")
    sandbox = run_pod(shim, config)
    shell = start_container(shim, sandbox, config, container_config("shell"))
    web = start_container(
        shim, sandbox, config, container_config("web", "minik8s/httpd:latest", None)
    )
    yield Pod(sandbox, shell, web)
    remove_pod(shim, sandbox)


def exec_url(shim: ShimProcess, container: str, *cmd: str, **streams: bool) -> str:
    request = pb.ExecRequest(container_id=container, cmd=list(cmd), **streams)
    return str(shim.rt.Exec(request).url)


def forward_url(shim: ShimProcess, pod: Pod, *ports: int) -> str:
    request = pb.PortForwardRequest(pod_sandbox_id=pod.sandbox, port=list(ports))
    return str(shim.rt.PortForward(request).url)


async def drain(conn: ClientSocket) -> dict[int, bytes]:
    """Every channel's bytes until the server closes."""
    got: dict[int, bytes] = {}
    while (msg := await conn.recv()) is not None:
        assert isinstance(msg, bytes), msg
        channel, data = channels.split(msg)
        got[channel] = got.get(channel, b"") + data
    return got


def status(got: dict[int, bytes]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(got[channels.ERROR])
    return parsed


# --------------------------------------------------------------------------- exec


def test_exec_v5_stdin_close_and_exit_code(shim: ShimProcess, pod: Pod) -> None:
    cmd = ("sh", "-c", "cat; echo err >&2; exit 3")
    url = exec_url(shim, pod.shell, *cmd, stdin=True, stdout=True, stderr=True)

    async def session() -> tuple[str | None, bytes | str | None, dict[int, bytes]]:
        conn = await connect(url, [channels.V5, channels.V4])
        first = await conn.recv()  # the session is open
        await conn.send(channels.message(channels.STDIN, b"hello\n"))
        await conn.send(channels.close_message(channels.STDIN))
        return conn.subprotocol, first, await drain(conn)

    protocol, first, got = run(session())
    assert (protocol, first) == (channels.V5, bytes([channels.STDOUT]))
    assert got[channels.STDOUT] == b"hello\n"
    assert got[channels.STDERR] == b"err\n"
    assert status(got) == channels.exit_status(3, cmd)
    assert channels.exit_code_of(status(got)) == 3


def test_exec_v4_success_and_single_use_url(shim: ShimProcess, pod: Pod) -> None:
    url = exec_url(shim, pod.shell, "echo", "hi", stdout=True, stderr=True)

    async def session() -> tuple[str | None, dict[int, bytes]]:
        conn = await connect(url, [channels.V4])
        return conn.subprotocol, await drain(conn)

    protocol, got = run(session())
    assert protocol == channels.V4
    assert (got[channels.STDOUT], status(got)) == (b"hi\n", {"metadata": {}, "status": "Success"})
    with pytest.raises(Refused) as refused:
        run(connect(url, [channels.V4]))
    assert refused.value.status == 404


def test_exec_with_a_tty_is_resized(shim: ShimProcess, pod: Pod) -> None:
    url = exec_url(shim, pod.shell, "sh", stdin=True, stdout=True, tty=True)

    async def session() -> dict[int, bytes]:
        conn = await connect(url, [channels.V5])
        await conn.send(channels.resize_message(123, 45))
        await conn.send(channels.message(channels.STDIN, b"stty size; exit 7\n"))
        return await drain(conn)

    got = run(session())
    assert b"45 123" in got[channels.STDOUT]
    assert channels.exit_code_of(status(got)) == 7
    assert channels.STDERR not in got  # a TTY merges stderr into stdout


def test_exec_refusals(shim: ShimProcess, pod: Pod) -> None:
    with pytest.raises(grpc.RpcError) as err:
        exec_url(shim, pod.shell, stdout=True)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(grpc.RpcError) as err:
        exec_url(shim, "nope", "true", stdout=True)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    url = exec_url(shim, pod.shell, "true", stdout=True)
    with pytest.raises(Refused) as refused:
        run(connect(url, ["v3.channel.k8s.io"]))
    assert refused.value.status == 400
    assert b"v5.channel.k8s.io" in refused.value.body


def test_an_unknown_channel_ends_that_session_with_a_status(shim: ShimProcess, pod: Pod) -> None:
    url = exec_url(shim, pod.shell, "sleep", "300", stdin=True, stdout=True)

    async def session() -> dict[int, bytes]:
        conn = await connect(url, [channels.V5])
        await conn.recv()
        await conn.send(channels.message(9, b"?"))
        return await drain(conn)

    failure = status(run(session()))
    assert failure["status"] == "Failure" and failure["reason"] == "BadRequest"
    assert "unknown channel 9" in failure["message"]


# --------------------------------------------------------------------------- attach


def test_attach_with_stdin_once(shim: ShimProcess, docker_api: docker.APIClient) -> None:
    config = pod_config(shim, "attach")
    sandbox = run_pod(shim, config)
    cat = container_config("cat", script="cat; echo bye", stdin=True, stdin_once=True)
    container = start_container(shim, sandbox, config, cat)
    inspected = docker_api.inspect_container(container)["Config"]
    assert (inspected["OpenStdin"], inspected["StdinOnce"]) == (True, True)
    request = pb.AttachRequest(container_id=container, stdin=True, stdout=True, stderr=True)
    url = shim.rt.Attach(request).url

    async def session() -> dict[int, bytes]:
        conn = await connect(url, [channels.V5])
        await conn.send(channels.message(channels.STDIN, b"typed\n"))
        await conn.send(channels.close_message(channels.STDIN))
        return await drain(conn)

    got = run(session())
    assert got[channels.STDOUT] == b"typed\nbye\n"
    assert status(got)["status"] == "Success"
    assert wait_exited(shim, container).exit_code == 0
    remove_pod(shim, sandbox)


# --------------------------------------------------------------------------- port-forward


def web_answers(shim: ShimProcess, pod: Pod) -> bool:
    async def session() -> dict[int, bytes]:
        conn = await connect(forward_url(shim, pod, 8080), [channels.V4])
        await conn.send(channels.message(0, HTTP_GET))
        return await drain(conn)

    return b"200 OK" in run(session()).get(0, b"")


def test_port_forward_channels_one_port_fails_alone(shim: ShimProcess, pod: Pod) -> None:
    wait_for(lambda: web_answers(shim, pod), 20, "httpd on 8080")

    async def session() -> tuple[list[bytes | str | None], dict[int, bytes]]:
        conn = await connect(forward_url(shim, pod, 8080, 9), [channels.V4])
        first = [await conn.recv() for _ in range(4)]
        await conn.send(channels.message(0, HTTP_GET))
        return first, await drain(conn)

    first, got = run(session())
    assert first == [
        channels.port_message(0, 8080),
        channels.port_message(1, 8080),
        channels.port_message(2, 9),
        channels.port_message(3, 9),
    ]
    assert b" 200 OK" in got[0] and got[0].endswith(b"streams latest\n")
    assert b"error forwarding port 9 to pod default/streams" in got[3]
    assert b"connection refused" in got[3]


def test_port_forward_spdy_over_websocket(shim: ShimProcess, pod: Pod) -> None:
    wait_for(lambda: web_answers(shim, pod), 20, "httpd on 8080")

    async def session() -> tuple[dict[int, bytes], list[spdy.Read], list[int]]:
        conn = await connect(forward_url(shim, pod), [channels.SPDY_PORTFORWARD])
        assert conn.subprotocol == channels.SPDY_PORTFORWARD
        client = SpdyClient(conn)
        ids = [await client.open("error", 8080, 0, fin=True), await client.open("data", 8080, 0)]
        await conn.send(client.writer.ping(1))
        await conn.send(client.writer.data(ids[1], HTTP_GET, fin=True))
        # another request fails alone: nothing listens on port 9
        ids += [await client.open("error", 9, 1, fin=True), await client.open("data", 9, 1)]
        # DATA for a stream that was never opened: RST_STREAM(INVALID_STREAM) for it alone
        await conn.send(client.writer.data(101, b"stray"))
        seen: dict[int, bytes] = {}
        finished: set[int] = set()
        others: list[spdy.Read] = []
        while not set(ids) <= finished:
            frame = await client.frame()
            if isinstance(frame, spdy.Data):
                seen[frame.stream_id] = seen.get(frame.stream_id, b"") + frame.data
                if frame.fin:
                    finished.add(frame.stream_id)
            else:
                others.append(frame)
        await conn.close()
        return seen, others, ids

    seen, others, (error, data, bad_error, _) = run(session())
    assert b" 200 OK" in seen[data] and seen[data].endswith(b"streams latest\n"), seen
    assert seen.get(error, b"") == b""  # no error for the good request
    assert b"error forwarding port 9" in seen[bad_error]
    assert spdy.Ping(1) in others
    assert spdy.RstStream(101, spdy.INVALID_STREAM) in others
    assert sum(isinstance(f, spdy.SynReply) for f in others) == 4


def test_spdy_stream_errors_stay_with_their_stream(shim: ShimProcess, pod: Pod) -> None:
    async def session() -> list[spdy.Read]:
        conn = await connect(forward_url(shim, pod), [channels.SPDY_PORTFORWARD])
        client = SpdyClient(conn)
        client.next_id = 5
        good = await client.open("error", 8080, 7, fin=True)
        client.next_id = 3  # a stream id lower than the last one: out of order
        low = await client.open("data", 8080, 7)
        client.next_id = 7
        missing_port = await client.open("data", 0, 8)
        frames = [await client.frame() for _ in range(3)]
        assert spdy.SynReply(good) in frames
        assert spdy.RstStream(low, spdy.PROTOCOL_ERROR) in frames
        assert spdy.RstStream(missing_port, spdy.PROTOCOL_ERROR) in frames
        # after FIN on a stream, more DATA is STREAM_ALREADY_CLOSED
        await conn.send(client.writer.data(good, b"late"))
        assert await client.frame() == spdy.RstStream(good, spdy.STREAM_ALREADY_CLOSED)
        # a control frame of another SPDY version: the byte stream is lost, GOAWAY
        await conn.send(b"\x80\x02\x00\x01\x00\x00\x00\x00")
        last = [await client.frame()]
        assert await conn.recv() is None and conn.close_code == 1002
        return last

    (goaway,) = run(session())
    assert goaway == spdy.GoAway(7, spdy.GOAWAY_PROTOCOL_ERROR)


def test_streams_leave_no_task_socket_or_process(
    shim: ShimProcess, pod: Pod, docker_api: docker.APIClient
) -> None:
    wait_for(lambda: web_answers(shim, pod), 20, "httpd on 8080")
    before = shim_counts(shim)

    def sleeping() -> int:  # processes the sessions started
        return sum(row[-1] == "sleep 300" for row in docker_api.top(pod.shell)["Processes"])

    async def cut_off(n: int) -> None:
        url = exec_url(shim, pod.shell, "sleep", "300", stdin=True, stdout=True)
        conn = await connect(url, [channels.V5])
        await conn.recv()
        if n % 2:
            await conn.close()  # cut off mid-stream
        else:
            conn.writer.transport.abort()  # gone without a close frame
        forward = await connect(forward_url(shim, pod, 8080), [channels.V4])
        await forward.recv()
        await forward.send(channels.message(0, b"GET / HT"))  # half a request, then gone
        forward.writer.transport.abort()

    async def sessions() -> None:
        for n in range(20):
            await cut_off(n)

    run(sessions())

    def settled() -> bool:
        return shim_counts(shim) == before and sleeping() == 0

    try:
        wait_for(settled, 30, f"the shim's counts {before} and no exec left")
    except AssertionError:
        raise AssertionError(f"{shim_counts(shim)} != {before}, {sleeping()} left") from None
    assert sleeping() == 0


def shim_counts(shim: ShimProcess) -> tuple[int, int, int]:
    """(asyncio tasks running streams, open sockets, sessions running) of the shim."""
    assert shim.proc is not None
    text = httpx.get(f"http://127.0.0.1:{shim.health_port}/metrics", timeout=10).text
    tasks, sessions = -1, 0.0
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name == "process_asyncio_stream_tasks":
            tasks = int(float(value))
        elif name.startswith("cri_streaming_active_sessions{"):
            sessions += float(value)
    return tasks, sockets_of(shim.proc.pid), int(sessions)


def sockets_of(pid: int) -> int:
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            pass  # closed while listing
    return count
