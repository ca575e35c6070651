"""WebSocket endpoints with one small interface, on wsproto: a client (`connect`) and the
server side of an accepted ASGI socket (`ServerSide`).

Why wsproto: kubectl's port-forward subprotocol, `SPDY/3.1+portforward.k8s.io`, holds a
'/', which RFC 7230 tokens do not allow. The `websockets` library validates the header as
tokens and answers 400 (so does uvicorn's default WebSocket implementation, built on it);
wsproto splits it on commas as gorilla/websocket, Kubernetes' own library, does. Every
server here therefore runs uvicorn with `ws="wsproto"`, and every client is `connect()`.

The interface (`Endpoint`): `recv()` answers the next whole message (bytes or str) or
None once the connection is closed, with `close_code` then set (1006: it vanished without
a close frame); `send()` raises `Closed` when the peer is gone; `close()` is idempotent.

Concurrency: one task may call `recv()` while others `send()` (sends are serialised by a
lock); the client answers pings from within `recv()`, so a connection needs a reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from typing import Protocol
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

MAX_MESSAGE = 16 * 1024 * 1024  # the Python client sends up to 1 MiB + 1 per message
OPEN_TIMEOUT = 10.0
CLOSE_TIMEOUT = 2.0
_READ = 64 * 1024


class Closed(Exception):
    """The connection is closed; `code` is the close code received, if any."""

    def __init__(self, code: int | None = None) -> None:
        super().__init__(f"the WebSocket is closed (code {code})")
        self.code = code


class Refused(Exception):
    """The server answered the handshake with an HTTP status instead of 101."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"HTTP {status}: {body[:200]!r}")
        self.status = status
        self.body = body


class Endpoint(Protocol):
    close_code: int | None

    async def recv(self) -> bytes | str | None: ...

    async def send(self, data: bytes | str) -> None: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...


class ClientSocket:
    """The client end of an open WebSocket (made by `connect`)."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        conn: WSConnection,
        subprotocol: str | None,
        max_message: int,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = conn
        self.subprotocol = subprotocol
        self.max_message = max_message
        self.close_code: int | None = None
        self._messages: deque[bytes | str] = deque()
        self._parts: list[bytes] = []  # of a message still arriving (text as UTF-8)
        self._size = 0
        self._closed = False
        self._reading = False
        self._lock = asyncio.Lock()

    @property
    def closed(self) -> bool:
        return self._closed

    async def recv(self) -> bytes | str | None:
        self._reading = True
        try:
            while not self._messages and not self._closed:
                await self._read_once()
        finally:
            self._reading = False
        return self._messages.popleft() if self._messages else None

    async def _read_once(self) -> None:
        try:
            data = await self.reader.read(_READ)
        except OSError:
            data = b""
        try:
            self.conn.receive_data(data or None)
            for event in self.conn.events():
                await self._handle(event)
        except RemoteProtocolError:
            await self._fail(1002)
            return
        if not data and not self._closed:
            self._finish(1006)

    async def _handle(self, event: Event) -> None:
        if isinstance(event, TextMessage | BytesMessage):
            part = event.data.encode() if isinstance(event, TextMessage) else bytes(event.data)
            self._parts.append(part)
            self._size += len(part)
            if self._size > self.max_message:
                await self._fail(1009)
                return
            if event.message_finished:
                whole = b"".join(self._parts)
                self._messages.append(whole.decode() if isinstance(event, TextMessage) else whole)
                self._parts, self._size = [], 0
        elif isinstance(event, Ping):
            with contextlib.suppress(Closed):
                await self._write(event.response())
        elif isinstance(event, CloseConnection):
            if self.conn.state == ConnectionState.REMOTE_CLOSING:
                with contextlib.suppress(Closed):
                    await self._write(event.response())
            self._finish(event.code)

    async def _write(self, event: Event) -> None:
        async with self._lock:
            try:
                self.writer.write(self.conn.send(event))
                await self.writer.drain()
            except (OSError, LocalProtocolError):
                self._finish(self.close_code or 1006)
                raise Closed(self.close_code) from None

    async def send(self, data: bytes | str) -> None:
        if self._closed:
            raise Closed(self.close_code)
        message: Event = (
            TextMessage(data=data) if isinstance(data, str) else BytesMessage(data=data)
        )
        await self._write(message)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Sends a close frame (unless closed), waits a little for the peer's, and ends
        (the socket is closed even if this is cancelled on the way)."""
        try:
            if not self._closed and self.conn.state == ConnectionState.OPEN:
                with contextlib.suppress(Closed):
                    await self._write(CloseConnection(code=code, reason=reason))
                if not self._reading:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(CLOSE_TIMEOUT):
                            while not self._closed:
                                await self._read_once()
        finally:
            self._finish(self.close_code or code)

    async def _fail(self, code: int) -> None:
        if self.conn.state == ConnectionState.OPEN:
            with contextlib.suppress(Closed):
                await self._write(CloseConnection(code=code))
        self._finish(code)

    def _finish(self, code: int) -> None:
        if self.close_code is None:
            self.close_code = code
        self._closed = True
        self.writer.close()


