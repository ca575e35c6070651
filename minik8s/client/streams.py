"""The client side of exec, attach and port-forward: WebSocket sessions through the API
server (`pods/NAME/exec|attach|portforward`), for mkctl and the tests.

`dial()` opens one (wsproto, see `minik8s.stream.websocket`) and turns a refused handshake
into the API server's `Status` as an `APIError`, so `mkctl exec` into a pod that is not
scheduled says what `kubectl exec` says.

`ChannelSession` speaks the channel protocol (`minik8s.stream.channels`), `v5.channel.k8s.io`
first (it can end stdin), `v4.channel.k8s.io` if that is all the server has. `run()` copies
stdin in, the output out and terminal sizes in until the server closes, and answers the
error channel's `Status`. stdin (a terminal, a pipe or a file) is read by a daemon thread,
since an event loop cannot wait on a regular file and a blocked read must not keep the
process alive once the session is over.

`forward()` is one port-forwarded connection over the channel protocol (`portforward`
with one port): the local connection's bytes go to data channel 0, the pod's come back,
and an error on channel 1 is raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import ssl
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urlencode

from wsproto.utilities import RemoteProtocolError

from minik8s.api import errors
from minik8s.stream import channels
from minik8s.stream.websocket import ClientSocket, Closed, Refused, connect

from .config import ClientConfig
from .rest import Unreachable, error_from_answer

CHUNK = 32 * 1024


def ws_url(server: str, path: str, query: Sequence[tuple[str, str]] = ()) -> str:
    base = "wss://" + server[8:] if server.startswith("https://") else "ws://" + server[7:]
    return base.rstrip("/") + path + (f"?{urlencode(list(query))}" if query else "")


def _ssl(config: ClientConfig) -> ssl.SSLContext | None:
    if not config.server.startswith("https://"):
        return None
    context = ssl.create_default_context(cafile=config.ca_file)
    if config.insecure_skip_tls_verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if config.cert_file:
        context.load_cert_chain(config.cert_file, config.key_file)
    return context


async def dial(
    config: ClientConfig,
    path: str,
    query: Sequence[tuple[str, str]],
    protocols: Sequence[str],
) -> ClientSocket:
    """A WebSocket to `path` on the API server; APIError if it refuses, Unreachable if it
    cannot be reached."""
    headers = {"User-Agent": "mkctl"}
    if config.token:
        headers["Authorization"] = f"Bearer {config.token}"
    try:
        return await connect(
            ws_url(config.server, path, query),
            list(protocols),
            headers=headers,
            ssl_context=_ssl(config),
            open_timeout=config.timeout,
        )
    except Refused as e:
        raise error_from_answer("GET", path, e.status, e.body) from None
    except (OSError, TimeoutError, RemoteProtocolError) as e:
        raise Unreachable(f"cannot open a stream to {config.server}: {e}") from None


@dataclass
class Outcome:
    """How a session ended: the error channel's Status (None if it never came)."""

    status: dict[str, Any] | None = None

    @property
    def exit_code(self) -> int | None:
        return channels.exit_code_of(self.status) if self.status else None

    def error(self) -> errors.APIError | None:
        """The failure the Status reports, other than a command's exit code."""
        status = self.status
        if status is None or status.get("status") == "Success" or self.exit_code is not None:
            return None
        message = str(status.get("message") or "the stream failed")
        return errors.APIError.from_status({**status, "message": message}, 500)


