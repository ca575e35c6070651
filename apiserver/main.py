"""`mk-apiserver`: the API server daemon.

Startup: connect to etcd, start one watch cache per resource, make sure the built-in
namespaces exist, then serve HTTP with uvicorn on the same event loop. Nothing is kept
outside etcd, so a restarted API server rebuilds everything from it. SIGTERM/SIGINT stop
accepting requests, give open requests a few seconds, close watches, then exit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import socket
import subprocess
import sys
import time

import uvicorn

from minik8s import gctuning, logs
from minik8s.api import errors
from minik8s.api.kinds.service import SERVICE
from minik8s.api.resources import RESOURCES, lookup

from .allocator import ServiceAllocator
from .app import APIServer
from .metrics import Metrics
from .priority import SYSTEM_CLASSES
from .registry import Registry
from .storage.cached import CachedStorage
from .storage.cacher import WatchCache
from .storage.compactor import Compactor
from .storage.etcd import Etcd, EtcdError
from .storage.store import Store

log = logging.getLogger("apiserver")

BUILTIN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


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
    p.add_argument("--bind-address", default="127.0.0.1", help="address to listen on")
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
    import ipaddress

    try:
        ipaddress.ip_network(args.service_cluster_ip_range, strict=False)
    except ValueError as e:
        p.error(f"--service-cluster-ip-range: {e}")
    return args


async def ensure_namespaces(registry: Registry) -> None:
    """Create the built-in namespaces and priority classes, retrying until etcd answers."""
    ns_info = lookup("", "v1", "namespaces")
    pc_info = lookup("scheduling.k8s.io", "v1", "priorityclasses")
    assert ns_info is not None and pc_info is not None
    delay = 0.2
    pending = [(ns_info, {"metadata": {"name": name}}) for name in BUILTIN_NAMESPACES]
    pending += [(pc_info, body) for body in SYSTEM_CLASSES]
    while pending:
        info, body = pending[0]
        try:
            await registry.create(info, None, body)
        except errors.AlreadyExists:
            pass
        except (EtcdError, errors.APIError) as e:
            log.warning("creating %s %s: %s; retrying", info.singular, body["metadata"]["name"], e)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
            continue
        pending.pop(0)


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
    tasks.append(asyncio.create_task(ensure_namespaces(registry), name="namespaces"))
    server.metrics_api.collector.resolution = args.metric_resolution
    tasks.append(asyncio.create_task(server.metrics_api.collector.run(), name="metrics"))
    if args.etcd_compaction_interval > 0:
        compactor = Compactor(etcd, args.etcd_prefix, args.etcd_compaction_interval)
        tasks.append(asyncio.create_task(compactor.run(), name="compactor"))
    config = uvicorn.Config(
        server.asgi,
        host=args.bind_address,
        port=args.port,
        loop="none",
        http="httptools",
        lifespan="off",
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=args.shutdown_timeout,
        timeout_keep_alive=30,
        backlog=2048,
    )
    http = uvicorn.Server(config)
    log.info("serving on http://%s:%d, etcd %s", args.bind_address, args.port, args.etcd_servers)
    gctuning.tune()
    try:
        await http.serve(sockets=[listen_socket(args.bind_address, args.port, args.workers > 1)])
    finally:
        for c in caches:
            c._reset()
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await etcd.close()
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
