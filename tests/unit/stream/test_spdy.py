"""The SPDY/3.1 framer: round trips, byte-at-a-time feeding, header rules, session errors."""

from __future__ import annotations

import zlib

import pytest

from minik8s.stream import spdy
from minik8s.stream.spdydict import DICTIONARY


def roundtrip(data: bytes) -> list[spdy.Read]:
    return spdy.Reader().feed(data)


def test_the_dictionary_is_the_drafts() -> None:
    # 1423 bytes whose Adler-32 both ends check when inflating
    assert len(DICTIONARY) == 1423
    assert zlib.adler32(DICTIONARY) == 0xE3C6A7C2
    assert DICTIONARY.startswith(b"\x00\x00\x00\x07options\x00\x00\x00\x04head")
    assert DICTIONARY.endswith(b"charset=iso-8859-1,utf-,*,enq=0.")


def test_every_frame_round_trips() -> None:
    w = spdy.Writer()
    headers = {"streamtype": ["data"], "port": ["8080"], "requestid": ["0"]}
    data = b"".join(
        [
            w.syn_stream(1, headers, fin=True, priority=3),
            w.syn_reply(1, {"x": ["a", "b"]}),
            w.headers(1, {"y": ["z"]}, fin=True),
            w.data(1, b"hello", fin=True),
            w.rst_stream(3, spdy.CANCEL),
            w.settings(((0, 7, 65536),)),
            w.ping(5),
            w.goaway(3, spdy.GOAWAY_PROTOCOL_ERROR),
            w.window_update(1, 1024),
        ]
    )
    assert roundtrip(data) == [
        spdy.SynStream(1, headers, fin=True, priority=3),
        spdy.SynReply(1, {"x": ["a", "b"]}),
        spdy.HeadersFrame(1, {"y": ["z"]}, fin=True),
        spdy.Data(1, b"hello", fin=True),
        spdy.RstStream(3, spdy.CANCEL),
        spdy.Settings(((0, 7, 65536),)),
        spdy.Ping(5),
        spdy.GoAway(3, spdy.GOAWAY_PROTOCOL_ERROR),
        spdy.WindowUpdate(1, 1024),
    ]


def test_frames_split_anywhere_come_out_whole() -> None:
    w = spdy.Writer()
    data = w.syn_stream(1, {"a": ["1"]}) + w.data(1, b"x" * 100) + w.syn_stream(3, {"b": ["2"]})
    reader = spdy.Reader()
    frames: list[spdy.Read] = []
    for byte in data:
        frames += reader.feed(bytes([byte]))
    assert frames == [
        spdy.SynStream(1, {"a": ["1"]}),
        spdy.Data(1, b"x" * 100),
        spdy.SynStream(3, {"b": ["2"]}),
    ]
    assert reader.pending() == 0


def test_header_blocks_share_one_compression_context() -> None:
    w, r = spdy.Writer(), spdy.Reader()
    for sid in (1, 3, 5):
        assert r.feed(w.syn_stream(sid, {"port": [str(sid)]})) == [
            spdy.SynStream(sid, {"port": [str(sid)]})
        ]
    # a fresh reader cannot follow the third block alone: the context is lost
    third = spdy.Writer()
    third.syn_stream(1, {"port": ["1"]})
    with pytest.raises(spdy.SessionError):
        spdy.Reader().feed(third.syn_stream(3, {"port": ["3"]}))


def test_bad_headers_are_the_streams_fault() -> None:
    w = spdy.Writer()
    raw = (
        (2).to_bytes(4, "big")
        + b"\x00\x00\x00\x01a\x00\x00\x00\x01x"
        + b"\x00\x00\x00\x01a\x00\x00\x00\x01y"
    )
    block = w._deflate.compress(raw) + w._deflate.flush(zlib.Z_SYNC_FLUSH)
    frame = spdy._control(spdy.SYN_STREAM, 0, b"\x00\x00\x00\x07" + b"\x00" * 6 + block)
    (bad,) = spdy.Reader().feed(frame)
    assert isinstance(bad, spdy.Bad) and (bad.stream_id, bad.status) == (7, spdy.PROTOCOL_ERROR)
    with pytest.raises(spdy.BadHeaders):
        spdy.decode_headers(b"\x00\x00\x00\x01\x00\x00\x00\x01A\x00\x00\x00\x00")


@pytest.mark.parametrize(
    "data",
    [
        b"\x80\x02\x00\x01\x00\x00\x00\x00",  # another SPDY version
        b"\x00\x00\x00\x00\x00\x00\x00\x00",  # DATA for stream 0
        b"\x80\x03\x00\x03\x00\x00\x00\x04\x00\x00\x00\x01",  # a short RST_STREAM
        b"\x80\x03\x00\x06\x00\xff\xff\xff",  # a 16 MiB PING
        b"\x80\x03\x00\x01\x00\x00\x00\x0e" + b"\x00\x00\x00\x01" + b"\x00" * 6 + b"junk",
    ],
)
def test_a_broken_byte_stream_is_a_session_error(data: bytes) -> None:
    with pytest.raises(spdy.SessionError):
        spdy.Reader().feed(data)


def test_unknown_control_frames_are_skipped() -> None:
    unknown = spdy._control(42, 0, b"whatever")
    assert roundtrip(unknown + spdy.Writer().ping(1)) == [spdy.Ping(1)]


def test_large_data_is_split_into_frames_with_fin_on_the_last() -> None:
    data = spdy.Writer().data(1, b"x" * (spdy.MAX_DATA + 10), fin=True)
    frames = spdy.Reader(max_frame=spdy.MAX_DATA).feed(data)
    assert [(len(f.data), f.fin) for f in frames if isinstance(f, spdy.Data)] == [
        (spdy.MAX_DATA, False),
        (10, True),
    ]


def test_a_decompression_bomb_is_refused() -> None:
    w = spdy.Writer()
    huge = {"a": ["x" * 200_000]}
    with pytest.raises(spdy.SessionError, match="over"):
        spdy.Reader(max_headers=65536).feed(w.syn_stream(1, huge))