class ChannelSession:
    """One exec or attach session on an open connection."""

    def __init__(self, ws: ClientSocket) -> None:
        self.ws = ws
        self.v5 = ws.subprotocol == channels.V5

    async def run(
        self,
        stdin: BinaryIO | None,
        stdout: Callable[[bytes], object],
        stderr: Callable[[bytes], object],
        sizes: AsyncIterator[tuple[int, int]] | None = None,
    ) -> Outcome:
        """Copies until the server closes the session (see module doc)."""
        senders = []
        if stdin is not None:
            senders.append(asyncio.create_task(self._send_stdin(stdin)))
        if sizes is not None:
            senders.append(asyncio.create_task(self._send_sizes(sizes)))
        error = b""
        try:
            while (msg := await self.ws.recv()) is not None:
                channel, data = channels.split(msg)
                if channel == channels.STDOUT and data:
                    stdout(data)
                elif channel == channels.STDERR and data:
                    stderr(data)
                elif channel == channels.ERROR:
                    error += data
        finally:
            for task in senders:
                task.cancel()
            await asyncio.gather(*senders, return_exceptions=True)
            await self.ws.close()
        if not error:
            return Outcome()
        try:
            return Outcome(json.loads(error))
        except ValueError:
            return Outcome(channels.failure(error.decode(errors="replace")))

    async def _send_stdin(self, stdin: BinaryIO) -> None:
        with contextlib.suppress(Closed):
            async for chunk in read_in_thread(stdin):
                await self.ws.send(channels.message(channels.STDIN, chunk))
            if self.v5:  # v4 cannot end stdin but by closing the connection
                await self.ws.send(channels.close_message(channels.STDIN))

    async def _send_sizes(self, sizes: AsyncIterator[tuple[int, int]]) -> None:
        with contextlib.suppress(Closed):
            async for width, height in sizes:
                await self.ws.send(channels.resize_message(width, height))


async def read_in_thread(stream: BinaryIO) -> AsyncIterator[bytes]:
    """Chunks of `stream` read by a daemon thread, until EOF (see module doc)."""
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes] = asyncio.Queue(maxsize=4)

    def read() -> None:
        while True:
            try:
                chunk = _read_some(stream)
            except (OSError, ValueError):
                chunk = b""
            future = asyncio.run_coroutine_threadsafe(chunks.put(chunk), loop)
            try:
                future.result()
            except (RuntimeError, asyncio.CancelledError):
                return  # the loop is gone
            if not chunk:
                return

    threading.Thread(target=read, name="stdin", daemon=True).start()
    while chunk := await chunks.get():
        yield chunk


def _read_some(stream: BinaryIO) -> bytes:
    """Reads from the file descriptor itself when there is one: a daemon thread blocked
    inside a buffered reader would hold its lock when the interpreter exits (and abort it)."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return bytes(stream.read(CHUNK) or b"")
    return os.read(fd, CHUNK)


def exec_query(
    command: Sequence[str], container: str, *, stdin: bool, stdout: bool, stderr: bool, tty: bool
) -> list[tuple[str, str]]:
    """The query of `pods/NAME/exec` (one `command` per word), as kubectl writes it."""
    query = [("command", word) for word in command]
    query += [("container", container)] if container else []
    for name, value in (("stdin", stdin), ("stdout", stdout), ("stderr", stderr), ("tty", tty)):
        if value:
            query.append((name, "true"))
    return query


class ForwardError(Exception):
    """The pod's side of a forwarded connection failed (its error channel's text)."""


async def forward(
    config: ClientConfig,
    namespace: str,
    pod: str,
    port: int,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    linger: float = 2.0,
) -> None:
    """Copies one local connection to `port` in the pod and back, until either side ends.

    The channel protocol cannot tell the pod that the local side stopped writing; once it
    has, the connection lasts while the pod still answers, and ends after `linger` seconds
    without a word from it."""
    path = f"/api/v1/namespaces/{namespace}/pods/{pod}/portforward"
    ws = await dial(config, path, [("ports", str(port))], [channels.V4])
    problem = b""
    local_done = asyncio.Event()

    async def to_pod() -> None:
        with contextlib.suppress(Closed, OSError):
            while data := await reader.read(CHUNK):
                await ws.send(channels.message(0, data))
        local_done.set()

    sending = asyncio.create_task(to_pod())
    opened = {0: False, 1: False}  # each channel's first message is the port
    try:
        while True:
            receiving = asyncio.ensure_future(ws.recv())
            if local_done.is_set():
                done, _ = await asyncio.wait({receiving}, timeout=linger)
                if not done:
                    receiving.cancel()
                    await asyncio.gather(receiving, return_exceptions=True)
                    break
            msg = await receiving
            if msg is None:
                break
            channel, data = channels.split(msg)
            if channel in opened and not opened[channel]:
                opened[channel] = True
            elif channel == 0:
                writer.write(data)
                await writer.drain()
            elif channel == 1:
                problem += data
    except OSError:
        pass  # the local side is gone
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)
        await ws.close()
        writer.close()
    if problem:
        raise ForwardError(problem.decode(errors="replace"))
