"""SPDY/3.1 framing, sans-IO: bytes in, frames out; frames in, bytes out.

kubectl's port-forward (client-go's spdystream) opens two SPDY streams per forwarded
connection, an error stream and a data stream, paired by their `requestid` header. Since
kubectl 1.31 the SPDY bytes travel inside WebSocket binary messages whose boundaries mean
nothing, so `Reader.feed` takes any slice of the byte stream and returns the frames it
completes.

Wire format (SPDY/3 draft, section 2):

    control frame: |1|version(15)=3|type(16)|  |flags(8)|length(24)|  data
    data frame:    |0|stream id(31)|           |flags(8)|length(24)|  data

Frames: SYN_STREAM (1), SYN_REPLY (2), RST_STREAM (3), SETTINGS (4), PING (6), GOAWAY (7),
HEADERS (8), WINDOW_UPDATE (9); unknown control types are skipped, as the draft says.
Header blocks (SYN_STREAM, SYN_REPLY, HEADERS) are `count, (len, name, len, value)*` with
4-byte big-endian lengths, names lowercase, several values joined by NUL, compressed with
one zlib stream per direction (primed with `spdydict.DICTIONARY`) that every block of the
connection continues and ends with a sync flush. The compression state makes order matter:
frames must be written in the order `Writer` built them.

Errors come in two sizes. A frame that is well formed but wrong for its stream (bad or
duplicate header names) is returned as `Bad`, for the session to answer RST_STREAM on
that stream alone. A broken byte stream (wrong version, a truncated or undecodable header
block, an oversized frame, stream id 0 where one is required) raises `SessionError`: the
zlib context or the framing is lost, so the session answers GOAWAY and ends.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

from .spdydict import DICTIONARY

VERSION = 3

SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS = 1, 2, 3, 4
PING, GOAWAY, HEADERS, WINDOW_UPDATE = 6, 7, 8, 9

FLAG_FIN = 0x01
FLAG_UNIDIRECTIONAL = 0x02

# RST_STREAM status codes
PROTOCOL_ERROR = 1
INVALID_STREAM = 2
REFUSED_STREAM = 3
UNSUPPORTED_VERSION = 4
CANCEL = 5
INTERNAL_ERROR = 6
FLOW_CONTROL_ERROR = 7
STREAM_IN_USE = 8
STREAM_ALREADY_CLOSED = 9
FRAME_TOO_LARGE = 11

# GOAWAY status codes
GOAWAY_OK = 0
GOAWAY_PROTOCOL_ERROR = 1
GOAWAY_INTERNAL_ERROR = 2

MAX_DATA = (1 << 24) - 1
_HEADER = struct.Struct(">II")

Headers = dict[str, list[str]]


@dataclass(frozen=True)
class SynStream:
    stream_id: int
    headers: Headers
    fin: bool = False
    unidirectional: bool = False
    associated: int = 0
    priority: int = 0


@dataclass(frozen=True)
class SynReply:
    stream_id: int
    headers: Headers = field(default_factory=dict)
    fin: bool = False


@dataclass(frozen=True)
class RstStream:
    stream_id: int
    status: int


@dataclass(frozen=True)
class Settings:
    entries: tuple[tuple[int, int, int], ...]  # (flags, id, value)


@dataclass(frozen=True)
class Ping:
    ping_id: int


@dataclass(frozen=True)
class GoAway:
    last_good: int
    status: int = GOAWAY_OK


@dataclass(frozen=True)
class HeadersFrame:
    stream_id: int
    headers: Headers
    fin: bool = False


@dataclass(frozen=True)
class WindowUpdate:
    stream_id: int
    delta: int


@dataclass(frozen=True)
class Data:
    stream_id: int
    data: bytes
    fin: bool = False


@dataclass(frozen=True)
class Bad:
    """A frame that is wrong for its stream: answer RST_STREAM(status) on that stream."""

    stream_id: int
    status: int
    reason: str


Frame = SynStream | SynReply | RstStream | Settings | Ping | GoAway | HeadersFrame | WindowUpdate
Read = Frame | Data | Bad


class SessionError(Exception):
    """The byte stream cannot be followed any further: GOAWAY with `status` and end."""

    def __init__(self, message: str, status: int = GOAWAY_PROTOCOL_ERROR) -> None:
        super().__init__(message)
        self.status = status


class BadHeaders(Exception):
    """A header block that decoded but breaks the rules (the stream is at fault)."""


def header_value(headers: Headers, name: str) -> str:
    """The first value of `name` (case-insensitive), or ""."""
    values = headers.get(name.lower()) or []
    return values[0] if values else ""


class Reader:
    """Frames out of a byte stream fed in pieces of any size."""

    def __init__(self, max_frame: int = 1 << 20, max_headers: int = 1 << 16) -> None:
        self.max_frame = max_frame
        self.max_headers = max_headers
        self._buffer = bytearray()
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)

    def pending(self) -> int:
        """Bytes received that do not make a whole frame yet."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Read]:
        self._buffer += data
        frames: list[Read] = []
        while len(self._buffer) >= _HEADER.size:
            first, second = _HEADER.unpack_from(self._buffer)
            length = second & 0xFFFFFF
            if length > self.max_frame:
                raise SessionError(f"a frame of {length} bytes is over {self.max_frame}")
            end = _HEADER.size + length
            if len(self._buffer) < end:
                break
            body = bytes(self._buffer[_HEADER.size : end])
            del self._buffer[:end]
            flags = second >> 24
            if first & 0x80000000:
                frame = self._control(first, flags, body)
                if frame is not None:
                    frames.append(frame)
            else:
                stream_id = first & 0x7FFFFFFF
                if stream_id == 0:
                    raise SessionError("a DATA frame for stream 0")
                frames.append(Data(stream_id, body, bool(flags & FLAG_FIN)))
        return frames

    def _control(self, first: int, flags: int, body: bytes) -> Read | None:
        version, kind = (first >> 16) & 0x7FFF, first & 0xFFFF
        if version != VERSION:
            raise SessionError(f"SPDY version {version} is not served (only {VERSION})")
        if kind == SYN_STREAM:
            _need(body, 10, "SYN_STREAM")
            stream_id, associated = _id(body, 0), _id(body, 4)
            if stream_id == 0:
                raise SessionError("SYN_STREAM for stream 0")
            return self._with_headers(
                stream_id,
                body[10:],
                lambda h: SynStream(
                    stream_id,
                    h,
                    fin=bool(flags & FLAG_FIN),
                    unidirectional=bool(flags & FLAG_UNIDIRECTIONAL),
                    associated=associated,
                    priority=body[8] >> 5,
                ),
            )
        if kind in (SYN_REPLY, HEADERS):
            _need(body, 4, "SYN_REPLY/HEADERS")
            stream_id = _id(body, 0)
            if stream_id == 0:
                raise SessionError("a SYN_REPLY or HEADERS frame for stream 0")
            fin = bool(flags & FLAG_FIN)
            if kind == SYN_REPLY:
                return self._with_headers(
                    stream_id, body[4:], lambda h: SynReply(stream_id, h, fin)
                )
            return self._with_headers(
                stream_id, body[4:], lambda h: HeadersFrame(stream_id, h, fin)
            )
        if kind == RST_STREAM:
            _exact(body, 8, "RST_STREAM")
            stream_id, status = _id(body, 0), int.from_bytes(body[4:8], "big")
            if stream_id == 0 or status == 0:
                raise SessionError("RST_STREAM needs a stream id and a status")
            return RstStream(stream_id, status)
        if kind == SETTINGS:
            _need(body, 4, "SETTINGS")
            count = int.from_bytes(body[:4], "big")
            _exact(body, 4 + 8 * count, "SETTINGS")
            entries = tuple(
                (body[at], int.from_bytes(body[at + 1 : at + 4], "big"), _u32(body, at + 4))
                for at in range(4, 4 + 8 * count, 8)
            )
            return Settings(entries)
        if kind == PING:
            _exact(body, 4, "PING")
            return Ping(_u32(body, 0))
        if kind == GOAWAY:
            _exact(body, 8, "GOAWAY")
            return GoAway(_id(body, 0), _u32(body, 4))
        if kind == WINDOW_UPDATE:
            _exact(body, 8, "WINDOW_UPDATE")
            return WindowUpdate(_id(body, 0), _u32(body, 4) & 0x7FFFFFFF)
        return None  # an unknown control frame is ignored

    def _with_headers(self, stream_id: int, block: bytes, build: Callable[[Headers], Read]) -> Read:
        raw = self._inflate_block(block)
        try:
            headers = decode_headers(raw)
        except BadHeaders as e:
            return Bad(stream_id, PROTOCOL_ERROR, str(e))
        return build(headers)

    def _inflate_block(self, block: bytes) -> bytes:
        try:
            raw = self._inflate.decompress(block, self.max_headers + 1)
        except zlib.error as e:
            raise SessionError(f"a header block does not decompress: {e}") from None
        if len(raw) > self.max_headers or self._inflate.unconsumed_tail:
            raise SessionError(f"a header block is over {self.max_headers} bytes")
        return raw


