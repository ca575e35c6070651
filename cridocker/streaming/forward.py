"""One forwarded TCP connection: the client's bytes to the pod's port and back.

Shared by both port-forward protocols. The client's bytes arrive through a bounded queue
(None marks the client's end of input, which half-closes the connection); the pod's bytes
leave through `send`. The connection lasts until the pod closes its side; a client still
sending then gets a second to finish (as containerd's CRI does) before the connection is
closed. A full queue makes the protocol reader wait: that is the only backpressure the
protocols have, as in Kubernetes' own servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Awaitable, Callable

from prometheus_client import Gauge

READ_SIZE = 32 * 1024
QUEUE_SIZE = 64  # chunks from the client waiting for the pod
GRACE = 1.0  # seconds the client's data may still flow after the pod closed

Inbound = asyncio.Queue[bytes | None]

POD_CONNECTIONS = Gauge(
    "cri_streaming_pod_connections", "Port-forward connections to pods open (in their netns)."
)


def inbound() -> Inbound:
    return asyncio.Queue(QUEUE_SIZE)


async def forward(
    sock: socket.socket, client: Inbound, send: Callable[[bytes], Awaitable[None]]
) -> None:
    """Copies both ways until the pod closes its side (see module doc); owns `sock`."""
    POD_CONNECTIONS.inc()
    try:
        reader, writer = await asyncio.open_connection(sock=sock, limit=READ_SIZE * 2)
    except BaseException:
        sock.close()
        POD_CONNECTIONS.dec()
        raise

    async def to_pod() -> None:
        while (chunk := await client.get()) is not None:
            writer.write(chunk)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

    into = asyncio.create_task(to_pod(), name="forward-in")
    try:
        with contextlib.suppress(OSError):
            while data := await reader.read(READ_SIZE):
                await send(data)
        with contextlib.suppress(TimeoutError, OSError):
            async with asyncio.timeout(GRACE):  # not wait_for: see netns.Dialer.connect
                await asyncio.shield(into)
    finally:
        # What must happen comes before any await: a second cancel (the client reset the
        # stream, then the session ended) may interrupt the rest.
        into.cancel()
        writer.close()
        POD_CONNECTIONS.dec()
        await asyncio.gather(into, return_exceptions=True)
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def describe(err: OSError, port: int) -> str:
    """How a failed connect reads in an error channel or stream."""
    reason = os.strerror(err.errno) if err.errno else str(err) or type(err).__name__
    return f"dial tcp localhost:{port}: connect: {reason.lower()}"
