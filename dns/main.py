"""mk-dns: the cluster DNS server (flags and the daemon).

Startup: flags → a `Daemon` (health and metrics on :9153) → informers on Services,
Endpoints and Pods → the UDP and TCP listeners, which answer at once (names of the zone
are NXDOMAIN until the first lists are in: `/readyz` stays 503 until then, so no Service
sends traffic here before). Shutdown (SIGTERM): `/readyz` fails at once and the server
keeps answering for `--lameduck` seconds while Endpoints and proxies drop this replica,
then closes its sockets.

The API server: `--kubeconfig`/`--server` as every daemon; inside a pod with neither, the
`kubernetes` Service named by KUBERNETES_SERVICE_HOST/PORT (in-cluster, as client-go).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from minik8s.client import AsyncClient, ClientConfig, ConfigError, InformerFactory
from minik8s.client.config import DEFAULT_KUBECONFIG
from minik8s.client.daemon import Daemon, DaemonConfig, add_common_flags, parse_duration, run_daemon

from .cluster import ClusterWatcher
from .forward import Forwarder, Upstream, parse_upstreams, resolv_conf_upstreams
from .records import Zone
from .server import DnsServer, Resolver

log = logging.getLogger("dns")

HEALTH_PORT = 9153


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mk-dns",
        description="The cluster DNS server: answers for Services and Pods of the cluster "
        "domain from memory (kept current by watching the API server), and forwards every "
        "other name to the upstream resolvers, over UDP and TCP.",
    )
    add_common_flags(parser, health_port=HEALTH_PORT)
    parser.set_defaults(leader_elect=False)
    group = parser.add_argument_group("DNS")
    group.add_argument(
        "--bind-address",
        default="0.0.0.0",
        metavar="IPS",
        help="Comma-separated addresses to serve DNS on (default 0.0.0.0).",
    )
    group.add_argument(
        "--port", type=int, default=53, metavar="PORT", help="DNS port, UDP and TCP (default 53)."
    )
    group.add_argument(
        "--cluster-domain",
        default="cluster.local",
        metavar="DOMAIN",
        help="The zone answered from the cluster's objects (default cluster.local).",
    )
    group.add_argument(
        "--upstream",
        default="",
        metavar="LIST",
        help="Comma-separated resolvers for every other name (IP, IP:PORT, [IPv6]:PORT); "
        "'none' forwards nothing (SERVFAIL); default: the nameservers of --resolv-conf.",
    )
    group.add_argument(
        "--resolv-conf",
        default="/etc/resolv.conf",
        metavar="PATH",
        help="Where the upstream resolvers are read when --upstream is not given "
        "(default /etc/resolv.conf: in a pod with dnsPolicy Default, the node's).",
    )
    group.add_argument(
        "--ttl", type=int, default=5, metavar="SECONDS", help="TTL of cluster records (default 5)."
    )
    group.add_argument(
        "--pods",
        choices=("verified", "insecure", "disabled"),
        default="verified",
        help="a-b-c-d.<ns>.pod names: only for pods that exist (verified, the default; "
        "watches Pods), for any address (insecure), or not at all (disabled).",
    )
    group.add_argument(
        "--cache-size",
        type=int,
        default=10_000,
        metavar="N",
        help="Forwarded answers kept (default 10000).",
    )
    group.add_argument(
        "--forward-timeout",
        type=parse_duration,
        default=1.5,
        metavar="DURATION",
        help="Time an upstream exchange may take before the answer is SERVFAIL (default 1.5s).",
    )
    group.add_argument(
        "--lameduck",
        type=parse_duration,
        default=5.0,
        metavar="DURATION",
        help="After SIGTERM, keep answering this long while not ready (default 5s).",
    )
    return parser


def client_config(server: str | None, kubeconfig: str | None) -> ClientConfig:
    """Flags first; in a pod without either, the in-cluster `kubernetes` Service."""
    host = os.environ.get("KUBERNETES_SERVICE_HOST", "")
    default_file = Path(os.environ.get("KUBECONFIG", "") or DEFAULT_KUBECONFIG).expanduser()
    if not server and not kubeconfig and host and not default_file.exists():
        port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        server = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    return ClientConfig.from_flags(server, kubeconfig, None, None, None)


def upstreams_from(args: argparse.Namespace) -> list[Upstream]:
    if args.upstream:
        return parse_upstreams(args.upstream)
    try:
        return resolv_conf_upstreams(Path(args.resolv_conf).read_text())
    except OSError as exc:
        log.warning("cannot read %s (%s): forwarding nothing", args.resolv_conf, exc)
        return []


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = client_config(args.server, args.kubeconfig)
        upstreams = upstreams_from(args)
    except (ConfigError, ValueError) as exc:
        parser.error(str(exc))
    addresses = [a.strip() for a in args.bind_address.split(",") if a.strip()]
    daemon = Daemon(DaemonConfig.from_args("mk-dns", args))
    daemon.config.shutdown_timeout = args.lameduck + 5
    zone = Zone(args.cluster_domain, ttl=args.ttl, pods=args.pods)
    forwarder = Forwarder(upstreams, timeout=args.forward_timeout, size=args.cache_size)
    server = DnsServer(Resolver(zone, forwarder), addresses, args.port)
    state: dict[str, ClusterWatcher] = {}

    async def run() -> None:
        client = AsyncClient(config, user_agent="mk-dns")
        factory = InformerFactory(client)
        state["watcher"] = ClusterWatcher(factory, zone)
        await server.start()
        await factory.start()
        try:
            if await factory.wait_synced(60):
                log.info("synced: %d services", zone.service_count())
            await daemon.stopping.wait()
        finally:
            await factory.stop()
            await client.close()

    async def lameduck() -> None:
        log.info("stopping: answering for %.1fs more (lameduck)", args.lameduck)
        await asyncio.sleep(args.lameduck)
        await server.close()

    daemon.add_task("dns", run)
    daemon.add_health_check("serving", server.serving)
    daemon.add_health_check("synced", lambda: "watcher" in state and state["watcher"].synced())
    daemon.on_shutdown(lameduck)
    log.info(
        "mk-dns for %s; upstream %s",
        zone.domain,
        ", ".join(f"{h}:{p}" for h, p in upstreams) or "none",
    )
    run_daemon(daemon)


if __name__ == "__main__":
    main(sys.argv[1:])
