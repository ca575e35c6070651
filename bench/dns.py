"""Cluster DNS: how fast a new Service resolves, queries/s against dnslib's plain server, and
10,000 Services (memory, resync time).

    python bench/dns.py [--services 100] [--seconds 5] [--inflight 64] [--big 10000]

Starts its own etcd, mk-apiserver and two mk-dns replicas on free loopback ports (temp dir;
`--upstream none`: nothing is ever forwarded), then:
1. propagation: 100 Services created in a burst (16 in flight); each replica is asked for
   every name until it answers; delay = answer time minus the start of that Service's
   create. In a cluster every node's pods ask these replicas (through kube-dns), so "from
   every node" is "from every replica". p50 / p99 / max;
2. queries/s for cluster names (round robin over those 100 Services) with 64 UDP queries in
   flight, from a load generator in a process of its own, against one mk-dns replica; then
   the same generator against dnslib's own DNSServer (its threaded UDP server with a
   resolver answering one fixed A record) started in this run: the ratio of the two rates,
   and latency p50 / p99 of each;
3. 10,000 Services created (64 in flight), then a fresh mk-dns started: seconds until it
   is ready (listed and indexed everything), its RSS, and the second replica's RSS after it
   followed all 10,000 creates through its watch.
Every loop is bounded in count and time; traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from dnslib import QTYPE, RR, A, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minik8s.cluster import processes  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def free_udp_port() -> int:
    while True:
        port = processes.free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_dns(api: str, log: Path) -> tuple[subprocess.Popen[bytes], int, int]:
    port, health = free_udp_port(), processes.free_port()
    cmd = [
        sys.executable, "-m", "dns", "--server", api, "--bind-address", "127.0.0.1",
        "--port", str(port), "--healthz-port", str(health), "--upstream", "none",
        "--lameduck", "0",
    ]  # fmt: skip
    proc = processes.spawn(cmd, log)
    return proc, port, health


def wait_ready(health: int, timeout: float = 120) -> float:
    started = time.monotonic()
    processes.wait_until(
        lambda: processes.http_ok(f"http://127.0.0.1:{health}/readyz"), timeout, "mk-dns", 0.01
    )
    return time.monotonic() - started


def query(name: str, qid: int) -> bytes:
    q = DNSRecord.question(name)
    q.header.id = qid
    return bytes(q.pack())


# ---------------------------------------------------------------- 1. propagation


async def create_services(api: str, ns: str, names: list[str], inflight: int) -> dict[str, float]:
    """Creates the Services; answers name → monotonic time its create began."""
    began: dict[str, float] = {}
    queue = list(names)
    async with httpx.AsyncClient(base_url=api, timeout=60) as client:

        async def worker() -> None:
            while queue:
                name = queue.pop()
                body = {"metadata": {"name": name}, "spec": {"ports": [{"port": 80}]}}
                began[name] = time.monotonic()
                r = await client.post(f"/api/v1/namespaces/{ns}/services", json=body)
                if r.status_code != 201:
                    raise RuntimeError(f"create {name}: {r.status_code} {r.text[:200]}")

        await asyncio.gather(*(worker() for _ in range(inflight)))
    return began


def watch_names(port: int, fqdns: list[str], out: dict[str, float], stop: threading.Event) -> None:
    """Asks one replica for every name, again and again, until each has an address."""
    pending = set(fqdns)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        deadline = time.monotonic() + 60
        while pending and not stop.is_set() and time.monotonic() < deadline:
            for name in list(pending):
                s.sendto(query(name, random.getrandbits(16)), ("127.0.0.1", port))
                try:
                    answer = DNSRecord.parse(s.recvfrom(4096)[0])
                except TimeoutError:
                    continue
                if answer.rr:
                    out[str(answer.q.qname).rstrip(".")] = time.monotonic()
                    pending.discard(str(answer.q.qname).rstrip("."))
            time.sleep(0.002)


def propagation(api: str, ports: list[int], count: int) -> list[float]:
    ns = f"dns-bench-{random.getrandbits(20):05x}"
    httpx.post(f"{api}/api/v1/namespaces", json={"metadata": {"name": ns}}).raise_for_status()
    names = [f"svc-{i}" for i in range(count)]
    fqdns = [f"{n}.{ns}.svc.cluster.local" for n in names]
    seen: list[dict[str, float]] = [{} for _ in ports]
    stop = threading.Event()
    threads = [
        threading.Thread(target=watch_names, args=(p, fqdns, seen[i], stop), daemon=True)
        for i, p in enumerate(ports)
    ]
    for t in threads:
        t.start()
    began = asyncio.run(create_services(api, ns, names, 16))
    for t in threads:
        t.join(90)
    stop.set()
    delays = []
    for answered in seen:
        for name in names:
            fqdn = f"{name}.{ns}.svc.cluster.local"
            if fqdn not in answered:
                raise RuntimeError(f"{fqdn} never resolved")
            delays.append(answered[fqdn] - began[name])
    return delays


# ---------------------------------------------------------------- 2. queries/s


def load(port: int, names: list[str], seconds: float, inflight: int, out: Any) -> None:
    """The load generator (its own process): `inflight` UDP queries outstanding."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    packets = [query(n, 0) for n in names]
    sent: dict[int, float] = {}
    latencies: list[float] = []
    lost = 0
    next_id = 0
    started = time.perf_counter()
    end = started + seconds

    def send() -> None:
        nonlocal next_id
        qid = next_id
        next_id = (next_id + 1) & 0xFFFF
        packet = packets[qid % len(packets)]
        s.send(qid.to_bytes(2, "big") + packet[2:])
        sent[qid] = time.perf_counter()

    for _ in range(inflight):
        send()
    while True:
        now = time.perf_counter()
        if now >= end:
            break
        ready, _, _ = select.select([s], [], [], 0.05)
        if ready:
            while True:
                try:
                    data = s.recv(4096)
                except BlockingIOError:
                    break
                t0 = sent.pop(int.from_bytes(data[:2], "big"), None)
                if t0 is not None:
                    latencies.append(time.perf_counter() - t0)
                    send()
        for qid, t0 in list(sent.items()):  # a lost datagram: give up on it after 1 s
            if now - t0 > 1.0:
                del sent[qid]
                lost += 1
                send()
    elapsed = time.perf_counter() - started
    out.put((len(latencies) / elapsed, pct(latencies, 50), pct(latencies, 99), lost))


