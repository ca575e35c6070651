"""Port-forward over the WebSocket channel protocol (`v4.channel.k8s.io`): the Python
client's `portforward()`.

The request names its ports; port i gets data channel 2i and error channel 2i+1, and the
session starts by sending each port number on both (2 bytes, little-endian). Each port is
one TCP connection to the pod, opened at once: a port nothing listens on gets its reason
on its error channel and ends alone, the others carry on. The client's messages on a data
channel go to that port; the server never reads error channels, and a message on a channel
the session does not have is dropped with a log line (the channel protocol has no way to
answer it). The session closes (1000) once every port's connection has ended, and ends
every connection when the client goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from minik8s.stream import channels
from minik8s.stream.websocket import Closed, Endpoint

from . import forward
from .netns import Dialer
from .requests import PortForwardTarget

log = logging.getLogger(__name__)


class ChannelPortForward:
    def __init__(self, ws: Endpoint, target: PortForwardTarget, dialer: Dialer) -> None:
        self.ws = ws
        self.target = target
        self.dialer = dialer
        self.queues = [forward.inbound() for _ in target.ports]
        self.ended = [False for _ in target.ports]  # a port whose connection is over

    async def run(self) -> str:
        ports = self.target.ports
        try:
            for i, port in enumerate(ports):
                await self.ws.send(channels.port_message(2 * i, port))
                await self.ws.send(channels.port_message(2 * i + 1, port))
        except Closed:
            return "gone"
        links = [asyncio.create_task(self._port(i), name=f"port-{p}") for i, p in enumerate(ports)]
        reader = asyncio.create_task(self._read(), name="portforward-read")
        every = asyncio.gather(*links, return_exceptions=True)
        waiting: set[asyncio.Future[Any]] = {reader, every}
        try:
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, *links):
                task.cancel()
            await asyncio.gather(reader, every, return_exceptions=True)
        if every in done:
            await self.ws.close(1000)
            return "done"
        return "gone"

    async def _port(self, i: int) -> None:
        try:
            await self._connect_and_forward(i)
        finally:
            self.ended[i] = True
            _drain(self.queues[i])  # a reader waiting to queue for this port goes on

    async def _connect_and_forward(self, i: int) -> None:
        port = self.target.ports[i]
        try:
            sock = await self.dialer.connect(self.target.pid, port)
        except OSError as e:
            text = (
                f"error forwarding port {port} to pod {self.target.name}, uid : "
                f"{forward.describe(e, port)}"
            )
            with contextlib.suppress(Closed):
                await self.ws.send(channels.message(2 * i + 1, text.encode()))
            return

        async def send(data: bytes) -> None:
            await self.ws.send(channels.message(2 * i, data))

        await forward.forward(sock, self.queues[i], send)

    async def _read(self) -> None:
        count = len(self.target.ports)
        with contextlib.suppress(Closed):
            while (msg := await self.ws.recv()) is not None:
                if not msg:
                    continue
                channel, data = channels.split(msg)
                if channel < 2 * count and channel % 2 == 0:
                    if data and not self.ended[channel // 2]:
                        await self.queues[channel // 2].put(data)
                elif channel >= 2 * count:
                    log.debug("port-forward: dropped a message for unknown channel %d", channel)


def _drain(queue: forward.Inbound) -> None:
    while not queue.empty():
        queue.get_nowait()
