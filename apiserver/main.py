"""`mk-apiserver`: the API server daemon.

Startup: connect to etcd, start one watch cache per resource, start the bootstrap loop
that keeps the objects the server owns (`bootstrap.py`), then serve HTTP with uvicorn on
the same event loop, behind the overload guard (`overload.py`) and the slow-client
deadlines (`slowclient.py`). Nothing is kept outside etcd, so a restarted API server
rebuilds everything from it. SIGTERM/SIGINT stop accepting requests, give open requests a
few seconds, take this server out of the `kubernetes` Endpoints, close watches, then exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import signal
import socket
import subprocess
import sys
import threading
import time

import uvicorn

from minik8s import gctuning, logs
from minik8s.api.kinds.service import SERVICE
from minik8s.api.resources import RESOURCES
from minik8s.stream.tasks import count_tasks

from .allocator import ServiceAllocator
from .app import APIServer
from .bootstrap import Bootstrap, BootstrapConfig, first_address
from .metrics import Metrics
from .overload import Limits, Overload
from .registry import Registry
from .slowclient import GuardedHttpTools
from .storage.cached import CachedStorage
from .storage.cacher import WatchCache
from .storage.compactor import Compactor
from .storage.etcd import Etcd
from .storage.store import Store

log = logging.getLogger("apiserver")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="mk-apiserver",
        description="The minik8s API server: Kubernetes' REST API on etcd.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--etcd-servers", default="http://127.0.0.1:2379", help="comma-separated etcd client URLs"
    )
    p.add_argument("--etcd-prefix", default="/registry", help="key prefix of every object")
    p.add_argument(
        "--bind-address",
        default="127.0.0.1",
        help="address to listen on; a comma-separated list listens on each (`make up`: "
        "loopback for the daemons and a host-only address for pods)",
    )
    p.add_argument(
        "--advertise-address",
        default="",
        help="the address other API servers and pods reach this one at (the `kubernetes` "
        "Service's endpoint); default: the first bind address that is neither a wildcard "
        "nor loopback, else the machine's first non-loopback IPv4 address",
    )
    p.add_argument(
        "--port",
        "--secure-port",
        dest="port",
        type=int,
        default=6443,
        help="port to listen on (plain HTTP until TLS lands)",
    )
    p.add_argument(
        "--service-cluster-ip-range",
        default="10.96.0.0/12",
        help="CIDR that ClusterIPs are allocated from",
    )
    p.add_argument(
        "--service-node-port-range",
        default="30000-32767",
        help="inclusive port range that NodePorts are allocated from",
    )
    p.add_argument(
        "--etcd-request-timeout",
        type=float,
        default=5.0,
        help="seconds before an etcd call fails with 504",
    )
    p.add_argument(
        "--etcd-compaction-interval",
        type=float,
        default=300.0,
        help="seconds between compactions of etcd history (0 disables); watches older "
        "than one interval answer 410 Gone",
    )
    p.add_argument(
        "--event-ttl",
        type=int,
        default=3600,
        help="seconds an Event is kept (0 keeps them forever)",
    )
    p.add_argument(
        "--watch-cache-size",
        type=int,
        default=10_000,
        help="events of history kept per resource for watches",
    )
    p.add_argument(
        "--bookmark-interval",
        type=float,
        default=5.0,
        help="seconds between BOOKMARK events on idle watches that ask for them",
    )
    p.add_argument(
        "--shutdown-timeout",
        type=float,
        default=3.0,
        help="seconds open requests get to finish on SIGTERM",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes sharing the port (SO_REUSEPORT); each has its own "
        "etcd connection and watch caches, etcd stays the only state",
    )
    p.add_argument(
        "--metric-resolution",
        type=float,
        default=15.0,
        help="seconds between scrapes of every kubelet's /stats/summary for the "
        "metrics.k8s.io API (CPU is the rate between the last two scrapes)",
    )
    p.add_argument(
        "--scheduler-health-address",
        default="127.0.0.1:10259",
        metavar="HOST:PORT",
        help="where the scheduler's /healthz is, probed for componentstatuses",
    )
    p.add_argument(
        "--controller-manager-health-address",
        default="127.0.0.1:10257",
        metavar="HOST:PORT",
        help="where the controller manager's /healthz is, probed for componentstatuses",
    )
    p.add_argument(
        "--max-requests-inflight",
        type=int,
        default=400,
        help="read requests served at once; more answer 429 (0: no limit; watches and "
        "streams are not counted)",
    )
    p.add_argument(
        "--max-mutating-requests-inflight",
        type=int,
        default=200,
        help="writes (POST, PUT, PATCH, DELETE) served at once; more answer 429 (0: no limit)",
    )
    p.add_argument(
        "--request-timeout",
        type=float,
        default=60.0,
        help="seconds a request (not a watch or stream) may run before it answers 504 (0: none)",
    )
    p.add_argument(
        "--max-watches-per-client",
        type=int,
        default=100,
        help="watches and streams one client (address + User-Agent) may hold open; more "
        "answer 429 (0: no limit)",
    )
    p.add_argument(
        "--read-header-timeout",
        type=float,
        default=32.0,
        help="seconds a connection has to send a request's headers (0: no limit)",
    )
    p.add_argument(
        "--write-stall-timeout",
        type=float,
        default=60.0,
        help="seconds a client may stop reading its answer before its connection is cut "
        "(0: no limit)",
    )
    p.add_argument("--v", type=int, default=0, help="log verbosity (0 = info, 1+ = debug)")
    args = p.parse_args(argv)
    try:
        low, high = (int(x) for x in args.service_node_port_range.split("-"))
        if not 0 < low <= high < 65536:
            raise ValueError
        args.node_ports = (low, high)
    except ValueError:
        p.error(
            f"--service-node-port-range must look like 30000-32767, "
            f"not {args.service_node_port_range!r}"
        )
    try:
        ipaddress.ip_network(args.service_cluster_ip_range, strict=False)
    except ValueError as e:
        p.error(f"--service-cluster-ip-range: {e}")
    args.bind_addresses = [a.strip() for a in args.bind_address.split(",") if a.strip()]
    try:
        for address in [*args.bind_addresses, *filter(None, [args.advertise_address])]:
            ipaddress.ip_address(address)
    except ValueError as e:
        p.error(f"--bind-address/--advertise-address: {e}")
    if not args.bind_addresses:
        p.error("--bind-address needs an address")
    return args


def advertise_address(bind_addresses: list[str], explicit: str = "") -> str:
    """`--advertise-address`, else the first specific non-loopback bind address, else the
    machine's first non-loopback IPv4 address (127.0.0.1 when it has none)."""
    if explicit:
        return explicit
    for address in bind_addresses:
        ip = ipaddress.ip_address(address)
        if not (ip.is_unspecified or ip.is_loopback):
            return address
    return first_host_ipv4()


