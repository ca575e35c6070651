"""Protocol Buffers' wire format: the few primitives Kubernetes' messages need.

A message is a run of fields, each a tag (`number << 3 | wire type`) and a value: a
varint (type 0: integers, booleans), 8 little-endian bytes (1: doubles), a length and
that many bytes (2: strings, bytes, embedded messages, packed numbers) or 4 bytes (5).
Groups (3 and 4) are long obsolete and Kubernetes never writes them: they are refused.

Readers take the buffer, a position and the end of the enclosing message and return the
value with the position after it. Every read checks its bounds against that end, so a
truncated or hostile body raises `WireError` (never an IndexError, never a read into the
next field). Writers return bytes. Everything here is a pure function: any thread may
call it.
"""

from __future__ import annotations

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5
MAX_FIELD = (1 << 29) - 1
_UINT64 = 1 << 64
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message; the message says where."""


def read_varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """An unsigned varint at `pos` (at most 10 bytes, 64 bits) and the position after it."""
    result = 0
    shift = 0
    while pos < end:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result & (_UINT64 - 1), pos
        shift += 7
        if shift >= 70:
            raise WireError(f"varint longer than 10 bytes at byte {pos - 10}")
    raise WireError(f"truncated varint at byte {pos}")


def read_length(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """A length-delimited value's bounds: (start, stop) of its bytes."""
    if pos < end and buf[pos] < 0x80:
        size = buf[pos]
        pos += 1
    else:
        size, pos = read_varint(buf, pos, end)
    stop = pos + size
    if stop > end:
        raise WireError(f"a length of {size} bytes at byte {pos} runs past the end of its message")
    return pos, stop


def skip(buf: bytes, pos: int, end: int, wire_type: int) -> int:
    """The position after a value of `wire_type` (a field nobody asked for)."""
    if wire_type == VARINT:
        return read_varint(buf, pos, end)[1]
    if wire_type == LENGTH:
        return read_length(buf, pos, end)[1]
    size = 8 if wire_type == FIXED64 else 4 if wire_type == FIXED32 else 0
    if not size:
        raise WireError(f"unsupported wire type {wire_type} at byte {pos}")
    if pos + size > end:
        raise WireError(f"truncated {size}-byte value at byte {pos}")
    return pos + size


def signed(value: int) -> int:
    """A varint's 64 bits as a signed int64 (negative int32s are sign-extended to 64 bits)."""
    return value - _UINT64 if value > _INT64_MAX else value


# --------------------------------------------------------------------------- writing


def varint(value: int) -> bytes:
    """A varint; a negative number is written as its 64-bit two's complement (10 bytes)."""
    if value < 0:
        if value < _INT64_MIN:
            raise WireError(f"{value} does not fit in 64 bits")
        value += _UINT64
    elif value >= _UINT64:
        raise WireError(f"{value} does not fit in 64 bits")
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def tag(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def delimited(number: int, payload: bytes) -> bytes:
    """A length-delimited field: tag, length, bytes."""
    return tag(number, LENGTH) + varint(len(payload)) + payload
