"""`mkctl describe TYPE [NAME_PREFIX...] [-l SELECTOR]`: a readable view of objects.

This module fetches: the objects (a name that matches no object exactly describes every
object whose name starts with it, as kubectl does), then what each description shows
besides the object: its Events (core/v1 Events selected by `involvedObject.*` fields), a
deployment's replica sets, the pods a workload selects, the pods of a claim's namespace
(for "Used By"), a service's endpoints, the pods on a node. The text itself comes from
`describers`, which is pure.

A related lookup that fails (other than an unreachable server) leaves its section empty
rather than failing the whole describe.
"""

from __future__ import annotations

import argparse
from typing import Any

from minik8s.api import errors, resources
from minik8s.api.resources import ResourceInfo

from . import printers
from .common import error_text, parse_targets
from .context import Context
from .describers import Related, describe, selector_string

__all__ = ["register", "related_for"]

NODE_LEASES = "kube-node-lease"
_NO_EVENTS = ("Namespace",)  # kubectl shows quotas and limits there, not events


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "describe",
        help="Show details of a specific resource or group of resources",
        description="Show the details of objects, with their events: TYPE [NAME_PREFIX...], "
        "TYPE/NAME or TYPE -l SELECTOR.",
    )
    p.add_argument("resources", nargs="*", metavar="TYPE[/NAME]", help="what to describe")
    p.add_argument("-l", "--selector", help="describe the objects this label selector matches")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="look in every namespace")
    p.add_argument(
        "--show-events",
        default="true",
        choices=("true", "false"),
        help="include the Events section (default true)",
    )
    p.set_defaults(handler=run)


def _info(name: str) -> ResourceInfo:
    info = resources.resolve(name)
    assert info is not None, name
    return info


def _quiet_list(ctx: Context, info: ResourceInfo, namespace: str | None, **kw: Any) -> list[Any]:
    try:
        items, _ = ctx.client.list_all(info, namespace, **kw)
    except errors.APIError as e:
        if isinstance(e, errors.ServiceUnavailable):
            raise
        return []
    return [printers.with_type(i, info) for i in items]


def _events(ctx: Context, obj: dict[str, Any], info: ResourceInfo) -> list[dict[str, Any]]:
    meta = obj.get("metadata") or {}
    fields = [f"involvedObject.name={meta.get('name', '')}", f"involvedObject.kind={info.kind}"]
    namespace = meta.get("namespace") if info.namespaced else None
    if namespace:
        fields.append(f"involvedObject.namespace={namespace}")
    if meta.get("uid"):
        fields.append(f"involvedObject.uid={meta['uid']}")
    return _quiet_list(ctx, _info("events"), namespace, field_selector=",".join(fields))


def related_for(
    ctx: Context, obj: dict[str, Any], info: ResourceInfo, with_events: bool
) -> Related:
    """Everything the description of `obj` shows besides `obj` itself."""
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace")
    spec = obj.get("spec") or {}
    with_events = with_events and info.kind not in _NO_EVENTS
    related = Related(events=_events(ctx, obj, info) if with_events else None)
    kind = info.kind
    if kind == "Deployment":
        selector = selector_string(spec.get("selector"))
        related.replica_sets = _quiet_list(
            ctx, _info("replicasets"), namespace, label_selector=selector or None
        )
    elif kind in ("ReplicaSet", "StatefulSet", "DaemonSet"):
        selector = selector_string(spec.get("selector"))
        if selector:
            related.pods = _quiet_list(ctx, _info("pods"), namespace, label_selector=selector)
    elif kind == "PersistentVolumeClaim":
        related.pods = _quiet_list(ctx, _info("pods"), namespace)  # "Used By"
    elif kind == "Service":
        try:
            related.endpoints = ctx.client.get(_info("endpoints"), meta.get("name", ""), namespace)
        except errors.APIError as e:
            if isinstance(e, errors.ServiceUnavailable):
                raise
    elif kind == "Node":
        related.pods = _quiet_list(
            ctx, _info("pods"), None, field_selector=f"spec.nodeName={meta.get('name', '')}"
        )
        try:
            related.lease = ctx.client.get(_info("leases"), meta.get("name", ""), NODE_LEASES)
        except errors.APIError as e:
            if isinstance(e, errors.ServiceUnavailable):
                raise
            related.lease_error = e.message
    return related


def _find(
    ctx: Context, info: ResourceInfo, namespace: str | None, name: str
) -> list[dict[str, Any]]:
    """The object called `name`, else every object whose name starts with it."""
    try:
        return [printers.with_type(ctx.client.get(info, name, namespace), info)]
    except errors.NotFound:
        items, _ = ctx.client.list_all(info, namespace)
        matches = [
            printers.with_type(i, info)
            for i in items
            if str((i.get("metadata") or {}).get("name", "")).startswith(name)
        ]
        if not matches:
            raise
        return matches


def run(args: argparse.Namespace, ctx: Context) -> int:
    targets = parse_targets(args.resources, "describe", ctx)
    failed = False
    found: list[tuple[ResourceInfo, dict[str, Any]]] = []
    for target in targets:
        info = target.info
        scope = None if args.all_namespaces or not info.namespaced else ctx.namespace
        if target.names:
            for name in target.names:
                try:
                    found.extend((info, o) for o in _find(ctx, info, scope or ctx.namespace, name))
                except errors.NotFound as e:
                    ctx.err(error_text(e))
                    failed = True
        else:
            items, _ = ctx.client.list_all(info, scope, label_selector=args.selector)
            found.extend((info, printers.with_type(i, info)) for i in items)
    if not found and not failed:
        if args.all_namespaces or not any(t.info.namespaced for t in targets):
            ctx.err("No resources found")
        else:
            ctx.err(f"No resources found in {ctx.namespace} namespace.")
    for i, (info, obj) in enumerate(found):
        related = related_for(ctx, obj, info, args.show_events == "true")
        if i:
            ctx.stdout.write("\n\n")
        ctx.stdout.write(describe(obj, related))
        ctx.stdout.flush()
    return 1 if failed else 0