async def connect(
    url: str,
    subprotocols: list[str] | tuple[str, ...] = (),
    *,
    headers: dict[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
    open_timeout: float = OPEN_TIMEOUT,
    max_message: int = MAX_MESSAGE,
) -> ClientSocket:
    """Opens a WebSocket to `url` (ws://, wss://, or http(s):// as the CRI writes them).

    Raises Refused when the server answers an HTTP status, OSError or TimeoutError when it
    cannot be reached, RemoteProtocolError when it does not speak WebSocket.
    """
    parts = urlsplit(url)
    secure = parts.scheme in ("wss", "https")
    host = parts.hostname or "localhost"
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    extra = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    async with asyncio.timeout(open_timeout):
        reader, writer = await asyncio.open_connection(
            host, port, ssl=(ssl_context or ssl.create_default_context()) if secure else None
        )
        try:
            return await _handshake(
                reader, writer, parts.netloc, target, list(subprotocols), extra, max_message
            )
        except BaseException:
            writer.close()
            raise


async def _handshake(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    netloc: str,
    target: str,
    subprotocols: list[str],
    extra: list[tuple[bytes, bytes]],
    max_message: int,
) -> ClientSocket:
    conn = WSConnection(ConnectionType.CLIENT)
    request = Request(host=netloc, target=target, subprotocols=subprotocols, extra_headers=extra)
    writer.write(conn.send(request))
    await writer.drain()
    status, body = 0, b""
    while True:
        data = await reader.read(_READ)
        conn.receive_data(data or None)
        events = conn.events()
        for event in events:
            if isinstance(event, AcceptConnection):
                sock = ClientSocket(reader, writer, conn, event.subprotocol, max_message)
                for later in events:  # messages that came with the handshake
                    await sock._handle(later)
                return sock
            if isinstance(event, RejectConnection):
                status = event.status_code
                if not event.has_body:
                    raise Refused(status, b"")
            elif isinstance(event, RejectData):
                body += event.data
                if event.body_finished:
                    raise Refused(status, body)
        if not data:
            if status:
                raise Refused(status, body)
            raise ConnectionError("the server closed the connection during the handshake")


class ServerSide:
    """The `Endpoint` of an accepted ASGI WebSocket (Starlette's)."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.close_code: int | None = None
        self._closed = False

    async def recv(self) -> bytes | str | None:
        if self._closed:
            return None
        try:
            message = await self.ws.receive()
        except (RuntimeError, OSError, WebSocketDisconnect):
            message = {"type": "websocket.disconnect", "code": 1006}
        if message["type"] == "websocket.disconnect":
            self.close_code = int(message.get("code") or 1005)
            self._closed = True
            return None
        data = message.get("bytes")
        return data if data is not None else str(message.get("text") or "")

    async def send(self, data: bytes | str) -> None:
        if self._closed:
            raise Closed(self.close_code)
        key = "text" if isinstance(data, str) else "bytes"
        try:
            await self.ws.send({"type": "websocket.send", key: data})
        except (RuntimeError, OSError, WebSocketDisconnect):
            self._closed = True
            raise Closed(self.close_code) from None

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self._closed:
            return
        self._closed = True
        self.close_code = self.close_code or code
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await self.ws.close(code, reason)
