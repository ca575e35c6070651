"""Slow-client protection: deadlines uvicorn's HTTP protocol does not have.

uvicorn (httptools) arms its keep-alive timer only between requests, and only until the
next byte arrives, and it waits for a reader forever. So a client that connects and sends
nothing, sends its headers one byte a second, or never reads its answer would hold its
connection (and, for the last, the request's task and its buffers) for ever. This
protocol adds two deadlines per connection:

- headers: from the moment the connection is made or the previous answer was complete,
  the next request's headers must arrive within `header_timeout`; else the connection is
  closed. (A body sent slowly is bounded by the request timeout of `overload.py`, which
  answers 504 and closes the connection.)
- writing: when the transport's buffer is full (the client stopped reading), the client
  has `write_timeout` to read again; else the connection is aborted (buffered data
  dropped), which also ends the request or watch writing to it.

`GuardedHttpTools.configure()` sets the two deadlines on the class before uvicorn makes
any connection. Concurrency: protocol callbacks and timers run on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)


class GuardedHttpTools(HttpToolsProtocol):
    header_timeout = 32.0  # kube-apiserver's ReadHeaderTimeout
    write_timeout = 60.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._write_timer: asyncio.TimerHandle | None = None

    @classmethod
    def configure(cls, header_timeout: float, write_timeout: float) -> type[GuardedHttpTools]:
        """A subclass with these deadlines (0 switches one off)."""
        return type(
            "GuardedHttpTools",
            (cls,),
            {"header_timeout": header_timeout, "write_timeout": write_timeout},
        )

    # ---- headers

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        if self.header_timeout > 0:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.transport is not None and not self.transport.is_closing():
            log.debug("closing a connection from %s: no complete headers in time", self.client)
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._cancel_header_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()

    # ---- writing

    def pause_writing(self) -> None:
        super().pause_writing()
        if self.write_timeout > 0 and self._write_timer is None:
            self._write_timer = self.loop.call_later(self.write_timeout, self._not_reading)

    def resume_writing(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        super().resume_writing()

    def _not_reading(self) -> None:
        self._write_timer = None
        if self.transport is not None:
            log.info("aborting a connection from %s: it stopped reading", self.client)
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None
        super().connection_lost(exc)
