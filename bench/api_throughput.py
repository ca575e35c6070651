"""API server throughput and watch fan-out, against raw etcd measured in the same run.

    python bench/api_throughput.py [--creates 4000] [--rounds 3] [--watchers 100] [--events 1000]

Starts its own etcd and mk-apiserver on free loopback ports (temp dir), then measures:
1. raw etcd puts of a ConfigMap-sized value at concurrency 1 and 64 (grpc.aio, this process):
   the baseline of the ratio;
2. for reference, raw etcd create-if-absent transactions (compare create_revision = 0, then
   put), the etcd request the API server makes for every create;
3. ConfigMap creates through the API server at concurrency 1 and 64, then an update (PUT
   with new data) of each of them;
4. W watchers on one namespace each receiving E events; delivery delay = receive time minus
   the send time the writer put in the object.
For each phase it also prints the CPU time per operation of the API server, etcd and this
process (from /proc), so a ratio measured on a busy machine can be read: the three share the
cores, and CPU per operation does not depend on how much of the machine others take.
The HTTP load generator is a minimal keep-alive HTTP/1.1 client on asyncio streams, so the
figures measure the server rather than a client library. Every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from apiserver.storage.etcd import Etcd, cmp_absent, op_put  # noqa: E402
from minik8s.cluster import processes  # noqa: E402


class Conn:
    """One keep-alive HTTP/1.1 connection; requests on it are sequential."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Conn:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        return cls(r, w)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        code = int(status_line.split()[1])
        length = 0
        chunked = False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            k, _, v = line.decode().partition(":")
            if k.lower() == "content-length":
                length = int(v)
            elif k.lower() == "transfer-encoding" and "chunked" in v:
                chunked = True
        if chunked:
            data = b""
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    return code, data
                data += await self.reader.readexactly(size + 2)
        return code, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of `pid` and its children (the `--workers` processes)."""
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                pids += [int(c) for c in f.read().split()]
    except OSError:
        pass
    total = 0.0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class CPU:
    """CPU µs per operation of the API server, etcd and this process over one phase."""

    def __init__(self, api_pid: int, etcd_pid: int) -> None:
        self.api_pid, self.etcd_pid = api_pid, etcd_pid
        self.start = self._now()

    def _now(self) -> tuple[float, float, float]:
        return proc_cpu(self.api_pid), proc_cpu(self.etcd_pid), self_cpu()

    def per_op(self, n: int) -> str:
        api, etcd, me = ((b - a) / n * 1e6 for a, b in zip(self.start, self._now(), strict=True))
        return f"CPU/op: API server {api:4.0f} µs, etcd {etcd:4.0f} µs, this process {me:4.0f} µs"


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


async def run_parallel(n: int, concurrency: int, one) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    counter = iter(range(n))

    async def worker(w: int) -> None:
        ctx = await one.setup(w)
        for i in counter:
            t = time.perf_counter()
            await one.call(ctx, i)
            latencies.append(time.perf_counter() - t)
        await one.teardown(ctx)

    started = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return time.perf_counter() - started, latencies


def cm_body(name: str, payload: str) -> bytes:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name},
            "data": {"payload": payload},
        }
    ).encode()


class EtcdPuts:
    def __init__(self, etcd: Etcd, tag: str, value: bytes) -> None:
        self.etcd, self.tag, self.value = etcd, tag, value

    async def setup(self, w: int) -> None:
        return None

    async def call(self, ctx: None, i: int) -> None:
        await self.etcd.put(f"/bench/{self.tag}/{i}".encode(), self.value)

    async def teardown(self, ctx: None) -> None:
        return None


class EtcdCreates(EtcdPuts):
    async def call(self, ctx: None, i: int) -> None:
        key = f"/bench/{self.tag}/{i}".encode()
        await self.etcd.txn([cmp_absent(key)], [op_put(key, self.value)])


class APICreates:
    def __init__(self, port: int, ns: str, tag: str, payload: str) -> None:
        self.port, self.ns, self.tag, self.payload = port, ns, tag, payload
        self.failures = 0

    async def setup(self, w: int) -> Conn:
        return await Conn.open(self.port)

    async def call(self, conn: Conn, i: int) -> None:
        code, _ = await conn.request(
            "POST",
            f"/api/v1/namespaces/{self.ns}/configmaps",
            cm_body(f"{self.tag}-{i}", self.payload),
        )
        if code != 201:
            self.failures += 1

    async def teardown(self, conn: Conn) -> None:
        conn.close()


class APIUpdates(APICreates):
    """A PUT of each ConfigMap `APICreates` made, with new data (and no resourceVersion)."""

    async def call(self, conn: Conn, i: int) -> None:
        name = f"{self.tag}-{i}"
        code, _ = await conn.request(
            "PUT",
            f"/api/v1/namespaces/{self.ns}/configmaps/{name}",
            cm_body(name, self.payload[::-1] + "y"),
        )
        if code != 200:
            self.failures += 1


SENT = re.compile(rb'"sent":"([0-9.]+)"')


async def watch_fanout(port: int, watchers: int, events: int, rate: float) -> dict[str, float]:
    """Writes `events` ConfigMaps at `rate` per second; every watcher must see every one."""
    ns = "bench-watch"
    conn = await Conn.open(port)
    await conn.request(
        "POST", "/api/v1/namespaces", json.dumps({"metadata": {"name": ns}}).encode()
    )
    code, body = await conn.request("GET", f"/api/v1/namespaces/{ns}/configmaps")
    rv = json.loads(body)["metadata"]["resourceVersion"]
    delays: list[float] = []
    received = [0] * watchers
    done = asyncio.Event()
    connected: list[int] = []
    all_connected = asyncio.Event()

    async def watcher(idx: int) -> None:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(
            f"GET /api/v1/namespaces/{ns}/configmaps?watch=true&resourceVersion={rv} HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\n\r\n".encode()
        )
        while (await r.readline()) not in (b"\r\n", b""):
            pass
        connected.append(idx)
        if len(connected) == watchers:
            all_connected.set()
        buf = b""
        try:
            while received[idx] < events:
                size_line = await r.readline()
                size = int(size_line.strip() or b"0", 16)
                if size == 0:
                    break
                buf += (await r.readexactly(size + 2))[:-2]
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    # A regex, not json.loads: the client must not be the bottleneck.
                    match = SENT.search(line)
                    if match:
                        delays.append(time.time() - float(match.group(1)))
                        received[idx] += 1
        finally:
            w.close()
            if all(c >= events for c in received):
                done.set()

    tasks = [asyncio.create_task(watcher(i)) for i in range(watchers)]
    # Every watch has its response headers, so it is registered before the first write.
    await asyncio.wait_for(all_connected.wait(), 30)
    writers = [await Conn.open(port) for _ in range(8)]
    counter = iter(range(events))
    started = time.perf_counter()

    async def write(c: Conn) -> None:
        for i in counter:
            # Paced: the delay then measures delivery, not a backlog of our own making.
            due = started + i / rate
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            body = json.dumps(
                {"metadata": {"name": f"ev-{i}"}, "data": {"sent": repr(time.time())}}
            ).encode()
            await c.request("POST", f"/api/v1/namespaces/{ns}/configmaps", body)

    await asyncio.gather(*(write(c) for c in writers))
    try:
        await asyncio.wait_for(done.wait(), 120)
    except TimeoutError:
        pass
    elapsed = time.perf_counter() - started
    for t in tasks:
        t.cancel()
    for c in writers:
        c.close()
    conn.close()
    total = sum(received)
    return {
        "watchers": watchers,
        "events": events,
        "delivered": total,
        "expected": watchers * events,
        "seconds": elapsed,
        "p50_ms": pct(delays, 50) * 1000,
        "p99_ms": pct(delays, 99) * 1000,
    }


def report(label: str, n: int, elapsed: float, lat: list[float]) -> float:
    rate = n / elapsed
    print(
        f"  {label:<34} {rate:8.0f}/s   p50 {pct(lat, 50) * 1000:6.2f} ms   "
        f"p99 {pct(lat, 99) * 1000:6.2f} ms"
    )
    return rate


async def bench(
    args: argparse.Namespace, etcd_url: str, api_port: int, api_pid: int, etcd_pid: int
) -> int:
    etcd = Etcd([etcd_url])
    payload = "x" * args.size
    value = cm_body("baseline", payload)
    conn = await Conn.open(api_port)
    await conn.request(
        "POST", "/api/v1/namespaces", json.dumps({"metadata": {"name": "bench"}}).encode()
    )
    conn.close()
    print(f"machine: {os.cpu_count()} cores; {args.creates} objects of ~{len(value)} bytes each")
    load = os.getloadavg()
    print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    failures = 0
    ratios: dict[int, list[float]] = {1: [], 64: []}
    for rnd, conc in [(r, c) for r in range(args.rounds) for c in (1, 64)]:
        n = args.creates if conc > 1 else max(args.creates // 4, 200)
        tag = f"r{rnd}c{conc}"
        e_cpu = CPU(api_pid, etcd_pid)
        e_el, e_lat = await run_parallel(n, conc, EtcdPuts(etcd, tag, value))
        e_cost = e_cpu.per_op(n)
        t_cpu = CPU(api_pid, etcd_pid)
        t_el, t_lat = await run_parallel(n, conc, EtcdCreates(etcd, f"txn-{tag}", value))
        t_cost = t_cpu.per_op(n)
        a_job = APICreates(api_port, "bench", tag, payload)
        a_cpu = CPU(api_pid, etcd_pid)
        a_el, a_lat = await run_parallel(n, conc, a_job)
        a_cost = a_cpu.per_op(n)
        failures += a_job.failures
        u_job = APIUpdates(api_port, "bench", tag, payload)
        u_cpu = CPU(api_pid, etcd_pid)
        u_el, u_lat = await run_parallel(n, conc, u_job)
        u_cost = u_cpu.per_op(n)
        failures += u_job.failures
        print(f"concurrency {conc}" + (f" (round {rnd + 1})" if args.rounds > 1 else "") + ":")
        e_rate = report("raw etcd put", n, e_el, e_lat)
        print(f"    {e_cost}")
        t_rate = report("raw etcd create-if-absent txn", n, t_el, t_lat)
        print(f"    {t_cost}")
        a_rate = report("API server create (ConfigMap)", n, a_el, a_lat)
        print(f"    {a_cost}")
        report("API server update (ConfigMap PUT)", n, u_el, u_lat)
        print(f"    {u_cost}")
        ratios[conc].append(a_rate / e_rate)
        print(
            f"  ratio API/etcd: {a_rate / e_rate:.2f}   (API p99 {pct(a_lat, 99) * 1000:.1f} ms;"
            f" API/etcd txn {a_rate / t_rate:.2f})"
        )
    if args.rounds > 1:
        for conc, values in ratios.items():
            print(f"median ratio API/etcd at concurrency {conc}: {statistics.median(values):.2f}")
    w = await watch_fanout(api_port, args.watchers, args.events, args.event_rate)
    print(
        f"watch: {w['watchers']} watchers x {w['events']} events written at "
        f"{args.event_rate:.0f}/s: delivered {w['delivered']}/{w['expected']} in "
        f"{w['seconds']:.1f}s ({w['delivered'] / w['seconds']:.0f} events/s to clients), "
        f"delivery delay p50 {w['p50_ms']:.1f} ms, p99 {w['p99_ms']:.1f} ms"
    )
    await etcd.close()
    if failures:
        print(f"FAILED: {failures} creates or updates did not answer 201/200")
        return 1
    if w["delivered"] != w["expected"]:
        print("FAILED: not every watch event was delivered")
        return 1
    return 0


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--creates", type=int, default=4000)
    p.add_argument("--size", type=int, default=200, help="payload bytes per ConfigMap")
    p.add_argument("--watchers", type=int, default=100)
    p.add_argument("--events", type=int, default=1000)
    p.add_argument(
        "--rounds", type=int, default=1, help="repeat the create comparison (median ratio)"
    )
    p.add_argument("--api-workers", type=int, default=1, help="mk-apiserver --workers")
    p.add_argument("--event-rate", type=float, default=200, help="writes/s during the watch test")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="minik8s-bench-") as tmp:
        d = Path(tmp)
        port, peer, api_port = processes.free_port(), processes.free_port(), processes.free_port()
        etcd = processes.start_etcd(d / "etcd", port, peer, d / "etcd.log")
        api = processes.start_apiserver(
            f"http://127.0.0.1:{port}",
            api_port,
            d / "api.log",
            ["--workers", str(args.api_workers)],
        )
        try:
            code = asyncio.run(bench(args, f"http://127.0.0.1:{port}", api_port, api.pid, etcd.pid))
        finally:
            processes.stop(api)
            processes.stop(etcd)
    sys.exit(code)


if __name__ == "__main__":
    main()
