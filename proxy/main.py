"""mk-proxy: flags and the daemon.

The agent manages the network namespace it runs in; to manage another one, start it
there (`nsenter --net=/var/run/netns/<ns> mk-proxy …`). It keeps no state: rules and
routes are rebuilt from the API on every sync, and `--cleanup` removes them all.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys

from minik8s import logs
from minik8s.client import AsyncClient, ClientConfig, ConfigError
from minik8s.client.daemon import (
    Daemon,
    DaemonConfig,
    add_common_flags,
    parse_bool,
    parse_duration,
    run_daemon,
)
from minik8s.client.informer import InformerFactory

from . import render
from .iptables import Tools
from .proxier import Options, Proxier, cleanup

log = logging.getLogger("proxy")

HEALTH_PORT = 10256


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mk-proxy",
        description="Makes Services work on this machine: ClusterIPs and NodePorts through "
        "iptables (one iptables-restore per sync), routes to other nodes' pod CIDRs, the "
        "service CIDR kept local. Manages the network namespace it runs in.",
    )
    add_common_flags(parser, health_port=HEALTH_PORT)
    parser.set_defaults(leader_elect=False)
    parser.add_argument(
        "--hostname-override",
        metavar="NAME",
        help="This node's name, as its kubelet registers it (default: the hostname).",
    )
    parser.add_argument(
        "--node-ip",
        metavar="IP",
        help="This node's address (informational; node ports match every local address).",
    )
    parser.add_argument(
        "--cluster-cidr",
        default="10.244.0.0/16",
        metavar="CIDR",
        help="Pod addresses of the whole cluster: traffic from outside it to a ClusterIP "
        "is masqueraded, pod-to-pod keeps its source, pod-to-outside is masqueraded; "
        "'' to leave all that alone (default 10.244.0.0/16).",
    )
    parser.add_argument(
        "--service-cluster-ip-range",
        default="10.96.0.0/12",
        metavar="CIDR",
        help="The service CIDR: routed to a local sink bridge and unknown addresses "
        "rejected, so no service address leaves the machine (default 10.96.0.0/12).",
    )
    parser.add_argument(
        "--min-sync-period",
        type=parse_duration,
        default=1.0,
        metavar="DURATION",
        help="Least time between two syncs; changes within it are one sync (default 1s).",
    )
    parser.add_argument(
        "--sync-period",
        type=parse_duration,
        default=30.0,
        metavar="DURATION",
        help="Full resync even without changes, at least this often (default 30s).",
    )
    parser.add_argument(
        "--masquerade-all",
        type=parse_bool,
        nargs="?",
        const=True,
        default=False,
        metavar="BOOL",
        help="SNAT all traffic to a ClusterIP (default false).",
    )
    parser.add_argument(
        "--sink-bridge",
        default="mk-svc-sink",
        metavar="NAME",
        help="The empty bridge the service CIDR is routed to; '' to add no route "
        "(default mk-svc-sink).",
    )
    parser.add_argument(
        "--pod-routes",
        type=parse_bool,
        nargs="?",
        const=True,
        default=True,
        metavar="BOOL",
        help="Route every other node's podCIDR via its InternalIP (default true).",
    )
    parser.add_argument(
        "--iptables",
        default="iptables",
        metavar="PATH",
        help="The iptables binary (default: iptables on the PATH); --iptables-restore "
        "and --iptables-save likewise.",
    )
    parser.add_argument(
        "--iptables-restore",
        default="iptables-restore",
        metavar="PATH",
        help="The iptables-restore binary (default iptables-restore).",
    )
    parser.add_argument(
        "--iptables-save",
        default="iptables-save",
        metavar="PATH",
        help="The iptables-save binary (default iptables-save).",
    )
    parser.add_argument(
        "--ip-binary", default="ip", metavar="PATH", help="The iproute2 `ip` binary (default ip)."
    )
    parser.add_argument(
        "--cleanup",
        action="store_true",
        help="Remove every rule, chain, route and the sink bridge the agent made, and exit.",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    tools = Tools(args.iptables, args.iptables_restore, args.iptables_save, args.ip_binary)
    if args.cleanup:
        logs.setup("mk-proxy", args.v)
        cleanup(tools, args.sink_bridge)
        log.info("removed every rule and route of mk-proxy")
        sys.exit(0)
    try:
        client_config = ClientConfig.from_flags(args.server, args.kubeconfig, None, None, None)
    except ConfigError as e:
        print(f"mk-proxy: {e}", file=sys.stderr)
        sys.exit(2)
    node_name = args.hostname_override or socket.gethostname()
    config = render.ProxyConfig(
        node_name=node_name,
        cluster_cidr=args.cluster_cidr,
        service_cidr=args.service_cluster_ip_range,
        masquerade_all=args.masquerade_all,
    )
    options = Options(
        config=config,
        tools=tools,
        min_sync_period=args.min_sync_period,
        sync_period=max(args.sync_period, args.min_sync_period),
        sink_bridge=args.sink_bridge,
        routes=args.pod_routes,
    )
    daemon = Daemon(DaemonConfig.from_args("mk-proxy", args))
    state: dict[str, Proxier] = {}
    factory_box: dict[str, InformerFactory] = {}

    def setup() -> Proxier:
        if "p" not in state:
            client = AsyncClient(client_config, user_agent="mk-proxy")
            factory = InformerFactory(client)
            factory_box["f"] = factory
            state["p"] = Proxier(factory, options)
        return state["p"]

    async def run() -> None:
        proxier = setup()
        await factory_box["f"].start()
        try:
            await proxier.run(daemon.stopping)
        finally:
            await factory_box["f"].stop()

    daemon.add_task("proxier", run)
    daemon.add_health_check("sync", lambda: "p" in state and state["p"].healthy())
    log.info("mk-proxy for node %s (node IP %s)", node_name, args.node_ip or "from the Node")
    run_daemon(daemon)


if __name__ == "__main__":
    main()