def decode_headers(raw: bytes) -> Headers:
    """A decompressed header block; BadHeaders if it breaks SPDY's rules."""
    try:
        count, at = _u32(raw, 0), 4
        headers: Headers = {}
        for _ in range(count):
            size = _u32(raw, at)
            name = raw[at + 4 : at + 4 + size]
            at += 4 + size
            size = _u32(raw, at)
            value = raw[at + 4 : at + 4 + size]
            if len(value) != size:
                raise IndexError
            at += 4 + size
            text = name.decode()
            if not text or text != text.lower():
                raise BadHeaders(f"header name {text!r} is empty or not lowercase")
            if text in headers:
                raise BadHeaders(f"header {text!r} is given twice")
            headers[text] = value.decode().split("\0")
    except (IndexError, struct.error, UnicodeDecodeError):
        raise BadHeaders("the header block is truncated or not UTF-8") from None
    if at != len(raw):
        raise BadHeaders("the header block has bytes after its last header")
    return headers


def encode_headers(headers: Headers) -> bytes:
    out = bytearray(len(headers).to_bytes(4, "big"))
    for name, values in headers.items():
        key, value = name.lower().encode(), "\0".join(values).encode()
        out += len(key).to_bytes(4, "big") + key + len(value).to_bytes(4, "big") + value
    return bytes(out)


