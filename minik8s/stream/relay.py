"""One client's WebSocket relayed to the next hop's, message by message.

The API server relays a client's exec/attach/port-forward stream to the pod's kubelet,
and the kubelet relays it to the CRI shim's streaming server, which speaks the protocol.
A hop never looks inside a message: binary and text messages pass unchanged and in order
(SPDY-in-WebSocket survives because the byte stream's order is kept), which is why one
relay serves every subprotocol.

`proxy()`:
1. dials the upstream URL offering exactly the subprotocols the client offered;
2. if the upstream refuses the handshake, the client gets the refusal (as the caller's
   `refused(code, text)` response; the API server turns it into a `Status`), and if it
   cannot be reached, `unreachable(text)`; nothing was accepted, so a client that falls
   back (kubectl tries SPDY after a non-101 answer) sees a plain HTTP error;
3. accepts the client with the subprotocol the upstream chose, then pumps both ways until
   either side closes; the other side is then closed with the same code (a vanished client
   closes the upstream with 1001, a vanished upstream closes the client with 1011).

Concurrency: two pump tasks per session on the caller's event loop; each `send` waits for
its side's flow control, so a slow reader slows its writer and nothing queues without
bound. Both tasks are always awaited and both connections always closed, so a session
leaves no task or socket behind however it ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.responses import Response
from starlette.websockets import WebSocket
from wsproto.utilities import RemoteProtocolError

from .websocket import OPEN_TIMEOUT, Closed, Endpoint, Refused, ServerSide, connect

# Close codes that may not be sent in a close frame (RFC 6455 7.4.1)
_UNSENDABLE = frozenset({1005, 1006, 1015})


async def proxy(
    client: WebSocket,
    url: str,
    *,
    refused: Callable[[int, str], Response],
    unreachable: Callable[[str], Response],
    open_timeout: float = OPEN_TIMEOUT,
) -> None:
    """Relays `client` to the WebSocket at `url` until either side closes (module doc)."""
    offered = [str(p) for p in client.scope.get("subprotocols") or []]
    try:
        upstream = await connect(url, offered, open_timeout=open_timeout)
    except Refused as e:
        text = e.body.decode(errors="replace").strip()
        await client.send_denial_response(refused(e.status, text))
        return
    except (OSError, TimeoutError, RemoteProtocolError) as e:
        await client.send_denial_response(unreachable(f"{type(e).__name__}: {e}"))
        return
    try:
        await client.accept(subprotocol=upstream.subprotocol)
        await relay(ServerSide(client), upstream)
    finally:
        await upstream.close()


async def relay(client: Endpoint, upstream: Endpoint) -> None:
    """Pumps messages both ways until one side closes, then closes the other."""
    up = asyncio.create_task(_copy(client, upstream), name="relay-up")
    down = asyncio.create_task(_copy(upstream, client), name="relay-down")
    try:
        done, _ = await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (up, down):
            task.cancel()
        await asyncio.gather(up, down, return_exceptions=True)
    ended = next(iter(done)).result()  # the side that closed first
    if ended is upstream:
        code = upstream.close_code
        await client.close(1011 if code in (None, 1006) else 1000 if code in _UNSENDABLE else code)
    else:
        code = client.close_code
        await upstream.close(1001 if code is None or code in _UNSENDABLE else code)


async def _copy(source: Endpoint, sink: Endpoint) -> Endpoint:
    """Copies until one side closes; answers that side."""
    while (message := await source.recv()) is not None:
        try:
            await sink.send(message)
        except Closed:
            return sink
    return source
