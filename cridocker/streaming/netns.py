"""TCP connections to a port inside a pod's network namespace.

Port-forward reaches `localhost:PORT` as the pod sees it, so a server that listens on the
pod's loopback only is reachable too (what `nsenter -n socat` does for other runtimes). A
socket belongs to the network namespace its creator was in when it was created, and
`setns(2)` moves only the calling thread; so one dedicated thread enters the pod's
namespace (through `/proc/<pid>/ns/net` of the sandbox's pause process), creates the
sockets, and returns to its own namespace before doing anything else. The connect itself
then runs on the event loop like any other. IPv4 loopback is tried first, then IPv6.

Needs CAP_SYS_ADMIN (the shim runs as root). If the thread cannot return to its own
namespace it is never used again: the executor is replaced.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import logging
import os
import socket
from concurrent.futures import ThreadPoolExecutor

log = logging.getLogger(__name__)

CLONE_NEWNET = 0x40000000
CONNECT_TIMEOUT = 5.0

_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"setns: {os.strerror(code)}")


class Stuck(Exception):
    """The thread could not go back to its own network namespace."""


def _sockets_in(pid: int) -> list[socket.socket]:
    """An IPv4 and an IPv6 TCP socket in the network namespace of `pid` (in this thread)."""
    try:
        target = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
    except FileNotFoundError:
        raise OSError(errno.ESRCH, f"the pod's process {pid} is gone") from None
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    made: list[socket.socket] = []
    try:
        _setns(target)
        try:
            for family in (socket.AF_INET, socket.AF_INET6):
                try:
                    with_family = socket.socket(family, socket.SOCK_STREAM)
                except OSError:
                    if family == socket.AF_INET6 and made:
                        break  # a pod without IPv6: IPv4 alone
                    for s in made:
                        s.close()
                    raise
                with_family.setblocking(False)
                made.append(with_family)
        finally:
            try:
                _setns(own)
            except OSError as e:
                for s in made:
                    s.close()
                raise Stuck(str(e)) from e
    finally:
        os.close(target)
        os.close(own)
    return made


def _close_made(future: asyncio.Future[list[socket.socket]]) -> None:
    if not future.cancelled() and future.exception() is None:
        for sock in future.result():
            sock.close()


class Dialer:
    """Connects to ports inside network namespaces; one thread does every setns."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netns")

    async def connect(self, pid: int, port: int) -> socket.socket:
        """A connected, non-blocking socket to localhost:port in the namespace of `pid`;
        OSError (with IPv4's reason) if nothing answers there."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, _sockets_in, pid)
        try:
            candidates = await asyncio.shield(future)
        except asyncio.CancelledError:
            future.add_done_callback(_close_made)  # the thread may still be making them
            raise
        except Stuck as e:
            log.error("a netns thread could not leave a pod's namespace (%s): replaced", e)
            self._executor.shutdown(wait=False)
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="netns")
            raise OSError(errno.EIO, f"entering the pod's network namespace failed: {e}") from e
        try:
            return await self._first_to_answer(candidates, port)
        except BaseException:
            for sock in candidates:
                sock.close()
            raise

    @staticmethod
    async def _first_to_answer(candidates: list[socket.socket], port: int) -> socket.socket:
        loop = asyncio.get_running_loop()
        first: OSError | None = None  # IPv4's reason is the one worth telling
        for sock, host in zip(candidates, ("127.0.0.1", "::1"), strict=False):
            try:
                # not wait_for: on 3.11 it drops a cancel that comes as the connect succeeds,
                # and the session's end would then leave this connection running
                async with asyncio.timeout(CONNECT_TIMEOUT):
                    await loop.sock_connect(sock, (host, port))
            except (OSError, TimeoutError) as e:
                if first is None:
                    first = e if isinstance(e, OSError) else OSError(errno.ETIMEDOUT, "timed out")
                continue
            for other in candidates:
                if other is not sock:
                    other.close()
            return sock
        raise first or OSError(errno.ECONNREFUSED, "connection refused")

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
