"""`mkctl top pod|node`: CPU and memory from the metrics.k8s.io API, as `kubectl top` shows
them.

The API server serves `metrics.k8s.io/v1beta1` from the kubelets' stats (apiserver/
metricsapi.py). `top pod` lists PodMetrics (`-A`, `-l`, one NAME, `--containers` for a row
per container); `top node` lists NodeMetrics and reads the Nodes for the percentages of
allocatable. Rows are sorted by name, or by `--sort-by cpu|memory` (largest first). When the
list is empty, kubectl's distinction: pods exist but have no metrics yet ("metrics not
available yet", exit 1) or there are none ("No resources found …" on stderr, exit 0).

Pure, tested without a server: `pod_metrics_rows`, `node_metrics_rows`. Single-threaded.
"""

from __future__ import annotations

import argparse
from typing import Any

from minik8s.api import errors
from minik8s.api.quantity import parse_bytes, parse_cpu_millis

from .cmd_rollout import group_help
from .common import resolve_type
from .context import Context, CtlError
from .printers import tabwrite

__all__ = ["METRICS_API", "NO_METRICS", "node_metrics_rows", "pod_metrics_rows", "register"]

Obj = dict[str, Any]

METRICS_API = "/apis/metrics.k8s.io/v1beta1"
NO_METRICS = (
    "metrics are not available yet: this cluster serves no metrics.k8s.io API "
    "(it needs a metrics server)"
)
SORT_KEYS = ("cpu", "memory")


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dl(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _meta(obj: Any) -> dict[str, Any]:
    return _d(_d(obj).get("metadata"))


def _name(obj: Any) -> str:
    return str(_meta(obj).get("name") or "")


def _cpu_text(millis: int) -> str:
    return f"{millis}m"


def _mem_text(n: int) -> str:
    return f"{n // (1024 * 1024)}Mi"


def _usage_of(usage: Obj) -> tuple[int, int]:
    return parse_cpu_millis(usage.get("cpu") or 0), parse_bytes(usage.get("memory") or 0)


def _usage(containers: list[Obj]) -> tuple[int, int]:
    pairs = [_usage_of(_d(c.get("usage"))) for c in containers]
    return sum(p[0] for p in pairs), sum(p[1] for p in pairs)


def _sorted(items: list[Obj], sort_by: str | None, usage: Any) -> list[Obj]:
    if sort_by in SORT_KEYS:
        index = SORT_KEYS.index(sort_by)
        return sorted(items, key=lambda m: (-usage(m)[index], _name(m)))
    return sorted(items, key=lambda m: (_meta(m).get("namespace", ""), _name(m)))


def pod_metrics_rows(
    items: list[Obj],
    all_namespaces: bool,
    *,
    containers: bool = False,
    sort_by: str | None = None,
) -> list[list[str]]:
    """`top pod`'s table from PodMetrics objects."""
    header = ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    if containers:
        header = ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    rows = [["NAMESPACE", *header]] if all_namespaces else [header]
    for m in _sorted(items, sort_by, lambda m: _usage(_dl(m.get("containers")))):
        prefix = [str(_meta(m).get("namespace") or "")] if all_namespaces else []
        if containers:
            for c in sorted(_dl(m.get("containers")), key=lambda c: str(c.get("name") or "")):
                cpu, mem = _usage_of(_d(c.get("usage")))
                row = [_name(m), str(c.get("name") or ""), _cpu_text(cpu), _mem_text(mem)]
                rows.append([*prefix, *row])
            continue
        cpu, mem = _usage(_dl(m.get("containers")))
        rows.append([*prefix, _name(m), _cpu_text(cpu), _mem_text(mem)])
    return rows


def _percent(used: int, total: int) -> str:
    return f"{used * 100 // total}%" if total else "<unknown>"


def node_metrics_rows(
    items: list[Obj], nodes: dict[str, Obj], *, sort_by: str | None = None
) -> list[list[str]]:
    """`top node`'s table from NodeMetrics objects and the Nodes (for allocatable)."""
    rows = [["NAME", "CPU(cores)", "CPU%", "MEMORY(bytes)", "MEMORY%"]]
    for m in _sorted(items, sort_by, lambda m: _usage_of(_d(m.get("usage")))):
        cpu, mem = _usage_of(_d(m.get("usage")))
        allocatable = _d(_d(nodes.get(_name(m), {}).get("status")).get("allocatable"))
        cpu_total = parse_cpu_millis(allocatable.get("cpu") or 0)
        mem_total = parse_bytes(allocatable.get("memory") or 0)
        rows.append(
            [
                _name(m),
                _cpu_text(cpu),
                _percent(cpu, cpu_total),
                _mem_text(mem),
                _percent(mem, mem_total),
            ]
        )
    return rows


def _metrics_served(ctx: Context) -> bool:
    try:
        ctx.client.request("GET", METRICS_API)
    except errors.NotFound:
        return False
    return True


def _metrics_list(
    ctx: Context, plural: str, namespace: str | None, args: argparse.Namespace
) -> list[Obj]:
    """The metrics.k8s.io list (or the one named object); CtlError when there is none."""
    base = METRICS_API + (f"/namespaces/{namespace}" if namespace else "")
    path = f"{base}/{plural}" + (f"/{args.name}" if args.name else "")
    params = {"labelSelector": args.selector} if args.selector and not args.name else None
    try:
        body = ctx.client.request("GET", path, params=params).json()
    except errors.NotFound:
        if not args.name or not _metrics_served(ctx):
            raise CtlError(NO_METRICS) from None
        kind = plural[:-1]
        # the object itself may not exist: say so as kubectl does
        ctx.client.get(resolve_type(plural), args.name, namespace)
        shown = f"{namespace}/{args.name}" if namespace else args.name
        raise CtlError(f"metrics not available yet for {kind} {shown}") from None
    return [body] if args.name else _dl(_d(body).get("items"))


def _print_rows(ctx: Context, rows: list[list[str]], no_headers: bool) -> None:
    for line in tabwrite(rows[1:] if no_headers else rows):
        ctx.out(line)


def run_top_pods(args: argparse.Namespace, ctx: Context) -> int:
    namespace = None if args.all_namespaces else ctx.namespace
    items = _metrics_list(ctx, "pods", namespace, args)
    if not items:
        pods, _ = ctx.client.list_all(
            resolve_type("pods"), namespace, label_selector=args.selector or None
        )
        if pods:
            raise CtlError("metrics not available yet")
        where = "" if args.all_namespaces else f" in {ctx.namespace} namespace"
        ctx.err(f"No resources found{where}.")
        return 0
    rows = pod_metrics_rows(
        items, args.all_namespaces, containers=args.containers, sort_by=args.sort_by
    )
    _print_rows(ctx, rows, args.no_headers)
    return 0


def run_top_nodes(args: argparse.Namespace, ctx: Context) -> int:
    items = _metrics_list(ctx, "nodes", None, args)
    if not items:
        raise CtlError("metrics not available yet")
    nodes, _ = ctx.client.list_all(resolve_type("nodes"))
    rows = node_metrics_rows(items, {_name(n): n for n in nodes}, sort_by=args.sort_by)
    _print_rows(ctx, rows, args.no_headers)
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-l", "--selector", help="only what this label selector matches")
    p.add_argument(
        "--sort-by", choices=SORT_KEYS, help="largest first by cpu or memory (default: name)"
    )
    p.add_argument("--no-headers", action="store_true", help="leave out the header line")


def register(subparsers: Any) -> None:
    top = subparsers.add_parser(
        "top",
        help="Show CPU and memory use (metrics.k8s.io)",
        description="mkctl top pod|node [NAME]: CPU and memory use from the metrics API",
    )
    top.set_defaults(handler=group_help(top))
    sub = top.add_subparsers(dest="top_command", metavar="SUBCOMMAND")
    pods = sub.add_parser("pod", aliases=["pods", "po"], help="CPU and memory of pods")
    pods.add_argument("name", nargs="?", help="one pod")
    pods.add_argument("-A", "--all-namespaces", action="store_true", help="every namespace")
    pods.add_argument("--containers", action="store_true", help="one row per container")
    _common(pods)
    pods.set_defaults(handler=run_top_pods)
    nodes = sub.add_parser("node", aliases=["nodes", "no"], help="CPU and memory of nodes")
    nodes.add_argument("name", nargs="?", help="one node")
    _common(nodes)
    nodes.set_defaults(handler=run_top_nodes)
