"""Exec and attach sessions: the channel protocol on one side, a Docker stream on the other.

One session is one task with two pumps (see `minik8s.stream.channels` for the protocol):

    open the Docker stream ─ empty message on the lowest output channel ─┬─ output pump ─┐
                                                                        └─ input pump ──┤
    output ended first: the process (attach: the container) exited ─────────────────────┤
        → exit code from exec inspect → Status on the error channel → close 1000        │
    client gone first: the exec's process is killed, the Docker stream closed ◄──────────┤
    client broke the protocol (unknown channel, bad CLOSE or resize): a Failure Status ◄─┘
        on the error channel, then as if gone

The output pump sends stdout and stderr as Docker delivers them (demultiplexed unless the
session has a TTY); the input pump writes stdin, applies resizes (TTY only) and half-closes
stdin on v5's CLOSE. Only the output pump sends until both pumps are over, so messages
leave in order without a lock. A process still running when its client goes away is
killed, as containerd's CRI does, so a cut-off `kubectl exec` leaves no process behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

from docker import APIClient

from cridocker.backend import Docker
from cridocker.errors import CRIError
from minik8s.stream import channels
from minik8s.stream.channels import (
    CLOSE,
    ERROR,
    RESIZE,
    STDERR,
    STDIN,
    STDOUT,
    ProtocolError,
    ResizeReader,
)
from minik8s.stream.websocket import Closed, Endpoint

from .hijack import Demuxer, Hijacked, session_client, start_attach, start_exec
from .requests import AttachTarget, ExecTarget

log = logging.getLogger(__name__)
T = TypeVar("T")

EXIT_WAIT = 10.0  # seconds an exec may take to report its exit once its output ended
_POLL = 0.02


class RemoteCommand:
    """One exec or attach session over an accepted WebSocket."""

    def __init__(
        self, ws: Endpoint, protocol: str, target: ExecTarget | AttachTarget, docker: Docker
    ) -> None:
        self.ws = ws
        self.v5 = protocol == channels.V5
        self.target = target
        self.docker = docker
        self.exec_id = ""  # set once an exec is started
        self.tty = target.tty
        self.api: APIClient | None = None  # the session's Docker client

    async def run(self) -> str:
        """Serves the session; answers how it ended (for metrics)."""
        try:
            try:
                stream = await self._open()
            except CRIError as e:
                await self._finish(channels.failure(e.message))
                return "failed"
            try:
                return await self._serve(stream)
            finally:
                await stream.close()
        finally:
            if self.api is not None:
                self.api.close()

    async def _call(self, operation: str, fn: Callable[[APIClient], T]) -> T:
        """`fn` on the session's client, in the Docker worker pool."""
        api = self.api
        assert api is not None
        return await self.docker.call(operation, lambda shared: fn(api))

    async def _open(self) -> Hijacked:
        t = self.target
        self.api = await session_client(self.docker)
        if isinstance(t, ExecTarget):
            self.exec_id, stream = await start_exec(
                self.docker,
                self.api,
                t.container_id,
                list(t.cmd),
                tty=t.tty,
                stdin=t.stdin,
                stdout=t.stdout,
                stderr=t.stderr,
            )
            return stream
        self.tty, stream = await start_attach(
            self.docker, self.api, t.container_id, stdin=t.stdin, stdout=t.stdout, stderr=t.stderr
        )
        return stream

    async def _serve(self, stream: Hijacked) -> str:
        first = STDOUT if self.target.stdout else STDERR if self.target.stderr else ERROR
        try:
            await self.ws.send(channels.message(first))
        except Closed:
            await self._kill()
            return "gone"
        output = asyncio.create_task(self._output(stream), name="exec-output")
        given = asyncio.create_task(self._input(stream), name="exec-input")
        try:
            done, _ = await asyncio.wait({output, given}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (output, given):
                task.cancel()
            results = await asyncio.gather(output, given, return_exceptions=True)
        if output in done:
            if isinstance(results[0], BaseException):
                await self._kill()
                await self._finish(channels.failure(f"reading the output failed: {results[0]}"))
                return "failed"
            await self._finish(await self._exit_status())
            return "exited"
        await self._kill()
        if isinstance(results[1], dict):
            await self._finish(results[1])
            return "protocol-error"
        return "gone"

    async def _output(self, stream: Hijacked) -> None:
        demux = None if self.tty else Demuxer()
        while data := await stream.read():
            if demux is None:
                await self.ws.send(channels.message(STDOUT, data))
                continue
            for which, piece in demux.feed(data):
                if which in (STDOUT, STDERR) and piece:
                    await self.ws.send(channels.message(which, piece))

    async def _input(self, stream: Hijacked) -> dict[str, Any] | None:
        """Until the client goes: None, or the Failure Status of a protocol error."""
        sizes = ResizeReader()
        stdin_open = self.target.stdin
        try:
            while (msg := await self.ws.recv()) is not None:
                if not msg:
                    continue
                try:
                    channel, data = channels.split(msg)
                    if channel == STDIN:
                        if stdin_open and data:
                            try:
                                await stream.write(data)
                            except OSError:
                                stdin_open = False  # the process closed its stdin
                    elif channel == RESIZE:
                        for width, height in sizes.feed(data):
                            await self._resize(width, height)
                    elif channel == CLOSE and self.v5:
                        if channels.closed_channel(data) == STDIN and stdin_open:
                            stdin_open = False
                            stream.end_input()
                    elif channel not in (STDOUT, STDERR, ERROR):
                        raise ProtocolError(f"unknown channel {channel}")
                except ProtocolError as e:
                    return channels.failure(f"stream protocol error: {e}", "BadRequest", 400)
        except Closed:
            pass
        return None

    async def _resize(self, width: int, height: int) -> None:
        if not self.tty or not width or not height:
            return
        exec_id, container = self.exec_id, self.target.container_id
        try:
            if exec_id:
                await self._call(
                    "exec_resize", lambda api: api.exec_resize(exec_id, height=height, width=width)
                )
            else:
                await self._call(
                    "resize", lambda api: api.resize(container, height=height, width=width)
                )
        except CRIError as e:
            log.debug("resize to %dx%d failed: %s", width, height, e.message)

    async def _inspect(self) -> dict[str, Any]:
        exec_id = self.exec_id
        found: dict[str, Any] = await self._call(
            "exec_inspect", lambda api: api.exec_inspect(exec_id)
        )
        return found

    async def _exit_status(self) -> dict[str, Any]:
        if not self.exec_id:
            return channels.success()  # attach: the container's output ended
        deadline = time.monotonic() + EXIT_WAIT
        try:
            while (info := await self._inspect()).get("Running"):
                if time.monotonic() > deadline:
                    return channels.failure("the command's output ended but it still runs")
                await asyncio.sleep(_POLL)  # Docker has no way to wait on an exec
        except CRIError as e:
            return channels.failure(f"cannot read the exit code: {e.message}")
        code = int(info.get("ExitCode") or 0)
        if code == 0:
            return channels.success()
        assert isinstance(self.target, ExecTarget)
        return channels.exit_status(code, self.target.cmd)

    async def _kill(self) -> None:
        """Ends an exec's process that outlived its session (attach leaves the container).

        Docker answers the hijack before it starts the process and records the pid after,
        so a session cut off at once may find it not started yet (no exit code, no pid):
        it waits a moment for one or the other."""
        if not self.exec_id:
            return
        deadline = time.monotonic() + EXIT_WAIT
        try:
            while (info := await self._inspect()).get("ExitCode") is None and not info.get("Pid"):
                if time.monotonic() > deadline:
                    log.warning("exec %s never started: nothing to end", self.exec_id[:12])
                    return
                await asyncio.sleep(_POLL)
        except CRIError as e:
            log.warning("cannot end exec %s: %s", self.exec_id[:12], e.message)
            return
        pid = int(info.get("Pid") or 0)
        if info.get("ExitCode") is None and pid > 0:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                log.debug("killed exec %s (pid %d): its client is gone", self.exec_id[:12], pid)

    async def _finish(self, status: dict[str, Any]) -> None:
        """The Status on the error channel, then a normal close."""
        with contextlib.suppress(Closed):
            await self.ws.send(channels.status_message(status))
        await self.ws.close(1000)
