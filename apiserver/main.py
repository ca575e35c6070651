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

import uvicorn

from minik8s import logs
from minik8s.api import errors
from minik8s.api.resources import RESOURCES, lookup

from .allocator import ServiceAllocator
from .app import APIServer
from .metrics import Metrics
from .registry import Registry
from .storage.cacher import WatchCache
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
    """Create the built-in namespaces, retrying until etcd answers."""
    info = lookup("", "v1", "namespaces")
    assert info is not None
    delay = 0.2
    pending = list(BUILTIN_NAMESPACES)
    while pending:
        name = pending[0]
        try:
            await registry.create(info, None, {"metadata": {"name": name}})
        except errors.AlreadyExists:
            pass
        except (EtcdError, errors.APIError) as e:
            log.warning("creating namespace %s: %s; retrying", name, e)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
            continue
        pending.pop(0)


async def serve(args: argparse.Namespace) -> None:
    etcd = Etcd(args.etcd_servers.split(","), timeout=args.etcd_request_timeout)
    store = Store(etcd, args.etcd_prefix)
    caches = {r.plural: WatchCache(store, r, window=args.watch_cache_size) for r in RESOURCES}
    allocator = ServiceAllocator(
        etcd, args.etcd_prefix, args.service_cluster_ip_range, args.node_ports
    )
    registry = Registry(store, caches, allocator)
    server = APIServer(registry, Metrics(), bookmark_interval=args.bookmark_interval)
    tasks = [asyncio.create_task(c.run(), name=f"cache-{p}") for p, c in caches.items()]
    tasks.append(asyncio.create_task(ensure_namespaces(registry), name="namespaces"))
    config = uvicorn.Config(
        server.app,
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
    try:
        await http.serve()
    finally:
        for c in caches.values():
            c._reset()
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        await etcd.close()
        log.info("stopped")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logs.setup("apiserver", args.v)
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
