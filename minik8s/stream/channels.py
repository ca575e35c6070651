"""The WebSocket channel protocol of exec, attach and port-forward (`*.channel.k8s.io`).

Every binary message starts with one byte naming its channel; the rest is that channel's
data. Exec and attach use 0 stdin, 1 stdout, 2 stderr, 3 error and 4 resize:

- the server first sends an empty message on the lowest channel it will write (stdout,
  else stderr, else error), so the client knows the session is open;
- the error channel carries one `Status` (JSON) when the session ends: `Success`, or
  `Failure` with reason `NonZeroExitCode` and a cause of type `ExitCode` whose message is
  the exit code (kubectl exits with it; the Python client reads `causes[0].message`);
- the resize channel carries `{"Width": W, "Height": H}` objects (TTY sessions only);
- v5 adds CLOSE: the message `[255, channel]` half-closes that channel, which is how a
  client ends stdin (`cat`, `tar -x` then see EOF). v4 has no way to end stdin but to
  close the whole connection.

Port-forward over this protocol (the Python client's `portforward()`) gives port i of the
request a data channel 2i and an error channel 2i+1; the server's first message on each
is the port as 2 bytes little-endian.

The subprotocol is chosen in the client's order of preference, as Kubernetes does.
Everything here is pure; the endpoints that use it do the I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
# kubectl 1.31+ port-forward: SPDY/3.1 frames inside WebSocket binary messages (KEP-4006)
SPDY_PORTFORWARD = "SPDY/3.1+portforward.k8s.io"

EXEC_PROTOCOLS = (V5, V4)
PORTFORWARD_PROTOCOLS = (SPDY_PORTFORWARD, V4)

STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255  # v5 only: [CLOSE, channel] half-closes a channel

NON_ZERO_EXIT = "NonZeroExitCode"
EXIT_CODE_CAUSE = "ExitCode"

_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


class ProtocolError(Exception):
    """A message the channel protocol does not allow."""


def flag(value: str | None) -> bool:
    """A query-string boolean as Go's `strconv.ParseBool` reads it (the Python client
    sends `True`); anything else is false, as Kubernetes' exec options treat it."""
    return value in _TRUE


def select(offered: Iterable[str], served: Sequence[str]) -> str | None:
    """The first subprotocol the client offered that the server serves, or None."""
    for protocol in offered:
        if protocol in served:
            return protocol
    return None


def offered(header: str | None) -> list[str]:
    """The subprotocols of a `Sec-WebSocket-Protocol` header, in the client's order."""
    return [p.strip() for p in (header or "").split(",") if p.strip()]


def message(channel: int, data: bytes = b"") -> bytes:
    return bytes((channel,)) + data


def split(msg: bytes | str) -> tuple[int, bytes]:
    """(channel, data) of one message; text messages are read as their UTF-8 bytes."""
    raw = msg.encode() if isinstance(msg, str) else msg
    if not raw:
        raise ProtocolError("an empty message has no channel byte")
    return raw[0], raw[1:]


def close_message(channel: int) -> bytes:
    return bytes((CLOSE, channel))


def closed_channel(data: bytes) -> int:
    """The channel a v5 CLOSE message (already split off its 255) closes."""
    if len(data) != 1:
        raise ProtocolError(f"a CLOSE message names one channel, not {len(data)} bytes")
    return data[0]


def success() -> dict[str, Any]:
    return {"metadata": {}, "status": "Success"}


def exit_status(code: int, command: Sequence[str] = ()) -> dict[str, Any]:
    """The `Status` of a command that exited with `code` (not 0)."""
    what = f"command '{' '.join(command)}'" if command else "the command"
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: {what} exited with {code}",
        "reason": NON_ZERO_EXIT,
        "details": {"causes": [{"reason": EXIT_CODE_CAUSE, "message": str(code)}]},
    }


def failure(message: str, reason: str = "InternalError", code: int = 500) -> dict[str, Any]:
    """The `Status` of a session that failed for a reason other than the exit code."""
    return {
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": {"causes": [{"message": message}]},
        "code": code,
    }


def status_message(status: dict[str, Any]) -> bytes:
    return message(ERROR, json.dumps(status, separators=(",", ":")).encode())


def exit_code_of(status: dict[str, Any]) -> int | None:
    """The exit code a client reads from an error-channel `Status`: 0 for Success, the
    `ExitCode` cause for NonZeroExitCode, None for any other failure."""
    if status.get("status") == "Success":
        return 0
    if status.get("reason") != NON_ZERO_EXIT:
        return None
    for cause in (status.get("details") or {}).get("causes") or []:
        if cause.get("reason") == EXIT_CODE_CAUSE:
            try:
                return int(cause.get("message", ""))
            except ValueError:
                return None
    return None


class ResizeReader:
    """Terminal sizes from the resize channel: JSON objects that may be split across
    messages or share one (Kubernetes reads the channel with a streaming decoder)."""

    MAX_PENDING = 4096  # a size is ~30 bytes; more without a complete object is garbage

    def __init__(self) -> None:
        self._pending = ""
        self._decoder = json.JSONDecoder()

    def feed(self, data: bytes) -> list[tuple[int, int]]:
        """The (width, height) pairs completed by `data`; ProtocolError on garbage."""
        self._pending += data.decode(errors="replace")
        sizes: list[tuple[int, int]] = []
        while True:
            text = self._pending.lstrip()
            if not text:
                self._pending = ""
                return sizes
            try:
                obj, end = self._decoder.raw_decode(text)
            except json.JSONDecodeError:
                if len(text) > self.MAX_PENDING:
                    raise ProtocolError("the resize channel carries no JSON size") from None
                self._pending = text
                return sizes
            self._pending = text[end:]
            sizes.append(_size(obj))


def _size(obj: Any) -> tuple[int, int]:
    if not isinstance(obj, dict):
        raise ProtocolError("a terminal size is a JSON object")
    width, height = obj.get("Width", 0), obj.get("Height", 0)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (width, height)):
        raise ProtocolError("Width and Height are integers")
    if not (0 <= width <= 0xFFFF and 0 <= height <= 0xFFFF):
        raise ProtocolError("Width and Height are 16-bit")
    return width, height


def resize_message(width: int, height: int) -> bytes:
    return message(RESIZE, json.dumps({"Width": width, "Height": height}).encode())


# ---- port-forward over channels


def ports_of(values: Iterable[str]) -> list[int]:
    """The `ports` query values (repeated or comma-separated) as port numbers; ValueError
    names the first bad one."""
    ports: list[int] = []
    for value in values:
        for word in value.split(","):
            word = word.strip()
            try:
                port = int(word)
            except ValueError:
                raise ValueError(f"invalid port {word!r}") from None
            if not 0 < port < 65536:
                raise ValueError(f"port {port} must be between 1 and 65535")
            if port in ports:
                raise ValueError(f"port {port} is given twice")
            ports.append(port)
    return ports


def port_message(channel: int, port: int) -> bytes:
    """The first message of a port's data or error channel: the port, little-endian."""
    return message(channel, port.to_bytes(2, "little"))
