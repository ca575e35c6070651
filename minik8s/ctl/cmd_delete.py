"""`mkctl delete`: by name, by selector, everything of a type, or what manifests name.

Each object is deleted with its own request (`propagationPolicy` from `--cascade`,
`gracePeriodSeconds` from `--grace-period`) and reported as kubectl does
(`deployment.apps "web" deleted`). Then, unless `--wait=false`, mkctl waits until every
deleted object is really gone: an object with finalizers (or a pod its kubelet still stops)
stays, marked with a `deletionTimestamp`, until they are done. The wait is a GET and then a
watch on that one object from the GET's resourceVersion, so it returns as soon as the
DELETED event arrives; whenever what holds the object back changes (finalizers, deletion
marks) a progress line goes to stderr. `--timeout` bounds the whole wait.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from typing import Any

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo

from . import printers
from .common import (
    Target,
    WhenError,
    add_file_flags,
    error_text,
    for_each_manifest,
    manifest_namespace,
    parse_duration,
    parse_targets,
)
from .context import Context, CtlError
from .manifests import Manifest

__all__ = ["Deleted", "pending_reason", "register"]

_CASCADE = {
    "background": "Background",
    "foreground": "Foreground",
    "orphan": "Orphan",
    "true": "Background",
    "false": "Orphan",
}
_WATCH_CHUNK = 60  # seconds per watch request while waiting without a deadline


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"invalid boolean {text!r}: use true or false")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "delete",
        help="Delete resources by file names, stdin, resources and names, or by selector",
        description="Delete resources: -f FILE, TYPE NAME..., TYPE/NAME..., TYPE -l SELECTOR "
        "or TYPE --all. Waits until they are gone unless --wait=false.",
    )
    p.add_argument("resources", nargs="*", metavar="TYPE[/NAME]", help="what to delete")
    add_file_flags(p, "whose objects to delete")
    p.add_argument("-l", "--selector", help="delete the objects this label selector matches")
    p.add_argument("--field-selector", help="delete the objects this field selector matches")
    p.add_argument("--all", action="store_true", help="delete every object of the type")
    p.add_argument(
        "-A", "--all-namespaces", action="store_true", help="with --all/-l: in every namespace"
    )
    p.add_argument(
        "--cascade",
        default="background",
        choices=sorted(_CASCADE),
        help="background (default), foreground (wait for dependents) or orphan",
    )
    p.add_argument(
        "--grace-period",
        type=int,
        default=-1,
        help="seconds a pod gets to stop (-1: its own default, 0 with --force: at once)",
    )
    p.add_argument("--now", action="store_true", help="same as --grace-period=1")
    p.add_argument("--force", action="store_true", help="with --grace-period=0: remove at once")
    p.add_argument(
        "--wait",
        nargs="?",
        const=True,
        default=True,
        type=_bool,
        help="wait until the objects are gone (default true; --wait=false returns at once)",
    )
    p.add_argument(
        "--timeout",
        type=parse_duration,
        default=0.0,
        metavar="DURATION",
        help="give up waiting after this long (e.g. 60s; 0: no limit)",
    )
    p.add_argument(
        "--ignore-not-found", action="store_true", help="an object that is already gone is fine"
    )
    p.add_argument("-o", "--output", default="", choices=["", "name"], help="name: only names")
    p.set_defaults(handler=run)


@dataclass
class Deleted:
    """An object whose DELETE was accepted: what to wait for."""

    info: ResourceInfo
    namespace: str | None
    name: str
    uid: str

    @property
    def label(self) -> str:
        return f'{printers.resource_prefix(self.info)} "{self.name}"'


def _grace(args: argparse.Namespace) -> int | None:
    if args.now:
        return 1
    if args.grace_period >= 0:
        if args.grace_period == 0 and not args.force:
            return 1  # kubectl: 0 means "immediately" only with --force
        return int(args.grace_period)
    return 0 if args.force else None


def _delete_one(
    args: argparse.Namespace,
    ctx: Context,
    info: ResourceInfo,
    name: str,
    namespace: str | None,
    ignore_not_found: bool,
) -> Deleted | None:
    try:
        response = ctx.client.delete(
            info,
            name,
            namespace,
            propagation_policy=_CASCADE[args.cascade],
            grace_period_seconds=_grace(args),
        )
    except errors.NotFound:
        if ignore_not_found:
            return None
        raise
    if args.output == "name":
        ctx.out(f"{printers.resource_prefix(info)}/{name}")
    else:
        ctx.out(f'{printers.resource_prefix(info)} "{name}" deleted')
    uid = ""
    if isinstance(response, dict) and response.get("kind") != "Status":
        uid = str((response.get("metadata") or {}).get("uid") or "")
    elif isinstance(response, dict):
        uid = str((response.get("details") or {}).get("uid") or "")
    return Deleted(info, namespace, name, uid)


def _from_targets(args: argparse.Namespace, ctx: Context, targets: list[Target]) -> int:
    deleted: list[Deleted] = []
    failed = False
    for target in targets:
        info = target.info
        ns = ctx.namespace if info.namespaced else None
        if target.names:
            for name in target.names:
                try:
                    one = _delete_one(args, ctx, info, name, ns, args.ignore_not_found)
                except errors.APIError as e:
                    if isinstance(e, errors.ServiceUnavailable):
                        raise
                    ctx.err(error_text(e))
                    failed = True
                    continue
                if one:
                    deleted.append(one)
            continue
        if not (args.all or args.selector or args.field_selector):
            raise CtlError("resource(s) were provided, but no name was specified")
        scope = None if args.all_namespaces and info.namespaced else ns
        items, _ = ctx.client.list_all(
            info, scope, label_selector=args.selector, field_selector=args.field_selector
        )
        for item in items:
            meta = item.get("metadata") or {}
            one = _delete_one(args, ctx, info, meta["name"], meta.get("namespace"), True)
            if one:
                deleted.append(one)
    if not deleted and not failed and not any(t.names for t in targets):
        ctx.err("No resources found")
    if args.wait and deleted and not _wait_all(ctx, deleted, args.timeout):
        return 1
    return 1 if failed else 0


def _from_files(args: argparse.Namespace, ctx: Context) -> int:
    deleted: list[Deleted] = []

    def one(m: Manifest, info: ResourceInfo) -> None:
        ns = manifest_namespace(ctx, m, info)
        try:
            done = _delete_one(
                args, ctx, info, m.obj["metadata"]["name"], ns, args.ignore_not_found
            )
        except errors.APIError as e:
            if isinstance(e, errors.NotFound):
                raise  # printed without the "error when" prefix, as kubectl does
            raise WhenError("deleting", e) from None
        if done:
            deleted.append(done)

    code = for_each_manifest(
        ctx, args.filename, args.recursive, one, verb="delete", doing="deleting"
    )
    if args.wait and deleted and not _wait_all(ctx, deleted, args.timeout):
        return 1
    return code


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.filename:
        if args.resources:
            raise CtlError("cannot name resources and give -f at the same time")
        return _from_files(args, ctx)
    targets = parse_targets(args.resources, "delete", ctx)
    if args.all and any(t.names for t in targets):
        raise CtlError("--all and names cannot be used together")
    return _from_targets(args, ctx, targets)


# --------------------------------------------------------------------------- waiting


def pending_reason(obj: dict[str, Any]) -> str:
    """What keeps a deleted object around, in a few words."""
    meta = obj.get("metadata") or {}
    finalizers = meta.get("finalizers") or []
    if finalizers:
        return "finalizers: " + ", ".join(str(f) for f in finalizers)
    if meta.get("deletionTimestamp"):
        grace = meta.get("deletionGracePeriodSeconds")
        return f"terminating, grace period {grace}s" if grace is not None else "terminating"
    return "still present"


def _wait_all(ctx: Context, deleted: list[Deleted], timeout: float) -> bool:
    deadline = time.monotonic() + timeout if timeout > 0 else None
    for item in deleted:
        if not _wait_gone(ctx, item, deadline):
            ctx.err(
                f"error: timed out waiting for the condition on "
                f"{item.info.group_resource}/{item.name}"
            )
            return False
    return True


def _is_gone(item: Deleted, obj: dict[str, Any]) -> bool:
    uid = (obj.get("metadata") or {}).get("uid")
    return bool(item.uid and uid and uid != item.uid)  # a new object by the same name


def _wait_gone(ctx: Context, item: Deleted, deadline: float | None) -> bool:
    shown = ""
    while True:
        try:
            obj = ctx.client.get(item.info, item.name, item.namespace)
        except errors.NotFound:
            return True
        if _is_gone(item, obj):
            return True
        shown = _progress(ctx, item, obj, shown)
        chunk = float(_WATCH_CHUNK)
        if deadline is not None:
            chunk = min(chunk, deadline - time.monotonic())
            if chunk <= 0:
                return False
        rv = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        for event in ctx.client.watch(
            item.info,
            item.namespace,
            resource_version=rv or None,
            field_selector=f"metadata.name={item.name}",
            timeout_seconds=max(1, math.ceil(chunk)),
        ):
            kind = event.get("type")
            current = event.get("object") or {}
            if kind == "DELETED" or (kind != "BOOKMARK" and _is_gone(item, current)):
                return True
            if kind == "MODIFIED":
                shown = _progress(ctx, item, current, shown)
            if deadline is not None and time.monotonic() >= deadline:
                return False


def _progress(ctx: Context, item: Deleted, obj: dict[str, Any], shown: str) -> str:
    reason = pending_reason(obj)
    if reason != shown:
        ctx.err(f"waiting for {item.label} to be deleted ({reason})")
    return reason