def measure_qps(port: int, names: list[str], seconds: float, inflight: int) -> tuple[float, ...]:
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    proc = ctx.Process(target=load, args=(port, names, seconds, inflight, out))
    proc.start()
    result = out.get(timeout=seconds + 60)
    proc.join(10)
    return tuple(result)


class FixedResolver(BaseResolver):  # type: ignore[misc]
    """dnslib's plain server answering every A question with one fixed record."""

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A("10.96.0.20"), ttl=5))
        return reply


# ---------------------------------------------------------------- 3. 10,000 Services


async def create_many(api: str, ns: str, count: int) -> float:
    started = time.monotonic()
    await create_services(api, ns, [f"s{i}" for i in range(count)], 64)
    return time.monotonic() - started


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--services", type=int, default=100)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--inflight", type=int, default=64)
    p.add_argument("--big", type=int, default=10_000, help="Services of phase 3 (0: skip it)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="dns-bench-") as tmp:
        d = Path(tmp)
        port, peer, api_port = processes.free_port(), processes.free_port(), processes.free_port()
        etcd = processes.start_etcd(d / "etcd", port, peer, d / "etcd.log")
        api = processes.start_apiserver(f"http://127.0.0.1:{port}", api_port, d / "api.log")
        url = f"http://127.0.0.1:{api_port}"
        replicas = [start_dns(url, d / f"dns-{i}.log") for i in range(2)]
        baseline: DNSServer | None = None
        try:
            for _, _, health in replicas:
                wait_ready(health)
            print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")

            delays = propagation(url, [r[1] for r in replicas], args.services)
            print(
                f"propagation: {args.services} Services in a burst, each resolved by both "
                f"replicas: p50 {pct(delays, 50) * 1000:.0f} ms, p99 {pct(delays, 99) * 1000:.0f}"
                f" ms, max {max(delays) * 1000:.0f} ms (target p99 < 1000 ms)"
            )

            ns = next(
                i["metadata"]["namespace"]
                for i in httpx.get(f"{url}/api/v1/services").json()["items"]
                if i["metadata"]["namespace"].startswith("dns-bench-")
            )
            names = [f"svc-{i}.{ns}.svc.cluster.local" for i in range(args.services)]
            ours = measure_qps(replicas[0][1], names, args.seconds, args.inflight)
            bport = free_udp_port()
            quiet = DNSLogger(logf=lambda _: None)  # its default logs every query to stdout
            baseline = DNSServer(FixedResolver(), port=bport, address="127.0.0.1", logger=quiet)
            baseline.start_thread()
            theirs = measure_qps(bport, names, args.seconds, args.inflight)
            for label, r in (("mk-dns, cluster names", ours), ("dnslib DNSServer, fixed", theirs)):
                print(
                    f"{label:<26} {r[0]:>8.0f} queries/s at {args.inflight} in flight, "
                    f"p50 {r[1] * 1000:.2f} ms, p99 {r[2] * 1000:.2f} ms, lost {r[3]}"
                )
            print(f"ratio {ours[0] / theirs[0]:.2f} (target >= 0.5; p99 target < 5 ms)")

            if args.big > 0:
                big_ns = "dns-bench-big"
                httpx.post(f"{url}/api/v1/namespaces", json={"metadata": {"name": big_ns}})
                created = asyncio.run(create_many(url, big_ns, args.big))
                print(f"{args.big} Services created in {created:.1f}s")
                fresh = start_dns(url, d / "dns-fresh.log")
                resync = wait_ready(fresh[2])
                probe = DNSRecord.parse(
                    DNSRecord.question(f"s{args.big - 1}.{big_ns}.svc.cluster.local").send(
                        "127.0.0.1", fresh[1], timeout=2
                    )
                )
                assert probe.rr, "the last Service does not resolve"
                print(
                    f"{args.big + args.services + 1} Services: a fresh mk-dns ready in "
                    f"{resync:.2f}s (list and index), RSS {rss_mb(fresh[0].pid):.0f} MB; the "
                    f"replica that followed the creates: RSS {rss_mb(replicas[1][0].pid):.0f} MB"
                )
                processes.stop(fresh[0])
            answers = subprocess.run(
                ["grep", "-c", "Traceback", *(str(d / f"dns-{i}.log") for i in range(2))],
                capture_output=True, text=True,
            )  # fmt: skip
            print(f"tracebacks in the replicas' logs: {answers.stdout.split()}")
        finally:
            if baseline is not None:
                baseline.stop()
            for proc, _, _ in replicas:
                processes.stop(proc)
            processes.stop(api)
            processes.stop(etcd)


if __name__ == "__main__":
    main()
