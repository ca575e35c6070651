"""Port-forward over SPDY/3.1 tunnelled in WebSocket binary messages: kubectl 1.31+.

For each local connection kubectl opens two SPDY streams carrying the headers
`streamtype` (`error`, then `data`), `port` and `requestid`; the two streams of one
request are a pair. The session answers each stream with SYN_REPLY and, once a pair is
whole, connects to the port inside the pod and copies the data stream both ways (a FIN
from kubectl half-closes the pod connection). When the pod closes its side the data stream
gets FIN, then the error stream does; a connection that fails (nothing listens on the port)
writes its reason on the error stream instead. A pair still incomplete after 30 s gets
"timed out waiting for streams" on its error stream.

Errors stay with their stream (RST_STREAM), as in spdystream:
- SYN_STREAM with an even id or one not above the last: PROTOCOL_ERROR; headers missing
  or wrong (no port, a port out of range, an unknown stream type): PROTOCOL_ERROR; a
  second stream of the same type for a request: PROTOCOL_ERROR, and the request's error
  stream says why; after GOAWAY: REFUSED_STREAM;
- DATA for a stream never opened: INVALID_STREAM; after the client's FIN on it:
  STREAM_ALREADY_CLOSED (and its pair ends); for a stream this side has finished: dropped
  (it was in flight);
- RST_STREAM from kubectl (it resets a data stream once the pod's side is done, or when
  the local connection failed) ends that pair's connection; the error stream is still
  finished, since kubectl waits for it.
PING from kubectl is echoed; GOAWAY stops new streams and the session closes once the last
pair is done; SETTINGS, WINDOW_UPDATE and HEADERS are ignored (spdystream uses no flow
control). A byte stream that cannot be followed (`spdy.SessionError`) ends the session
with GOAWAY(PROTOCOL_ERROR) and WebSocket close 1002.

Concurrency: the session task reads frames and handles them in order; each pair has one
task (from its first stream to its end) that also owns the pod connection. Every frame is
built and sent under one lock, because header compression makes byte order matter.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from minik8s.stream import spdy
from minik8s.stream.websocket import Closed, Endpoint

from . import forward
from .netns import Dialer
from .requests import PortForwardTarget

log = logging.getLogger(__name__)

CREATION_TIMEOUT = 30.0  # seconds a request's second stream may take to arrive
ERROR, DATA = "error", "data"


@dataclass
class _Stream:
    id: int
    kind: str
    port: int
    request: str
    remote_done: bool = False  # the client sent FIN
    reset: bool = False  # the client sent RST_STREAM


@dataclass
class _Pair:
    request: str
    streams: dict[str, _Stream] = field(default_factory=dict)
    queue: forward.Inbound = field(default_factory=forward.inbound)
    complete: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class SpdyPortForward:
    def __init__(self, ws: Endpoint, target: PortForwardTarget, dialer: Dialer) -> None:
        self.ws = ws
        self.target = target
        self.dialer = dialer
        self.reader = spdy.Reader()
        self.writer = spdy.Writer()
        self.lock = asyncio.Lock()
        self.streams: dict[int, _Stream] = {}
        self.pairs: dict[str, _Pair] = {}
        self.last_id = 0
        self.going_away = False

    async def run(self) -> str:
        try:
            while (msg := await self.ws.recv()) is not None:
                if isinstance(msg, str):
                    raise spdy.SessionError("a text message in a SPDY tunnel")
                for frame in self.reader.feed(msg):
                    await self._handle(frame)
            return "done"
        except spdy.SessionError as e:
            log.debug("port-forward: %s", e)
            last, status = self.last_id, e.status
            with contextlib.suppress(Closed):
                await self._send(lambda w: w.goaway(last, status))
            await self.ws.close(1002, str(e)[:120])
            return "protocol-error"
        except Closed:
            return "gone"
        finally:
            tasks = [p.task for p in self.pairs.values() if p.task is not None]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _send(self, build: Callable[[spdy.Writer], bytes]) -> None:
        async with self.lock:
            await self.ws.send(build(self.writer))

    async def _rst(self, stream_id: int, status: int) -> None:
        await self._send(lambda w: w.rst_stream(stream_id, status))

    async def _handle(self, frame: spdy.Read) -> None:
        if isinstance(frame, spdy.SynStream):
            await self._open(frame)
        elif isinstance(frame, spdy.Data):
            await self._data(frame)
        elif isinstance(frame, spdy.RstStream):
            self._client_reset(frame.stream_id)
        elif isinstance(frame, spdy.Ping):
            if frame.ping_id % 2 == 1:  # the client's own ping; even ids would be ours
                await self._send(lambda w: w.ping(frame.ping_id))
        elif isinstance(frame, spdy.GoAway):
            self.going_away = True
            if not self.pairs:
                await self.ws.close(1000)
        elif isinstance(frame, spdy.Bad):
            if frame.stream_id % 2 == 1:
                self.last_id = max(self.last_id, frame.stream_id)
            log.debug("port-forward: stream %d: %s", frame.stream_id, frame.reason)
            await self._rst(frame.stream_id, frame.status)
        elif isinstance(frame, spdy.SynReply | spdy.HeadersFrame):
            if frame.stream_id not in self.streams:
                await self._rst(frame.stream_id, spdy.INVALID_STREAM)
            elif isinstance(frame, spdy.SynReply):  # replies answer our streams; we open none
                await self._rst(frame.stream_id, spdy.PROTOCOL_ERROR)
        # SETTINGS and WINDOW_UPDATE: nothing to do

    async def _open(self, frame: spdy.SynStream) -> None:
        sid = frame.stream_id
        if sid % 2 == 0 or sid <= self.last_id:
            await self._rst(sid, spdy.PROTOCOL_ERROR)
            return
        self.last_id = sid
        if self.going_away:
            await self._rst(sid, spdy.REFUSED_STREAM)
            return
        try:
            stream = _describe(frame)
        except ValueError as e:
            log.debug("port-forward: stream %d refused: %s", sid, e)
            await self._rst(sid, spdy.PROTOCOL_ERROR)
            return
        await self._send(lambda w: w.syn_reply(sid))
        pair = self.pairs.get(stream.request)
        if pair is None:
            pair = self.pairs[stream.request] = _Pair(stream.request)
            pair.task = asyncio.create_task(self._pair_life(pair), name=f"pf-{stream.request}")
        if stream.kind in pair.streams:
            await self._error_text(
                pair,
                f"error processing stream for request {stream.request}: "
                f"{stream.kind} stream already assigned",
            )
            await self._rst(sid, spdy.PROTOCOL_ERROR)
            return
        pair.streams[stream.kind] = stream
        self.streams[sid] = stream
        if stream.kind == DATA and stream.remote_done:
            pair.queue.put_nowait(None)
        if len(pair.streams) == 2:
            pair.complete.set()

    async def _data(self, frame: spdy.Data) -> None:
        stream = self.streams.get(frame.stream_id)
        if stream is None:
            if frame.stream_id % 2 == 0 or frame.stream_id > self.last_id:
                await self._rst(frame.stream_id, spdy.INVALID_STREAM)
            return  # a stream finished here: the frame was in flight
        if stream.remote_done:
            await self._rst(stream.id, spdy.STREAM_ALREADY_CLOSED)
            self._client_reset(stream.id)
            return
        stream.remote_done = frame.fin
        pair = self.pairs.get(stream.request)
        if stream.kind != DATA or pair is None:
            return  # the client never writes on an error stream; nothing to do if it does
        if frame.data:
            await pair.queue.put(frame.data)
        if frame.fin:
            await pair.queue.put(None)

    def _client_reset(self, stream_id: int) -> None:
        stream = self.streams.pop(stream_id, None)
        if stream is None:
            return
        stream.reset = True
        pair = self.pairs.get(stream.request)
        if pair is not None and stream.kind == DATA and pair.task is not None:
            pair.task.cancel()  # its finally still finishes the error stream

    async def _pair_life(self, pair: _Pair) -> None:
        try:
            try:
                async with asyncio.timeout(CREATION_TIMEOUT):  # see netns.Dialer.connect
                    await pair.complete.wait()
            except TimeoutError:
                await self._error_text(pair, f"timed out waiting for streams of {pair.request}")
                return
            await self._forward(pair)
        finally:
            await self._close_pair(pair)

    async def _forward(self, pair: _Pair) -> None:
        data = pair.streams[DATA]
        try:
            sock = await self.dialer.connect(self.target.pid, data.port)
        except OSError as e:
            await self._error_text(
                pair,
                f"error forwarding port {data.port} to pod {self.target.name}, uid : "
                f"{forward.describe(e, data.port)}",
            )
            return

        async def send(chunk: bytes) -> None:
            await self._send(lambda w: w.data(data.id, chunk))

        await forward.forward(sock, pair.queue, send)

    async def _error_text(self, pair: _Pair, text: str) -> None:
        error = pair.streams.get(ERROR)
        if error is not None and not error.reset:
            await self._send(lambda w: w.data(error.id, text.encode()))

    async def _close_pair(self, pair: _Pair) -> None:
        """FIN on the pair's streams (data first: kubectl waits for both) and forget it."""
        self.pairs.pop(pair.request, None)
        while not pair.queue.empty():  # a reader waiting to queue for this pair goes on
            pair.queue.get_nowait()
        with contextlib.suppress(Closed):
            for kind in (DATA, ERROR):
                stream = pair.streams.get(kind)
                if stream is None:
                    continue
                self.streams.pop(stream.id, None)
                if not stream.reset:
                    await self._send(functools.partial(_fin, stream_id=stream.id))
            if self.going_away and not self.pairs:
                await self.ws.close(1000)


def _fin(writer: spdy.Writer, stream_id: int) -> bytes:
    return writer.data(stream_id, fin=True)


def _describe(frame: spdy.SynStream) -> _Stream:
    """The stream's type, port and request id; ValueError if the headers say otherwise."""
    kind = spdy.header_value(frame.headers, "streamtype")
    if kind not in (ERROR, DATA):
        raise ValueError(f"invalid stream type {kind!r}")
    text = spdy.header_value(frame.headers, "port")
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"unable to parse {text!r} as a port")
    request = spdy.header_value(frame.headers, "requestid")
    if not request:
        # clients older than request ids: error and data streams are consecutive odd ids
        request = str(frame.stream_id if kind == ERROR else frame.stream_id - 2)
    return _Stream(frame.stream_id, kind, int(text), request, remote_done=frame.fin)
