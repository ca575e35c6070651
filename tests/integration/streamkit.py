"""Helpers for the stream tests: real kubectl binaries, a pseudo-terminal to run them in,
a kubectl-like SPDY client, and counts of what a daemon holds (tasks, sockets, sessions)."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from minik8s.stream import channels, spdy
from minik8s.stream.websocket import ClientSocket

T = TypeVar("T")
KUBECTL_DIR = Path("/usr/lib/google-cloud-sdk/bin")


def kubectl_binary(version: str | None = None) -> str:
    """`kubectl` (1.32 here) or `kubectl.1.NN`; the test fails if it is missing."""
    name = f"kubectl.{version}" if version else "kubectl"
    found = shutil.which(name) or (
        str(KUBECTL_DIR / name) if (KUBECTL_DIR / name).exists() else None
    )
    if found is None:
        pytest.fail(f"{name} is not installed (see ENVIRONMENT.md: kubectl 1.27-1.33)")
    return found


def run(coro: Coroutine[Any, Any, T], timeout: float = 120) -> T:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def wait_for(check: Any, what: str, timeout: float = 60, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Pty:
    """A command on a pseudo-terminal that is its controlling terminal (so resizing the
    terminal sends it SIGWINCH, as a real one does)."""

    def __init__(self, cmd: list[str], rows: int = 24, cols: int = 80) -> None:
        master, slave = pty.openpty()
        _set_size(slave, rows, cols)

        def controlling_terminal() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, preexec_fn=controlling_terminal
        )
        os.close(slave)
        self.master = master
        self.output = b""

    def expect(self, pattern: bytes, timeout: float = 30) -> re.Match[bytes]:
        """Reads until `pattern` (a regex) appears in what came since the last match."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.output)
            if found:
                self.output = self.output[found.end() :]
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {pattern!r} in {self.output[-500:]!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.output += os.read(self.master, 4096)
                except OSError:  # the command ended and closed the terminal
                    raise AssertionError(f"no {pattern!r} in {self.output[-500:]!r}") from None

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def resize(self, rows: int, cols: int) -> None:
        _set_size(self.master, rows, cols)

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGKILL)
                self.proc.wait(5)
            os.close(self.master)


def _set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class SpdyClient:
    """kubectl's side of port-forward over `SPDY/3.1+portforward.k8s.io`, from the framer."""

    def __init__(self, conn: ClientSocket) -> None:
        self.conn = conn
        self.writer = spdy.Writer()
        self.reader = spdy.Reader()
        self.next_id = 1
        self.pending: list[spdy.Read] = []

    async def open(self, kind: str, port: int, request: int, fin: bool = False) -> int:
        sid, self.next_id = self.next_id, self.next_id + 2
        headers = {"streamtype": [kind], "port": [str(port)], "requestid": [str(request)]}
        await self.conn.send(self.writer.syn_stream(sid, headers, fin=fin))
        return sid

    async def frame(self) -> spdy.Read:
        while not self.pending:
            msg = await self.conn.recv()
            assert isinstance(msg, bytes), f"the session closed ({self.conn.close_code})"
            self.pending += self.reader.feed(msg)
        return self.pending.pop(0)

    async def until_finished(self, *ids: int) -> tuple[dict[int, bytes], list[spdy.Read]]:
        """Data per stream until each of `ids` got FIN, and every other frame."""
        seen: dict[int, bytes] = {}
        others: list[spdy.Read] = []
        finished: set[int] = set()
        while not set(ids) <= finished:
            frame = await self.frame()
            if isinstance(frame, spdy.Data):
                seen[frame.stream_id] = seen.get(frame.stream_id, b"") + frame.data
                if frame.fin:
                    finished.add(frame.stream_id)
            else:
                others.append(frame)
        return seen, others


async def drain(conn: ClientSocket) -> dict[int, bytes]:
    """Every channel's bytes until the server closes."""
    got: dict[int, bytes] = {}
    while (msg := await conn.recv()) is not None:
        assert isinstance(msg, bytes), msg
        channel, data = channels.split(msg)
        got[channel] = got.get(channel, b"") + data
    return got


def socket_inodes(pid: int) -> set[str]:
    found = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed while listing
        if link.startswith("socket:["):
            found.add(link[8:-1])
    return found


def sockets_of(pid: int, tcp_only: bool = False) -> int:
    """The process's open sockets; `tcp_only`: those of its own network namespace's TCP
    (not unix sockets, such as the Docker SDK's pooled connections to the engine)."""
    inodes = socket_inodes(pid)
    if not tcp_only:
        return len(inodes)
    tcp = set()
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}") as f:
            tcp |= {line.split()[9] for line in list(f)[1:]}
    return len(inodes & tcp)


def connections_to(pid: int, port: int) -> int:
    """The process's TCP connections whose far end is `port` (on any address)."""
    inodes = socket_inodes(pid)
    count = 0
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}") as f:
            for line in list(f)[1:]:
                fields = line.split()
                if fields[9] in inodes and int(fields[2].rsplit(":", 1)[1], 16) == port:
                    count += 1
    return count


def metric_sum(url: str, prefix: str) -> float:
    """The sum of every sample whose name (with labels) starts with `prefix`."""
    total = 0.0
    for line in httpx.get(url, timeout=10).text.splitlines():
        name, _, value = line.rpartition(" ")
        if not line.startswith("#") and (name == prefix or name.startswith(prefix + "{")):
            total += float(value)
    return total


def holdings(
    pid: int, metrics_url: str, gauges: tuple[str, ...] = (), tcp_sockets: bool = False
) -> tuple[int, ...]:
    """Of one daemon: its asyncio tasks running streams, each of `gauges`, and with
    `tcp_sockets` its TCP sockets."""
    found = [int(metric_sum(metrics_url, "process_asyncio_stream_tasks"))]
    found += [int(metric_sum(metrics_url, g)) for g in gauges]
    if tcp_sockets:
        found.append(sockets_of(pid, tcp_only=True))
    return tuple(found)
