"""The DNS server: UDP and TCP on port 53, answers from the zone in memory or forwarded.

    datagram ─► parse_query ─► answer cache (packed bytes, per zone generation) ─► sendto
                    │                 └─ miss: Zone.lookup → pack (dnslib) → cache
                    │ not in the zone and no known PTR
                    └─► Forwarder (cache, then upstream; a task per query) ─► sendto

A cluster name is answered synchronously inside `datagram_received`: no task, no await, a
dict lookup and a splice of the query's ID and question into bytes packed earlier. The
answer cache is keyed by the question (any case), RD/CD and EDNS, and an entry made under an
older zone generation is packed again; it is cleared when it outgrows `cache_size`.

Bad input: see `wire.py` (dropped, FORMERR, NOTIMP). Zone transfers and the meta types
(IXFR, AXFR, MAILB, MAILA) are NOTIMP; a class other than IN in the zone is REFUSED; an
answer larger than the client's UDP size (512, or what its EDNS record offers, at most
4096) is replaced by an empty one with TC set, so it asks again over TCP. At most
`max_forwards` questions are forwarded at once; beyond, SERVFAIL at once.

TCP: one task per connection, queries answered in order; a connection idle for
`tcp_idle` seconds is closed, and at most `max_tcp` connections are open at once (others
are closed on accept).

Concurrency: one event loop; the zone is changed only by the informer handlers on the same
loop, so a lookup never sees a half-applied change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, cast

from . import metrics
from . import records as r
from .forward import Forwarder
from .wire import (
    NOTIMP,
    REFUSED,
    SERVFAIL,
    Query,
    WireError,
    error_response,
    pack_answer,
    parse_query,
    truncated,
    with_id,
)

log = logging.getLogger(__name__)

_META_TYPES = {251, 252, 253, 254}  # IXFR, AXFR, MAILB, MAILA
CLASS_IN, CLASS_ANY = 1, 255


class Resolver:
    """Query bytes → answer bytes (see the module docstring); transport-independent."""

    def __init__(
        self,
        zone: r.Zone,
        forwarder: Forwarder,
        *,
        cache_size: int = 20_000,
        max_forwards: int = 1000,
    ) -> None:
        self.zone = zone
        self.forwarder = forwarder
        self.cache_size = cache_size
        self.max_forwards = max_forwards
        self.forwarding = 0
        self._cache: dict[tuple[bytes, int, bool], tuple[int, bytes]] = {}

    def local(self, query: Query) -> bytes | None:
        """The answer when it needs no upstream (zone, PTR, refusals), else None."""
        key = query.key
        hit = self._cache.get(key)
        zone = self.zone
        if hit is not None and hit[0] == zone.generation:
            metrics.ANSWER_CACHE_HITS.inc()
            return with_id(hit[1], query)
        name = query.qname
        if not (zone.in_zone(name) or zone.has_ptr(name)):
            return None
        if query.qtype in _META_TYPES:
            return error_response(b"", NOTIMP, query)
        if query.qclass not in (CLASS_IN, CLASS_ANY):
            return error_response(b"", REFUSED, query)
        template = pack_answer(query, zone.lookup(name, query.qtype))
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[key] = (zone.generation, template)
        return with_id(template, query)

    async def forward(self, query: Query, data: bytes) -> bytes:
        if self.forwarding >= self.max_forwards:
            return error_response(data, SERVFAIL, query)
        self.forwarding += 1
        try:
            return await self.forwarder.forward(query, data)
        finally:
            self.forwarding -= 1

    def fit(self, answer: bytes, query: Query) -> bytes:
        """`answer` for a UDP client: truncated when larger than it takes."""
        return answer if len(answer) <= query.udp_size else truncated(query)


class UdpServer(asyncio.DatagramProtocol):
    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.transport: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # uvloop's is no subclass

    def datagram_received(self, data: bytes, addr: Any) -> None:
        started = time.perf_counter()
        try:
            query = parse_query(data)
        except WireError as err:
            log.debug("from %s: %s", addr, err)
            self._send(error_response(data, err.rcode), addr, "error", started)
            return
        if query is None:
            metrics.DROPPED.inc()
            return
        metrics.request("udp", query.qtype)
        answer = self.resolver.local(query)
        if answer is not None:
            self._send(self.resolver.fit(answer, query), addr, "cluster", started)
            return
        task = asyncio.get_running_loop().create_task(self._forward(query, data, addr, started))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _forward(self, query: Query, data: bytes, addr: Any, started: float) -> None:
        answer = await self.resolver.forward(query, data)
        self._send(self.resolver.fit(answer, query), addr, "forward", started)

    def _send(self, answer: bytes, addr: Any, source: str, started: float) -> None:
        if self.transport is not None:
            self.transport.sendto(answer, addr)
        metrics.response(answer, source, time.perf_counter() - started)

    def error_received(self, exc: Exception) -> None:
        log.debug("udp: %s", exc)

    async def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        for task in [*self._tasks]:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class TcpServer:
    """DNS over TCP: two-byte length, message; several queries per connection."""

    def __init__(
        self, resolver: Resolver, *, idle: float = 10.0, max_connections: int = 512
    ) -> None:
        self.resolver = resolver
        self.idle = idle
        self.max_connections = max_connections
        self.connections = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.connections >= self.max_connections:
            writer.close()
            return
        self.connections += 1
        try:
            while True:
                try:
                    head = await asyncio.wait_for(reader.readexactly(2), self.idle)
                    data = await asyncio.wait_for(
                        reader.readexactly(int.from_bytes(head, "big")), self.idle
                    )
                except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
                    return
                answer = await self._answer(data)
                if answer is None:
                    return  # not a query: end the connection
                writer.write(len(answer).to_bytes(2, "big") + answer)
                await writer.drain()
        except ConnectionError:
            return
        finally:
            self.connections -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, data: bytes) -> bytes | None:
        started = time.perf_counter()
        try:
            query = parse_query(data)
        except WireError as err:
            answer = error_response(data, err.rcode)
            metrics.response(answer, "error", time.perf_counter() - started)
            return answer
        if query is None:
            metrics.DROPPED.inc()
            return None
        metrics.request("tcp", query.qtype)
        local = self.resolver.local(query)
        if local is not None:
            metrics.response(local, "cluster", time.perf_counter() - started)
            return local
        answer = await self.resolver.forward(query, data)
        metrics.response(answer, "forward", time.perf_counter() - started)
        return answer


class DnsServer:
    """The UDP and TCP listeners of one resolver on (address, port) pairs."""

    def __init__(self, resolver: Resolver, addresses: list[str], port: int) -> None:
        self.resolver = resolver
        self.addresses = addresses
        self.port = port
        self._udp: list[UdpServer] = []
        self._tcp: list[asyncio.Server] = []
        self.tcp = TcpServer(resolver)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        factory: Callable[[], UdpServer] = lambda: UdpServer(self.resolver)  # noqa: E731
        for address in self.addresses:
            _, proto = await loop.create_datagram_endpoint(factory, local_addr=(address, self.port))
            self._udp.append(proto)
            server = await asyncio.start_server(self.tcp.handle, address, self.port)
            self._tcp.append(server)
            log.info("serving DNS on %s port %d (UDP and TCP)", address, self.port)

    def bound_port(self) -> int:
        """The UDP port (useful with port 0 in tests)."""
        transport = self._udp[0].transport
        assert transport is not None
        return int(transport.get_extra_info("sockname")[1])

    def serving(self) -> bool:
        return bool(self._udp) and all(u.transport is not None for u in self._udp)

    async def close(self) -> None:
        for server in self._tcp:
            server.close()
        for proto in self._udp:
            await proto.close()
        self.resolver.forwarder.close()
