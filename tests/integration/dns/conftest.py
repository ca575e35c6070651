"""`mk-dns` processes against the session's real API server (and etcd), on loopback.

Forwarding goes only to fakes on 127.0.0.1 (fakeupstream.py): `--upstream` always names
one, so no test ever sends a name off the machine. `ask()` sends one question over UDP or
TCP and returns the parsed answer (or raises TimeoutError).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from dnslib import DNSRecord

from minik8s.cluster import processes
from tests.conftest import APIServerProcess

from .fakeupstream import Blackhole, FakeUpstream


def free_udp_tcp_port() -> int:
    """A port free for both UDP and TCP on loopback."""
    while True:
        port = processes.free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def exchange(data: bytes, port: int, *, tcp: bool = False, timeout: float = 3.0) -> bytes:
    if tcp:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(len(data).to_bytes(2, "big") + data)
            head = _read(s, 2)
            return _read(s, int.from_bytes(head, "big"))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(data, ("127.0.0.1", port))
        answer, _ = s.recvfrom(65535)
        return answer


def _read(s: socket.socket, n: int) -> bytes:
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise ConnectionError("closed")
        out += chunk
    return out


def ask(
    name: str, qtype: str = "A", port: int = 0, *, tcp: bool = False, timeout: float = 3.0
) -> DNSRecord:
    query = DNSRecord.question(name, qtype)
    return DNSRecord.parse(exchange(bytes(query.pack()), port, tcp=tcp, timeout=timeout))


def rdata(answer: DNSRecord, rtype: str | None = None) -> list[str]:
    return sorted(
        str(rr.rdata) for rr in answer.rr if rtype is None or rr.rtype == getattr_qtype(rtype)
    )


def getattr_qtype(name: str) -> int:
    from dnslib import QTYPE

    return int(getattr(QTYPE, name))


def wait_for(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


@dataclass
class DnsProcess:
    port: int
    health: int
    proc: subprocess.Popen[bytes]
    log: Path

    def ask(self, name: str, qtype: str = "A", **kw: Any) -> DNSRecord:
        return ask(name, qtype, self.port, **kw)

    def metrics(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.health}/metrics", timeout=5).text


def start_dns(apiserver: APIServerProcess, log: Path, *extra: str) -> DnsProcess:
    port, health = free_udp_tcp_port(), processes.free_port()
    cmd = [
        sys.executable, "-m", "dns",
        "--server", apiserver.url,
        "--bind-address", "127.0.0.1",
        "--port", str(port),
        "--healthz-port", str(health),
        "--lameduck", "0",
        *extra,
    ]  # fmt: skip
    proc = processes.spawn(cmd, log)
    found = DnsProcess(port, health, proc, log)
    try:
        processes.wait_until(
            lambda: processes.http_ok(f"http://127.0.0.1:{health}/readyz"), 30, f"mk-dns ({log})"
        )
    except processes.StartError:
        processes.stop(proc)
        raise
    return found


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def dns(apiserver: APIServerProcess, upstream: FakeUpstream, workdir: Path) -> Iterator[DnsProcess]:
    found = start_dns(apiserver, workdir / "mk-dns.log", "--upstream", upstream.address)
    yield found
    processes.stop(found.proc)


@pytest.fixture(scope="module")
def dns_blackholed(apiserver: APIServerProcess, workdir: Path) -> Iterator[DnsProcess]:
    """A server whose only upstream never answers."""
    hole = Blackhole()
    found = start_dns(
        apiserver,
        workdir / "mk-dns-blackhole.log",
        "--upstream",
        hole.address,
        "--pods",
        "insecure",
    )
    yield found
    processes.stop(found.proc)
    hole.close()
