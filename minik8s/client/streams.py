"""The client side of exec, attach and port-forward: WebSocket sessions through the API
server (`pods/NAME/exec|attach|portforward`), for mkctl and the tests.

Blocking, on `websockets.sync` (which may send and receive from different threads): a
command-line tool reads its stdin, a file or a terminal, in a thread of its own, which an
event loop cannot do for regular files. `dial()` turns a refused handshake into the API
server's `Status` as an `APIError`, so `mkctl exec` into a pod that is not scheduled says
what `kubectl exec` says.

`ChannelSession` speaks the channel protocol (`minik8s.stream.channels`): `v5.channel.k8s.io`
first (it can end stdin), `v4.channel.k8s.io` if that is all the server has. `run()` pumps
stdin in a thread and the output on the calling thread until the server closes, and
answers the error channel's `Status`.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from urllib.parse import urlencode

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from minik8s.api import errors
from minik8s.stream import channels

from .config import ClientConfig
from .rest import Unreachable, error_from_answer

MAX_MESSAGE = 16 * 1024 * 1024
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


def dial(
    config: ClientConfig,
    path: str,
    query: Sequence[tuple[str, str]],
    protocols: Sequence[str],
    timeout: float | None = None,
) -> ClientConnection:
    """A WebSocket to `path` on the API server; APIError if it refuses, Unreachable if it
    cannot be reached."""
    headers = {"User-Agent": "mkctl"}
    if config.token:
        headers["Authorization"] = f"Bearer {config.token}"
    try:
        return connect(
            ws_url(config.server, path, query),
            subprotocols=[Subprotocol(p) for p in protocols],
            additional_headers=headers,
            ssl=_ssl(config),
            open_timeout=timeout or config.timeout,
            max_size=MAX_MESSAGE,
            compression=None,
            user_agent_header=None,
        )
    except InvalidStatus as e:
        body = bytes(e.response.body or b"")
        raise error_from_answer("GET", path, e.response.status_code, body) from None
    except (OSError, TimeoutError, InvalidHandshake) as e:
        raise Unreachable(f"cannot open a stream to {config.server}: {e}") from None


@dataclass
class Outcome:
    """How a session ended: the error channel's Status (None if it never came)."""

    status: dict[str, Any] | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int | None:
        return channels.exit_code_of(self.status) if self.status else None


class ChannelSession:
    """One exec or attach session on an open connection."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.v5 = ws.subprotocol == channels.V5
        self._send_lock = threading.Lock()

    def send(self, channel: int, data: bytes) -> None:
        with self._send_lock:
            self.ws.send(channels.message(channel, data))

    def close_stdin(self) -> None:
        """Ends the process's stdin (v5); v4 cannot, its stdin ends with the connection."""
        if self.v5:
            with self._send_lock:
                self.ws.send(channels.close_message(channels.STDIN))

    def resize(self, width: int, height: int) -> None:
        with self._send_lock:
            self.ws.send(channels.resize_message(width, height))

    def run(
        self,
        stdin: BinaryIO | None,
        stdout: Callable[[bytes], None],
        stderr: Callable[[bytes], None],
    ) -> Outcome:
        """Copies `stdin` (then ends it) and the output until the server closes."""
        pump = None
        if stdin is not None:
            pump = threading.Thread(target=self._copy_stdin, args=(stdin,), daemon=True)
            pump.start()
        outcome = Outcome()
        error = b""
        try:
            for msg in self.ws:
                channel, data = channels.split(msg)
                if channel == channels.STDOUT and data:
                    stdout(data)
                elif channel == channels.STDERR and data:
                    stderr(data)
                elif channel == channels.ERROR:
                    error += data
        except ConnectionClosed:
            pass
        finally:
            self.ws.close()
        if error:
            try:
                outcome.status = json.loads(error)
            except ValueError:
                outcome.status = channels.failure(error.decode(errors="replace"))
        return outcome

    def _copy_stdin(self, stdin: BinaryIO) -> None:
        try:
            while chunk := _read_some(stdin):
                self.send(channels.STDIN, chunk)
            self.close_stdin()
        except (ConnectionClosed, OSError, ValueError):
            pass  # the session ended first, or stdin was closed under us


def _read_some(stream: BinaryIO) -> bytes:
    read1 = getattr(stream, "read1", None)
    if read1 is not None:
        return bytes(read1(CHUNK))
    return stream.read(CHUNK) or b""


def status_error(outcome: Outcome) -> errors.APIError | None:
    """The error a session's Failure Status stands for, other than an exit code."""
    status = outcome.status
    if status is None or status.get("status") == "Success" or outcome.exit_code is not None:
        return None
    return errors.APIError.from_status(
        {"message": status.get("message") or "the stream failed", **status},
        int(status.get("code") or 500),
    )


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