class Writer:
    """Frames to bytes; one per direction of a connection (it owns the zlib stream)."""

    def __init__(self) -> None:
        self._deflate = zlib.compressobj(
            zlib.Z_BEST_COMPRESSION, zlib.DEFLATED, 15, 8, zlib.Z_DEFAULT_STRATEGY, DICTIONARY
        )

    def _block(self, headers: Headers) -> bytes:
        raw = encode_headers(headers)
        return self._deflate.compress(raw) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    def syn_stream(
        self, stream_id: int, headers: Headers, *, fin: bool = False, priority: int = 0
    ) -> bytes:
        body = struct.pack(
            ">IIBB", stream_id & 0x7FFFFFFF, 0, (priority & 7) << 5, 0
        ) + self._block(headers)
        return _control(SYN_STREAM, FLAG_FIN if fin else 0, body)

    def syn_reply(self, stream_id: int, headers: Headers | None = None, fin: bool = False) -> bytes:
        body = (stream_id & 0x7FFFFFFF).to_bytes(4, "big") + self._block(headers or {})
        return _control(SYN_REPLY, FLAG_FIN if fin else 0, body)

    def headers(self, stream_id: int, headers: Headers, fin: bool = False) -> bytes:
        body = (stream_id & 0x7FFFFFFF).to_bytes(4, "big") + self._block(headers)
        return _control(HEADERS, FLAG_FIN if fin else 0, body)

    def rst_stream(self, stream_id: int, status: int) -> bytes:
        return _control(RST_STREAM, 0, struct.pack(">II", stream_id & 0x7FFFFFFF, status))

    def settings(self, entries: tuple[tuple[int, int, int], ...] = ()) -> bytes:
        body = len(entries).to_bytes(4, "big") + b"".join(
            struct.pack(">II", (flags << 24) | (key & 0xFFFFFF), value)
            for flags, key, value in entries
        )
        return _control(SETTINGS, 0, body)

    def ping(self, ping_id: int) -> bytes:
        return _control(PING, 0, ping_id.to_bytes(4, "big"))

    def goaway(self, last_good: int, status: int = GOAWAY_OK) -> bytes:
        return _control(GOAWAY, 0, struct.pack(">II", last_good & 0x7FFFFFFF, status))

    def window_update(self, stream_id: int, delta: int) -> bytes:
        return _control(WINDOW_UPDATE, 0, struct.pack(">II", stream_id, delta & 0x7FFFFFFF))

    def data(self, stream_id: int, data: bytes = b"", fin: bool = False) -> bytes:
        """One DATA frame, or several if `data` is over the 24-bit length; FIN on the last."""
        chunks = [data[i : i + MAX_DATA] for i in range(0, len(data), MAX_DATA)] or [b""]
        out = bytearray()
        for n, chunk in enumerate(chunks):
            flags = FLAG_FIN if fin and n == len(chunks) - 1 else 0
            out += _HEADER.pack(stream_id & 0x7FFFFFFF, (flags << 24) | len(chunk)) + chunk
        return bytes(out)


def _control(kind: int, flags: int, body: bytes) -> bytes:
    if len(body) > MAX_DATA:
        raise ValueError("a control frame is over 16 MiB")
    return _HEADER.pack(0x80000000 | (VERSION << 16) | kind, (flags << 24) | len(body)) + body


def _u32(data: bytes, at: int) -> int:
    if at + 4 > len(data):
        raise IndexError(at)
    return int.from_bytes(data[at : at + 4], "big")


def _id(data: bytes, at: int) -> int:
    return _u32(data, at) & 0x7FFFFFFF


def _need(body: bytes, size: int, what: str) -> None:
    if len(body) < size:
        raise SessionError(f"{what} is {len(body)} bytes, under {size}")


def _exact(body: bytes, size: int, what: str) -> None:
    if len(body) != size:
        raise SessionError(f"{what} is {len(body)} bytes, not {size}")
