"""A fake upstream resolver on loopback, so forwarding is tested without leaving the machine.

`FakeUpstream` answers UDP and TCP on 127.0.0.1 (a thread each): `<anything>.upstream.test`
gets an A record 192.0.2.1 (TTL 60), `big.upstream.test` gets 40 A records, which over UDP
comes back truncated (TC) so the server must ask again over TCP, and every other name is
NXDOMAIN. It counts what it was asked. `Blackhole` holds a UDP port and never answers.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter

from dnslib import QTYPE, RR, A, DNSRecord


def _answer(query: DNSRecord, tcp: bool) -> bytes:
    name = str(query.q.qname).rstrip(".").lower()
    reply = query.reply()
    if name == "big.upstream.test":
        if not tcp:
            reply.header.tc = 1
            return bytes(reply.pack())
        for i in range(40):
            reply.add_answer(RR(query.q.qname, QTYPE.A, rdata=A(f"192.0.2.{i + 1}"), ttl=60))
    elif name.endswith(".upstream.test") and query.q.qtype == QTYPE.A:
        reply.add_answer(RR(query.q.qname, QTYPE.A, rdata=A("192.0.2.1"), ttl=60))
    elif not name.endswith(".upstream.test"):
        reply.header.rcode = 3
    return bytes(reply.pack())


class FakeUpstream:
    def __init__(self) -> None:
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.port = self.udp.getsockname()[1]
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind(("127.0.0.1", self.port))
        self.tcp.listen(16)
        self.asked: Counter[tuple[str, str]] = Counter()  # (name, "udp"|"tcp")
        self._stop = False
        self._threads = [
            threading.Thread(target=self._serve_udp, daemon=True),
            threading.Thread(target=self._serve_tcp, daemon=True),
        ]
        for t in self._threads:
            t.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _serve_udp(self) -> None:
        while not self._stop:
            try:
                data, addr = self.udp.recvfrom(4096)
            except OSError:
                return
            query = DNSRecord.parse(data)
            self.asked[(str(query.q.qname).rstrip(".").lower(), "udp")] += 1
            self.udp.sendto(_answer(query, False), addr)

    def _serve_tcp(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            with conn:
                head = conn.recv(2)
                if len(head) < 2:
                    continue
                data = b""
                want = int.from_bytes(head, "big")
                while len(data) < want:
                    chunk = conn.recv(want - len(data))
                    if not chunk:
                        break
                    data += chunk
                query = DNSRecord.parse(data)
                self.asked[(str(query.q.qname).rstrip(".").lower(), "tcp")] += 1
                answer = _answer(query, True)
                conn.sendall(len(answer).to_bytes(2, "big") + answer)

    def close(self) -> None:
        self._stop = True
        self.udp.close()
        self.tcp.close()


class Blackhole:
    """A UDP port on loopback that swallows every query."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.sock.close()