def first_host_ipv4() -> str:
    try:
        out = subprocess.run(
            ["ip", "-o", "-4", "addr", "show", "scope", "global"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    for line in out.splitlines():
        words = line.split()
        if "inet" in words:
            return words[words.index("inet") + 1].split("/")[0]
    return "127.0.0.1"


async def serve(args: argparse.Namespace) -> None:
    etcd = Etcd(args.etcd_servers.split(","), timeout=args.etcd_request_timeout)
    store = Store(etcd, args.etcd_prefix, event_ttl=args.event_ttl)
    caches = [WatchCache(store, r, window=args.watch_cache_size) for r in RESOURCES]
    allocator = ServiceAllocator(
        etcd, args.etcd_prefix, args.service_cluster_ip_range, args.node_ports
    )
    registry = Registry(CachedStorage(store, caches), extensions={SERVICE: allocator})
    components = {
        "scheduler": args.scheduler_health_address,
        "controller-manager": args.controller_manager_health_address,
    }
    server = APIServer(
        registry,
        Metrics(),
        bookmark_interval=args.bookmark_interval,
        component_addresses=components,
    )
    tasks = [asyncio.create_task(c.run(), name=f"cache-{c.info.plural}") for c in caches]
    count_tasks(asyncio.get_running_loop(), server.metrics.registry)  # streams leave none
    bootstrap = Bootstrap(
        registry,
        BootstrapConfig(
            service_ip=first_address(args.service_cluster_ip_range),
            advertise_address=advertise_address(args.bind_addresses, args.advertise_address),
            port=args.port,
            hostname=socket.gethostname().lower(),
        ),
        allocator=allocator,
    )
    tasks.append(asyncio.create_task(bootstrap.run(), name="bootstrap"))
    server.metrics_api.collector.resolution = args.metric_resolution
    tasks.append(asyncio.create_task(server.metrics_api.collector.run(), name="metrics"))
    if args.etcd_compaction_interval > 0:
        compactor = Compactor(etcd, args.etcd_prefix, args.etcd_compaction_interval)
        tasks.append(asyncio.create_task(compactor.run(), name="compactor"))
    limits = Limits(
        max_requests_inflight=args.max_requests_inflight,
        max_mutating_requests_inflight=args.max_mutating_requests_inflight,
        request_timeout=args.request_timeout,
        max_watches_per_client=args.max_watches_per_client,
    )
    config = uvicorn.Config(
        Overload(server.asgi, limits),
        host=args.bind_addresses[0],
        port=args.port,
        loop="none",
        http=GuardedHttpTools.configure(args.read_header_timeout, args.write_stall_timeout),
        # exec/attach/port-forward WebSockets: kubectl's `SPDY/3.1+portforward.k8s.io` is
        # not an RFC 7230 token; wsproto accepts it (see minik8s.stream.websocket)
        ws="wsproto",
        lifespan="off",
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=args.shutdown_timeout,
        timeout_keep_alive=30,
        backlog=2048,
    )
    http = uvicorn.Server(config)
    log.info(
        "serving on %s, advertised as %s:%d, etcd %s",
        ", ".join(f"http://{a}:{args.port}" for a in args.bind_addresses),
        bootstrap.config.advertise_address,
        args.port,
        args.etcd_servers,
    )
    gctuning.tune()
    reuse = args.workers > 1
    sockets = [listen_socket(a, args.port, reuse) for a in args.bind_addresses]
    # uvicorn raises the SIGTERM it caught again once it stopped serving; with the default
    # handler that would end the process before the cleanup below.
    quiet = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: None) if quiet else None
    try:
        await http.serve(sockets=sockets)
    finally:
        try:
            async with asyncio.timeout(2.0):
                await bootstrap.shutdown()
        except Exception as e:
            log.warning("could not leave the kubernetes Endpoints: %r", e)
        for c in caches:
            c._reset()
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await etcd.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        log.info("stopped")


def listen_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError as e:
        log.error("cannot listen on %s:%d: %s", host, port, e)
        raise SystemExit(1) from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def supervise(argv: list[str], workers: int) -> int:
    """Run `workers` server processes on one port; stop them all when one dies or on SIGTERM."""
    child_argv = [sys.executable, "-m", "apiserver.main", *argv, "--worker-of-supervisor"]
    children = [subprocess.Popen(child_argv) for _ in range(workers)]
    stopping = False

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while True:
            for child in children:
                code = child.poll()
                if code is not None:
                    if not stopping:
                        log.error("worker %d exited with %d; stopping the others", child.pid, code)
                        forward(signal.SIGTERM, None)
                    for other in children:
                        other.wait()
                    return 0 if stopping else 1
            time.sleep(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> None:
    raw = list(sys.argv[1:] if argv is None else argv)
    is_worker = "--worker-of-supervisor" in raw
    if is_worker:
        raw.remove("--worker-of-supervisor")
    args = parse_args(raw)
    logs.setup("apiserver", args.v)
    if args.workers > 1 and not is_worker:
        sys.exit(supervise(raw, args.workers))
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        try:
            runner.run(serve(args))
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
