"""Docker exec and attach as asyncio streams, through the Docker SDK's hijacked sockets.

`POST /exec/{id}/start` and `POST /containers/{id}/attach` with `Connection: Upgrade,
Upgrade: tcp` answer `101 UPGRADED`, after which the HTTP connection carries the process's
stdin one way and its output the other. The SDK makes the request on the session's own
client in a worker thread; the socket is then detached from the SDK's objects and handed
to the event loop.

Two details make it exact:
- http.client may have read past the 101 header into its buffer (a fast `echo` can finish
  before the header is parsed): those bytes are taken out of the buffer without blocking
  and delivered before anything read from the socket;
- shutting down the socket's write side is how stdin ends: Docker closes the process's
  stdin (with `StdinOnce`, the container's), so `cat` and `tar -x` see EOF.

Output without a TTY is multiplexed: frames of an 8-byte header (stream 1 stdout or 2
stderr, then a 32-bit big-endian length) and the payload; `Demuxer` splits it as it
arrives, without waiting for whole frames. With a TTY the output is raw.

Each session makes its Docker calls on a client of its own (`session_client`), closed
when the session ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from dataclasses import dataclass
from typing import Any

from docker import APIClient
from prometheus_client import Gauge

from cridocker.backend import Docker

_UPGRADE = {"Connection": "Upgrade", "Upgrade": "tcp"}
_SETUP_TIMEOUT = 30.0  # seconds for create + start, or attach, to answer
READ_SIZE = 32 * 1024

STDOUT, STDERR = 1, 2


DOCKER_STREAMS = Gauge(
    "cri_streaming_docker_streams", "Hijacked Docker connections of exec and attach sessions open."
)


@dataclass
class Hijacked:
    """The process's end of a hijacked Docker connection."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    leftover: bytes = b""
    closed: bool = False

    def __post_init__(self) -> None:
        DOCKER_STREAMS.inc()

    async def read(self) -> bytes:
        """The next output bytes; b"" at the end."""
        if self.leftover:
            data, self.leftover = self.leftover, b""
            return data
        return await self.reader.read(READ_SIZE)

    async def write(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)
            await self.writer.drain()

    def end_input(self) -> None:
        """Half-closes the connection: the process's stdin ends."""
        if not self.writer.is_closing() and self.writer.can_write_eof():
            self.writer.write_eof()

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        DOCKER_STREAMS.dec()
        self.writer.close()
        with contextlib.suppress(OSError, asyncio.CancelledError):
            await self.writer.wait_closed()


def _detach(response: Any) -> tuple[socket.socket, bytes]:
    """The response's socket, taken from the SDK, and the bytes its buffer read ahead."""
    buffered = response.raw._fp.fp  # http.client's BufferedReader on the connection
    raw: socket.socket = buffered.raw._sock
    raw.setblocking(False)
    try:
        leftover = buffered.read1(1 << 20) or b""  # buffer first; never blocks now
    except BlockingIOError:
        leftover = b""
    return socket.socket(fileno=raw.detach()), leftover


async def session_client(docker: Docker) -> APIClient:
    """A Docker client for one session's calls, to close when it ends.

    Docker's SDK keeps a connection pool per URL, and a session's URLs (its exec's) are
    used by nobody else: on the shared client each session would leave an idle connection
    behind until the pool of pools evicts it."""
    return await docker.call(
        "client", lambda shared: docker.new_client(timeout=_SETUP_TIMEOUT), "a Docker client"
    )


async def _hijack(docker: Docker, api: APIClient, operation: str, doing: str, start: Any) -> Any:
    """Runs `start(api)` (which answers (result, response)) and takes the socket."""
    abandoned = threading.Event()  # the caller stopped waiting: nobody will close the socket

    def run(shared: APIClient) -> Any:
        result, response = start(api)
        api._raise_for_status(response)  # type: ignore[attr-defined]  # SDK internals
        sock, leftover = _detach(response)
        if abandoned.is_set():
            sock.close()
        return result, sock, leftover

    try:
        result, sock, leftover = await docker.call(operation, run, doing, timeout=_SETUP_TIMEOUT)
    except BaseException:
        abandoned.set()
        raise
    try:
        reader, writer = await asyncio.open_connection(sock=sock, limit=READ_SIZE * 4)
    except BaseException:
        sock.close()
        raise
    return result, Hijacked(reader, writer, leftover)


async def start_exec(
    docker: Docker,
    api: APIClient,
    container_id: str,
    cmd: list[str],
    *,
    tty: bool,
    stdin: bool,
    stdout: bool,
    stderr: bool,
) -> tuple[str, Hijacked]:
    """Creates and starts an exec; (exec ID, its streams)."""

    def start(api: APIClient) -> tuple[str, Any]:
        created = api.exec_create(
            container_id, cmd, stdout=stdout, stderr=stderr, stdin=stdin, tty=tty
        )
        exec_id = str(created["Id"])
        response = api._post_json(  # type: ignore[attr-defined]  # as exec_start does
            api._url("/exec/{0}/start", exec_id),  # type: ignore[attr-defined]
            headers=_UPGRADE,
            data={"Tty": tty, "Detach": False},
            stream=True,
        )
        return exec_id, response

    doing = f"exec in {container_id[:12]}"
    exec_id, stream = await _hijack(docker, api, "exec_start", doing, start)
    return str(exec_id), stream


async def start_attach(
    docker: Docker, api: APIClient, container_id: str, *, stdin: bool, stdout: bool, stderr: bool
) -> tuple[bool, Hijacked]:
    """Attaches to the container's main process; (whether it has a TTY, its streams)."""

    def start(api: APIClient) -> tuple[bool, Any]:
        tty = bool((api.inspect_container(container_id).get("Config") or {}).get("Tty"))
        params = {
            "stdin": int(stdin),
            "stdout": int(stdout),
            "stderr": int(stderr),
            "stream": 1,
            "logs": 0,
        }
        response = api.post(  # as attach_socket does, keeping the response
            api._url("/containers/{0}/attach", container_id),  # type: ignore[attr-defined]
            None,
            params=params,
            stream=True,
            headers=_UPGRADE,
        )
        return tty, response

    doing = f"attach to {container_id[:12]}"
    tty, stream = await _hijack(docker, api, "attach", doing, start)
    return bool(tty), stream


class Demuxer:
    """Splits Docker's multiplexed output into (stream, bytes) pieces as bytes arrive."""

    HEADER = 8

    def __init__(self) -> None:
        self._header = b""
        self._left = 0
        self._stream = STDOUT

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        out: list[tuple[int, bytes]] = []
        view = memoryview(data)
        while view:
            if self._left == 0:
                need = self.HEADER - len(self._header)
                self._header += bytes(view[:need])
                view = view[need:]
                if len(self._header) < self.HEADER:
                    break
                self._stream = self._header[0]
                self._left = int.from_bytes(self._header[4:8], "big")
                self._header = b""
                continue
            piece = bytes(view[: self._left])
            view = view[len(piece) :]
            self._left -= len(piece)
            out.append((self._stream, piece))
        return out
