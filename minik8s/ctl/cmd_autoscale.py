"""`mkctl autoscale deployment|replicaset|statefulset NAME --max N [--min N] [--cpu-percent P]`:
creates an autoscaling/v2 HorizontalPodAutoscaler for the target, as `kubectl autoscale`.

The target must exist (its kind must have a scale subresource); the HPA takes the target's
name unless `--name` is given. Without `--cpu-percent` the server's default metric applies
(cpu at 80 % of requests). Pure: `hpa_for`. Single-threaded.
"""

from __future__ import annotations

import argparse
from typing import Any

from .common import parse_targets, resolve_type
from .context import Context, CtlError
from .printers import resource_prefix

__all__ = ["hpa_for", "register"]

Obj = dict[str, Any]
SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet")


def hpa_for(target: Obj, name: str, minimum: int, maximum: int, cpu_percent: int) -> Obj:
    """The HorizontalPodAutoscaler `kubectl autoscale` would create for `target`."""
    if maximum < 1:
        raise CtlError(f"--max=MAXPODS is required and must be at least 1, max: {maximum}")
    if minimum > maximum:
        raise CtlError(
            f"--max=MAXPODS must be larger or equal to --min=MINPODS, max: {maximum}, "
            f"min: {minimum}"
        )
    meta = target.get("metadata") or {}
    spec: Obj = {
        "scaleTargetRef": {
            "apiVersion": target.get("apiVersion", ""),
            "kind": target.get("kind", ""),
            "name": meta.get("name", ""),
        },
        "maxReplicas": maximum,
    }
    if minimum >= 1:
        spec["minReplicas"] = minimum
    if cpu_percent >= 0:
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": cpu_percent},
                },
            }
        ]
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": meta.get("namespace")},
        "spec": spec,
    }


def run_autoscale(args: argparse.Namespace, ctx: Context) -> int:
    targets = parse_targets(args.target, "autoscale")
    if len(targets) != 1 or len(targets[0].names) != 1:
        raise CtlError("exactly one resource to autoscale is required: TYPE NAME or TYPE/NAME")
    info, name = targets[0].info, targets[0].names[0]
    if info.kind not in SCALABLE:
        raise CtlError(f"cannot autoscale a {info.kind}: only {', '.join(SCALABLE)}")
    target = ctx.client.get(info, name, ctx.namespace)
    target.setdefault("apiVersion", info.api_version)
    target.setdefault("kind", info.kind)
    hpa = hpa_for(target, args.name or name, args.min, args.max, args.cpu_percent)
    hpa_info = resolve_type("horizontalpodautoscalers")
    suffix = ""
    if args.dry_run == "client":
        suffix = " (dry run)"
    else:
        ctx.client.create(hpa_info, hpa, ctx.namespace, dry_run=args.dry_run == "server")
        suffix = " (server dry run)" if args.dry_run == "server" else ""
    ctx.out(f"{resource_prefix(hpa_info)}/{hpa['metadata']['name']} autoscaled{suffix}")
    return 0


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "autoscale",
        help="Create a HorizontalPodAutoscaler for a deployment, replica set or stateful set",
        description="mkctl autoscale (deployment|replicaset|statefulset) NAME --max N "
        "[--min N] [--cpu-percent P]",
    )
    p.add_argument("target", nargs="+", metavar="TYPE NAME | TYPE/NAME")
    p.add_argument("--min", type=int, default=-1, help="lower bound (default: 1)")
    p.add_argument("--max", type=int, default=-1, help="upper bound (required)")
    p.add_argument(
        "--cpu-percent",
        type=int,
        default=-1,
        help="target average CPU use in percent of requests (default: the server's, 80)",
    )
    p.add_argument("--name", default="", help="the HPA's name (default: the target's)")
    p.add_argument(
        "--dry-run",
        nargs="?",
        const="client",
        default="none",
        choices=("none", "client", "server"),
        help="only show what would be created",
    )
    p.set_defaults(handler=run_autoscale)
