"""Forwarding names outside the cluster to the upstream resolvers, with a small cache.

Upstreams are tried in order, each over one connected UDP socket shared by every query to
it (queries are told apart by a fresh random ID, and an answer must repeat the question);
an answer with TC set is asked again over TCP. A connected socket reports ICMP errors (no
route, port unreachable) at once, so a dead upstream costs no timeout. The whole exchange
has `timeout` seconds (1.5 by default); then, or when every upstream failed, the client
gets SERVFAIL, which is kept for 2 s so a flood of one failing name does not become a
flood upstream.

Answers are cached by (question, RD/CD, EDNS) for their smallest TTL (`max_ttl` at most;
negative answers for the SOA's minimum), least recently used first out beyond `size`
entries; identical questions in flight share one upstream exchange.

Concurrency: everything runs on the server's event loop; the UDP protocols resolve futures
from `datagram_received`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import cast

from dnslib import DNSRecord

from . import metrics
from .wire import RD, SERVFAIL, TC, Query, error_response, fold, with_id

log = logging.getLogger(__name__)

Upstream = tuple[str, int]
FAILURE_TTL = 2.0
NEGATIVE_TTL = 5.0


def parse_upstreams(text: str) -> list[Upstream]:
    """`1.2.3.4, 5.6.7.8:5353, [fd00::1]:53` → [(host, port)]; `none` → []."""
    out: list[Upstream] = []
    if text.strip().lower() == "none":
        return out
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") else 53
        elif item.count(":") == 1:
            host, _, p = item.partition(":")
            port = int(p)
        else:
            host, port = item, 53
        out.append((host, port))
    return out


def resolv_conf_upstreams(text: str) -> list[Upstream]:
    """The `nameserver` lines of a resolv.conf."""
    found = []
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and words[0] == "nameserver":
            found.append((words[1].split("%", 1)[0], 53))
    return found


class _UdpUpstream(asyncio.DatagramProtocol):
    """One connected UDP socket to an upstream; answers are matched to futures by ID."""

    def __init__(self) -> None:
        self.pending: dict[int, asyncio.Future[bytes]] = {}
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # uvloop's is no subclass

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if len(data) < 12:
            return
        future = self.pending.pop(int.from_bytes(data[:2], "big"), None)
        if future is not None and not future.done():
            future.set_result(data)

    def error_received(self, exc: Exception) -> None:
        # an ICMP error on a connected socket: the upstream is unreachable for everyone
        for future in self.pending.values():
            if not future.done():
                future.set_exception(exc)
        self.pending.clear()

    def connection_lost(self, exc: Exception | None) -> None:
        self.error_received(exc or ConnectionError("upstream socket closed"))
        self.transport = None

    def new_id(self) -> int:
        while True:
            qid = random.getrandbits(16)
            if qid not in self.pending:
                return qid


class Forwarder:
    def __init__(
        self,
        upstreams: list[Upstream],
        *,
        timeout: float = 1.5,
        size: int = 10_000,
        max_ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.upstreams = upstreams
        self.timeout = timeout
        self.size = size
        self.max_ttl = max_ttl
        self.clock = clock
        self._cache: OrderedDict[tuple[bytes, int, bool], tuple[float, bytes]] = OrderedDict()
        self._inflight: dict[tuple[bytes, int, bool], asyncio.Future[bytes]] = {}
        self._sockets: dict[Upstream, _UdpUpstream] = {}

    def cached(self, query: Query) -> bytes | None:
        """A cached answer to `query` with its ID, or None."""
        key = query.key
        hit = self._cache.get(key)
        if hit is None:
            return None
        if hit[0] <= self.clock():
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return with_id(hit[1], query)

    async def forward(self, query: Query, data: bytes) -> bytes:
        """The upstream's answer to `data` (the client's query, as sent), or SERVFAIL."""
        hit = self.cached(query)
        if hit is not None:
            metrics.CACHE_HITS.inc()
            return hit
        metrics.CACHE_MISSES.inc()
        key = query.key
        shared = self._inflight.get(key)
        if shared is None:
            shared = asyncio.get_running_loop().create_future()
            self._inflight[key] = shared
            try:
                template = await self._exchange(query, data)
                shared.set_result(template)
            except asyncio.CancelledError:
                shared.cancel()  # the waiters must not hang
                raise
            except Exception as exc:
                shared.set_exception(exc)
                shared.exception()  # retrieved: no "never retrieved" warning
                raise
            finally:
                self._inflight.pop(key, None)
        else:
            template = await asyncio.shield(shared)
        return with_id(template, query)

    async def _exchange(self, query: Query, data: bytes) -> bytes:
        """An answer template (ID 0) from the first upstream that gives one; cached."""
        deadline = self.clock() + self.timeout
        for host, port in self.upstreams:
            left = deadline - self.clock()
            if left <= 0:
                break
            metrics.UPSTREAM_REQUESTS.inc()
            try:
                answer = await asyncio.wait_for(self._udp((host, port), data), left)
                if _header_flags(answer) & TC:
                    answer = await asyncio.wait_for(
                        self._tcp((host, port), data), max(0.05, deadline - self.clock())
                    )
            except TimeoutError:
                metrics.UPSTREAM_ERRORS.labels("timeout").inc()
                continue
            except OSError as exc:
                metrics.UPSTREAM_ERRORS.labels("unreachable").inc()
                log.debug("upstream %s:%d: %s", host, port, exc)
                continue
            if fold(answer[12 : 12 + len(query.question)]) != fold(query.question):
                metrics.UPSTREAM_ERRORS.labels("mismatch").inc()
                continue
            template = b"\x00\x00" + answer[2:]
            self._store(query.key, template, _ttl(answer, self.max_ttl))
            return template
        template = b"\x00\x00" + error_response(data, SERVFAIL, query)[2:]
        self._store(query.key, template, FAILURE_TTL)
        return template

    def _store(self, key: tuple[bytes, int, bool], template: bytes, ttl: float) -> None:
        if ttl <= 0:
            return
        self._cache[key] = (self.clock() + ttl, template)
        self._cache.move_to_end(key)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)

    async def _udp(self, upstream: Upstream, data: bytes) -> bytes:
        proto = self._sockets.get(upstream)
        if proto is None or proto.transport is None:
            loop = asyncio.get_running_loop()
            _, proto = await loop.create_datagram_endpoint(_UdpUpstream, remote_addr=upstream)
            self._sockets[upstream] = proto
        assert proto.transport is not None
        qid = proto.new_id()
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        proto.pending[qid] = future
        try:
            proto.transport.sendto(qid.to_bytes(2, "big") + data[2:])
            answer = await future
        finally:
            proto.pending.pop(qid, None)
        return data[:2] + answer[2:]

    async def _tcp(self, upstream: Upstream, data: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(*upstream)
        try:
            writer.write(len(data).to_bytes(2, "big") + data)
            await writer.drain()
            length = int.from_bytes(await reader.readexactly(2), "big")
            return await reader.readexactly(length)
        except asyncio.IncompleteReadError as exc:
            raise ConnectionError("upstream closed the TCP connection") from exc
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    def close(self) -> None:
        for proto in self._sockets.values():
            if proto.transport is not None:
                proto.transport.close()
        self._sockets.clear()


def _header_flags(data: bytes) -> int:
    return int.from_bytes(data[2:4], "big") if len(data) >= 4 else 0


def _ttl(answer: bytes, cap: float) -> float:
    """How long an upstream answer may be kept: its smallest TTL, capped; 0: not at all."""
    try:
        message = DNSRecord.parse(answer)
    except Exception:
        return 0.0
    rcode = message.header.rcode
    if rcode not in (0, 3):
        return 0.0
    ttls = [rr.ttl for rr in message.rr]
    if not ttls:  # negative: the SOA's minimum, else a few seconds
        soa = [rr for rr in message.auth if rr.rtype == 6]
        minimum = soa[0].rdata.times[-1] if soa else NEGATIVE_TTL
        return float(min(minimum, soa[0].ttl if soa else minimum, cap))
    return float(min(min(ttls), cap))


__all__ = ["RD", "Forwarder", "parse_upstreams", "resolv_conf_upstreams"]
