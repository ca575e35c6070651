"""`mkctl lab up|down|status|node stop|start`: several nodes on one Linux host.

A thin front to `minik8s.cluster.lab`, which does the work synchronously; this module parses
the flags, turns every expected failure (not root, a lab already up, a daemon that did not
start) into one `error: …` line with exit code 1, and never needs a kubeconfig: the lab's
own settings live in its state directory (`--state-dir`, default ~/.minik8s/lab).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from minik8s.cluster import lab, netns, processes

from .context import Context

__all__ = ["dispatch", "register"]

STATE_HELP = "where the lab keeps its settings, logs, pidfiles and data (default ~/.minik8s/lab)"


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "lab",
        help="Run several minik8s nodes on this machine (network namespaces; needs root)",
        description=(
            "A multi-node lab on one Linux host: each node is a network namespace on the "
            "bridge mklab0 with its own Docker engine, CRI shim, kubelet and proxy agent; "
            "the control plane runs on the host. Nothing in the lab reaches outside the machine."
        ),
    )
    sub = p.add_subparsers(dest="lab_command", metavar="ACTION", required=True)

    up = sub.add_parser("up", help="start the control plane and N nodes")
    up.add_argument("--nodes", type=int, default=3, help="number of worker nodes, 1-50 (default 3)")
    up.add_argument("--state-dir", type=Path, default=lab.DEFAULT_STATE, help=STATE_HELP)
    up.add_argument(
        "--subnet",
        default="10.250.0.0/24",
        help="the lab's network; the host takes its first address (default 10.250.0.0/24)",
    )
    up.add_argument("--api-port", type=int, default=6443, help="API server port (default 6443)")
    up.add_argument(
        "--cluster-cidr",
        default="10.244.0.0/16",
        help="pod addresses, a /24 per node (default %(default)s)",
    )
    up.add_argument(
        "--no-addons",
        dest="addons",
        action="store_false",
        help="do not deploy the add-ons (deploy/addons: cluster DNS); kubelets get no "
        "--cluster-dns",
    )
    for daemon in ("apiserver", "controller-manager", "scheduler", "kubelet", "proxy"):
        up.add_argument(
            f"--{daemon}-args",
            default="",
            metavar="WORDS",
            help=f"extra flags for every mk-{daemon} (shell words)",
        )
    up.set_defaults(handler=_handler)

    for action, text in (
        ("down", "stop everything and remove the namespaces, bridge and engines' data"),
        ("status", "show every daemon and node"),
    ):
        a = sub.add_parser(action, help=text)
        a.add_argument("--state-dir", type=Path, default=lab.DEFAULT_STATE, help=STATE_HELP)
        a.set_defaults(handler=_handler)

    node = sub.add_parser("node", help="stop or start one node's daemons (play node failure)")
    node.add_argument("node_action", choices=("stop", "start"))
    node.add_argument("node_name", metavar="NAME", help="node1, node2, …")
    node.add_argument("--state-dir", type=Path, default=lab.DEFAULT_STATE, help=STATE_HELP)
    node.set_defaults(handler=_handler)


def _handler(args: argparse.Namespace, ctx: Context) -> int:
    return dispatch(args, ctx.stdout, ctx.stderr)


def dispatch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    def say(line: str) -> None:
        print(line, file=out, flush=True)

    state = Path(args.state_dir).expanduser().resolve()
    try:
        if args.lab_command == "up":
            cfg = lab.LabConfig(
                nodes=args.nodes,
                state=str(state),
                subnet=args.subnet,
                api_port=args.api_port,
                cluster_cidr=args.cluster_cidr,
                addons=args.addons,
                apiserver_args=lab.parse_args_words(args.apiserver_args),
                controller_manager_args=lab.parse_args_words(args.controller_manager_args),
                scheduler_args=lab.parse_args_words(args.scheduler_args),
                kubelet_args=lab.parse_args_words(args.kubelet_args),
                proxy_args=lab.parse_args_words(args.proxy_args),
            )
            lab.up(cfg, say)
            return 0
        cfg = lab.load(state)
        if args.lab_command == "down":
            lab.down(cfg, say)
            return 0
        if args.lab_command == "status":
            return lab.status(cfg, say)
        cfg.node_index(args.node_name)  # a readable error for an unknown node
        if args.node_action == "stop":
            stopped = lab.stop_node(cfg, args.node_name)
            say(f"{args.node_name}: stopped {', '.join(stopped) if stopped else 'nothing'}")
        else:
            lab.start_node(cfg, args.node_name)
            say(f"{args.node_name}: started dockerd, mk-cri-docker, mk-kubelet, mk-proxy")
        return 0
    except (lab.LabError, processes.StartError, netns.NetError) as e:
        print(f"error: {e}", file=err)
        if args.lab_command == "up" and not isinstance(e, lab.LabError):
            print(f"error: the lab is half up; `mkctl lab down --state-dir {state}`", file=err)
        return 1
