"""`mkctl cluster status`: every component's health, read through the API server.

A user's mkctl knows only the API server, so everything comes from it:
- the API server itself: `/readyz` (it checks etcd and its watch caches) and `/version`;
- `/api/v1/componentstatuses`: the API server probes etcd, the scheduler's and the
  controller manager's `/healthz` (as kube-apiserver does for `kubectl get cs`);
- the leader Leases `kube-system/kube-scheduler` and `kube-system/kube-controller-manager`
  (who leads, when it last renewed) and each Node's Ready condition with its kubelet's
  heartbeat (the Lease `kube-node-lease/<node>`);
- cluster DNS, when the add-on is deployed: the `kube-system/kube-dns` Service and its
  Endpoints (healthy with at least one ready replica) and the `coredns` Deployment.

The command exits 1 when the API server is not ready, a component status is unhealthy or a
node is not Ready, so scripts can wait on it. Building the rows is a pure function of
what was read (`status_rows`), unit-tested without a server.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from minik8s.api import errors

from . import printers
from .context import Context

__all__ = ["Row", "dns_row", "register", "status_rows"]

LEADER_LEASES = {"scheduler": "kube-scheduler", "controller-manager": "kube-controller-manager"}
LEASES = "/apis/coordination.k8s.io/v1/namespaces"


@dataclass(frozen=True)
class Row:
    component: str
    status: str
    healthy: bool
    details: str


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "cluster",
        help="Show the health of the cluster's components",
        description="Commands about the cluster as a whole.",
    )
    sub = p.add_subparsers(dest="cluster_command", metavar="COMMAND")
    s = sub.add_parser(
        "status",
        help="Every component's health (exit code 1 when something is unhealthy)",
        description="The health of the API server, etcd, scheduler, controller manager and "
        "every node's kubelet, read through the API server. Exits 1 when one is unhealthy.",
    )
    s.set_defaults(handler=run_status)
    p.set_defaults(handler=lambda args, ctx: _usage(p, ctx))


def _usage(parser: argparse.ArgumentParser, ctx: Context) -> int:
    ctx.stdout.write(parser.format_help())
    return 0


def _condition(obj: dict[str, Any], type_: str) -> dict[str, Any]:
    for c in obj.get("conditions") or (obj.get("status") or {}).get("conditions") or []:
        if isinstance(c, dict) and c.get("type") == type_:
            return c
    return {}


def _ago(value: Any, now: datetime) -> str:
    return f"{printers.age(value, now)} ago" if printers.parse_time(value) else "never"


def _lease_text(lease: dict[str, Any] | None, now: datetime) -> str:
    if lease is None:
        return "no leader lease"
    spec = lease.get("spec") or {}
    holder = spec.get("holderIdentity") or ""
    if not holder:
        return "leader lease free"
    renewed = printers.parse_time(spec.get("renewTime"))
    duration = float(spec.get("leaseDurationSeconds") or 15)
    expired = renewed is None or (now - renewed).total_seconds() > duration
    text = f"leader {holder} (renewed {_ago(spec.get('renewTime'), now)})"
    return text + (", lease expired" if expired else "")


def status_rows(
    *,
    server: str,
    ready: tuple[bool, str],
    version: dict[str, Any] | None,
    components: list[dict[str, Any]] | None,
    leader_leases: dict[str, dict[str, Any] | None],
    nodes: list[dict[str, Any]] | None,
    node_leases: dict[str, dict[str, Any] | None],
    now: datetime,
    dns: tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None] = (
        None,
        None,
        None,
    ),
) -> list[Row]:
    """The table `cluster status` prints, from what the API server answered.

    `components`/`nodes` are None when the server could not list them."""
    rows: list[Row] = []
    ok, why = ready
    git = (version or {}).get("gitVersion", "")
    api_details = f"{server}{', ' + git if git else ''}" + ("" if ok else f": {why}")
    rows.append(Row("apiserver", "Healthy" if ok else "Unhealthy", ok, api_details))
    if components is None:
        rows.append(Row("componentstatuses", "Unknown", False, "the API server did not answer"))
    for cs in components or []:
        name = str((cs.get("metadata") or {}).get("name") or "?")
        cond = _condition(cs, "Healthy")
        healthy = cond.get("status") == "True"
        detail = str(cond.get("message") or "") if healthy else str(cond.get("error") or "")
        if name in LEADER_LEASES:
            detail = f"{detail}; {_lease_text(leader_leases.get(name), now)}".lstrip("; ")
        rows.append(Row(name, "Healthy" if healthy else "Unhealthy", healthy, detail))
    if nodes is None:
        rows.append(Row("nodes", "Unknown", False, "the API server did not answer"))
    elif not nodes:
        rows.append(Row("nodes", "None", False, "no node has registered (is the kubelet up?)"))
    for node in nodes or []:
        name = str((node.get("metadata") or {}).get("name") or "?")
        cond = _condition(node, "Ready")
        state = cond.get("status")
        healthy = state == "True"
        status = {"True": "Ready", "False": "NotReady"}.get(str(state), "Unknown")
        parts = []
        info = (node.get("status") or {}).get("nodeInfo") or {}
        if info.get("kubeletVersion"):
            parts.append(f"kubelet {info['kubeletVersion']}")
        lease = node_leases.get(name)
        beat = (lease or {}).get("spec", {}).get("renewTime") or cond.get("lastHeartbeatTime")
        parts.append(f"heartbeat {_ago(beat, now)}")
        if not healthy and cond.get("message"):
            parts.append(str(cond["message"]))
        if (node.get("spec") or {}).get("unschedulable"):
            status += ",SchedulingDisabled"
        rows.append(Row(f"node/{name} (kubelet)", status, healthy, ", ".join(parts)))
    row = dns_row(*dns)
    if row is not None:
        rows.append(row)
    return rows


def dns_row(
    service: dict[str, Any] | None,
    endpoints: dict[str, Any] | None,
    deployment: dict[str, Any] | None,
) -> Row | None:
    """The cluster DNS row: None when the kube-dns Service does not exist (no add-on)."""
    if service is None:
        return None
    ip = (service.get("spec") or {}).get("clusterIP") or "?"
    ready: dict[str, str] = {}
    for subset in (endpoints or {}).get("subsets") or []:
        for address in subset.get("addresses") or []:
            ready.setdefault(str(address.get("ip")), str(address.get("nodeName") or ""))
    wanted = int(((deployment or {}).get("spec") or {}).get("replicas") or 0)
    where = ", ".join(f"{a} on {n}" if n else a for a, n in sorted(ready.items()))
    details = f"kube-dns {ip}: {len(ready)}/{wanted} ready" + (f" ({where})" if where else "")
    if not ready:
        return Row("dns", "Unhealthy", False, details + "; names do not resolve")
    return Row("dns", "Healthy", True, details)


def render(rows: list[Row]) -> list[str]:
    lines = [["COMPONENT", "STATUS", "DETAILS"]]
    lines += [[r.component, r.status, r.details] for r in rows]
    return printers.tabwrite(lines)


def _get(ctx: Context, path: str) -> dict[str, Any] | None:
    """GET `path`; None when it does not exist or the server cannot answer it (etcd down:
    the rows then say what is unknown, and the componentstatus of etcd says why)."""
    try:
        body = ctx.client.request("GET", path).json()
    except errors.APIError:
        return None
    return body if isinstance(body, dict) else None


def _items(ctx: Context, path: str) -> list[dict[str, Any]] | None:
    body = _get(ctx, path)
    return None if body is None else list(body.get("items") or [])


def _ready(ctx: Context) -> tuple[bool, str]:
    client = ctx.client
    saved, client.retries = client.retries, 0  # a 503 here is the answer, not a hiccup
    try:
        client.request("GET", "/readyz")
    except errors.APIError as e:
        return False, str(e).strip().replace("\n", " ")
    finally:
        client.retries = saved
    return True, ""


def run_status(args: argparse.Namespace, ctx: Context) -> int:
    server = ctx.config.server
    ready = _ready(ctx)  # a transport error (no server) ends here as mkctl's one line
    version = _get(ctx, "/version")
    components = _items(ctx, "/api/v1/componentstatuses")
    leader_leases = {
        name: _get(ctx, f"{LEASES}/kube-system/leases/{lease}")
        for name, lease in LEADER_LEASES.items()
    }
    nodes = _items(ctx, "/api/v1/nodes")
    node_leases = {}
    for node in nodes or []:
        name = str((node.get("metadata") or {}).get("name") or "")
        node_leases[name] = _get(ctx, f"{LEASES}/kube-node-lease/leases/{name}")
    rows = status_rows(
        server=server,
        ready=ready,
        version=version,
        components=components,
        leader_leases=leader_leases,
        nodes=nodes,
        node_leases=node_leases,
        now=datetime.now(UTC),
        dns=(
            _get(ctx, "/api/v1/namespaces/kube-system/services/kube-dns"),
            _get(ctx, "/api/v1/namespaces/kube-system/endpoints/kube-dns"),
            _get(ctx, "/apis/apps/v1/namespaces/kube-system/deployments/coredns"),
        ),
    )
    for line in render(rows):
        ctx.out(line)
    bad = [r.component for r in rows if not r.healthy]
    if bad:
        ctx.err(f"error: unhealthy: {', '.join(bad)}")
        return 1
    return 0
