"""`mkctl label`, `mkctl annotate` and `mkctl scale`: small edits to live objects.

label/annotate take `KEY=VALUE` (set) and `KEY-` (remove) after the objects, and send one
JSON merge patch per object. Changing a key that already has another value needs
`--overwrite`, as in kubectl; `--resource-version` makes the patch conditional. `plan_labels`
is the pure decision (patch, result word, notes).

scale goes through the `scale` subresource: a merge patch of `spec.replicas`, or, with
`--current-replicas`/`--resource-version`, a GET and a conditional PUT of the `Scale`, so
a concurrent change makes it fail instead of being overwritten.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import Any

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo

from . import printers
from .cmd_get import add_output_flag, parse_output
from .common import (
    Target,
    add_file_flags,
    error_text,
    for_each_manifest,
    manifest_namespace,
    parse_targets,
)
from .context import Context, CtlError
from .manifests import Manifest

__all__ = ["MetaPlan", "parse_changes", "plan_labels", "register"]


def register(subparsers: Any) -> None:
    for verb, what in (("label", "labels"), ("annotate", "annotations")):
        p = subparsers.add_parser(
            verb,
            help=f"Update the {what} on a resource",
            description=f"Set (KEY=VALUE) or remove (KEY-) {what}: "
            f"mkctl {verb} TYPE NAME KEY=VALUE KEY2-",
        )
        p.add_argument("words", nargs="*", metavar="TYPE NAME | KEY=VALUE | KEY-")
        add_file_flags(p, f"whose objects to {verb}")
        p.add_argument("--overwrite", action="store_true", help="allow changing existing values")
        p.add_argument("-l", "--selector", help="act on the objects this selector matches")
        p.add_argument("--all", action="store_true", help="act on every object of the type")
        p.add_argument("--list", action="store_true", help=f"print the {what}, change nothing")
        p.add_argument("--resource-version", help="only if the object is still at this version")
        p.add_argument(
            "--dry-run",
            nargs="?",
            const="client",
            default="none",
            choices=("none", "client", "server"),
            help="do not change anything",
        )
        add_output_flag(p)
        p.set_defaults(handler=run_meta, field=what, meta_verb=verb)

    s = subparsers.add_parser(
        "scale",
        help="Set a new size for a deployment, replica set or stateful set",
        description="Set spec.replicas through the scale subresource.",
    )
    s.add_argument("resources", nargs="*", metavar="TYPE[/NAME]", help="what to scale")
    add_file_flags(s, "whose objects to scale")
    s.add_argument("--replicas", type=int, required=True, help="the new number of replicas")
    s.add_argument(
        "--current-replicas",
        type=int,
        default=-1,
        help="only scale if the current number of replicas is this",
    )
    s.add_argument("--resource-version", help="only scale if the object is at this version")
    s.add_argument("-l", "--selector", help="scale the objects this selector matches")
    s.add_argument("--all", action="store_true", help="scale every object of the type")
    s.set_defaults(handler=run_scale)


# --------------------------------------------------------------------------- label/annotate


def parse_changes(words: list[str]) -> tuple[list[str], dict[str, str], list[str]]:
    """Split `label` arguments into (resource words, keys to set, keys to remove)."""
    resource_words: list[str] = []
    sets: dict[str, str] = {}
    removes: list[str] = []
    for word in words:
        if "=" in word:
            key, _, value = word.partition("=")
            if not key:
                raise CtlError(f"invalid label spec: {word}")
            if key in sets and sets[key] != value:
                raise CtlError(f"conflicting values for {key}: {sets[key]!r} and {value!r}")
            sets[key] = value
        elif word.endswith("-") and len(word) > 1:
            removes.append(word[:-1])
        else:
            resource_words.append(word)
    for key in removes:
        if key in sets:
            raise CtlError("can not both modify and remove a label in the same command")
    return resource_words, sets, removes


@dataclass
class MetaPlan:
    """What label/annotate does to one object."""

    patch: dict[str, Any]  # {} when nothing changes
    word: str  # "labeled", "unlabeled", "not labeled", "annotated"
    notes: list[str] = field(default_factory=list)  # 'label "x" not found.'


def plan_labels(
    current: dict[str, str] | None,
    sets: dict[str, str],
    removes: list[str],
    *,
    field_name: str,
    overwrite: bool,
) -> MetaPlan:
    """The merge patch for `field_name` ("labels" or "annotations"); raises on a refused
    overwrite with kubectl's message."""
    current = dict(current or {})
    singular = "label" if field_name == "labels" else "annotation"
    refused = [
        f"'{k}' already has a value ({current[k]})"
        for k, v in sets.items()
        if k in current and current[k] != v and not overwrite
    ]
    if refused:
        if field_name == "labels":
            raise CtlError(f"{refused[0]}, and --overwrite is false")
        raise CtlError(
            "--overwrite is false but found the following declared annotation(s): "
            + "; ".join(refused)
        )
    changes: dict[str, str | None] = {k: v for k, v in sets.items() if current.get(k) != v}
    notes: list[str] = []
    for key in removes:
        if key in current:
            changes[key] = None
        else:
            notes.append(f'{singular} "{key}" not found.')
    patch = {"metadata": {field_name: changes}} if changes else {}
    if field_name == "annotations":
        return MetaPlan(patch, "annotated", notes)
    if not changes:
        return MetaPlan({}, "not labeled", notes)
    if all(v is None for v in changes.values()) and not sets:
        return MetaPlan(patch, "unlabeled", notes)
    return MetaPlan(patch, "labeled", notes)


def _objects(
    args: argparse.Namespace, ctx: Context, targets: list[Target]
) -> list[tuple[ResourceInfo, str | None, str]]:
    found: list[tuple[ResourceInfo, str | None, str]] = []
    for target in targets:
        info = target.info
        ns = ctx.namespace if info.namespaced else None
        if target.names:
            found.extend((info, ns, name) for name in target.names)
            continue
        if not (args.all or args.selector):
            raise CtlError("resource(s) were provided, but no name was specified")
        items, _ = ctx.client.list_all(info, ns, label_selector=args.selector)
        found.extend((info, ns, str(i["metadata"]["name"])) for i in items)
    return found


def _meta_one(
    args: argparse.Namespace,
    ctx: Context,
    info: ResourceInfo,
    ns: str | None,
    name: str,
    changes: tuple[dict[str, str], list[str]],
) -> None:
    obj = ctx.client.get(info, name, ns)
    current = (obj.get("metadata") or {}).get(args.field) or {}
    if args.list:
        for key in sorted(current):
            ctx.out(f"{key}={current[key]}")
        return
    plan = plan_labels(
        current, changes[0], changes[1], field_name=args.field, overwrite=args.overwrite
    )
    for note in plan.notes:
        ctx.out(note)
    result = obj
    if plan.patch and args.dry_run != "client":
        patch = plan.patch
        if args.resource_version:
            patch = {"metadata": {**patch["metadata"], "resourceVersion": args.resource_version}}
        if args.dry_run == "server":
            response = ctx.client.request(
                "PATCH",
                info.path(ns, name),
                params={"dryRun": "All"},
                json=patch,
                headers={"Content-Type": "application/merge-patch+json"},
            )
            result = response.json()
        else:
            result = ctx.client.patch(info, name, patch, ns, patch_type="merge")
    output = parse_output(args.output)
    shown = printers.with_type(result, info)
    if output.kind == "table":
        suffix = {"none": "", "client": " (dry run)", "server": " (server dry run)"}
        ctx.out(f"{printers.object_name(shown)} {plan.word}{suffix[args.dry_run]}")
    elif output.kind == "name":
        ctx.out(printers.object_name(shown))
    elif output.kind == "json":
        ctx.out(printers.to_json(shown))
    else:
        ctx.stdout.write(printers.to_yaml(shown))


def run_meta(args: argparse.Namespace, ctx: Context) -> int:
    resource_words, sets, removes = parse_changes(args.words)
    if not sets and not removes and not args.list:
        raise CtlError(f"at least one {args.field[:-1]} update is required")
    changes = (sets, removes)
    if args.filename:
        if resource_words:
            raise CtlError("cannot name resources and give -f at the same time")

        def one(m: Manifest, info: ResourceInfo) -> None:
            _meta_one(
                args,
                ctx,
                info,
                manifest_namespace(ctx, m, info),
                m.obj["metadata"]["name"],
                changes,
            )

        return for_each_manifest(
            ctx, args.filename, args.recursive, one, verb=args.meta_verb, doing="patching"
        )
    failed = False
    for info, ns, name in _objects(args, ctx, parse_targets(resource_words, args.meta_verb, ctx)):
        try:
            _meta_one(args, ctx, info, ns, name, changes)
        except errors.APIError as e:
            if isinstance(e, errors.ServiceUnavailable):
                raise
            ctx.err(error_text(e))
            failed = True
    return 1 if failed else 0


# --------------------------------------------------------------------------- scale


def _scale_one(
    args: argparse.Namespace, ctx: Context, info: ResourceInfo, ns: str | None, name: str
) -> None:
    if "scale" not in info.subresources:
        raise CtlError(f"cannot scale {info.group_resource}: it has no scale subresource")
    path = info.path(ns, name) + "/scale"
    if args.current_replicas >= 0 or args.resource_version:
        scale = ctx.client.request("GET", path).json()
        have = int((scale.get("spec") or {}).get("replicas") or 0)
        if args.current_replicas >= 0 and have != args.current_replicas:
            raise CtlError(f"Expected replicas to be {args.current_replicas}, was {have}")
        if args.resource_version:
            scale.setdefault("metadata", {})["resourceVersion"] = args.resource_version
        scale.setdefault("spec", {})["replicas"] = args.replicas
        ctx.client.update(info, scale, ns, subresource="scale")
    else:
        ctx.client.patch(info, name, {"spec": {"replicas": args.replicas}}, ns, subresource="scale")
    ctx.out(f"{printers.resource_prefix(info)}/{name} scaled")


def run_scale(args: argparse.Namespace, ctx: Context) -> int:
    if args.replicas < 0:
        raise CtlError(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0"
        )
    if args.filename:

        def one(m: Manifest, info: ResourceInfo) -> None:
            _scale_one(args, ctx, info, manifest_namespace(ctx, m, info), m.obj["metadata"]["name"])

        return for_each_manifest(
            ctx, args.filename, args.recursive, one, verb="scale", doing="scaling"
        )
    failed = False
    for info, ns, name in _objects(args, ctx, parse_targets(args.resources, "scale", ctx)):
        try:
            _scale_one(args, ctx, info, ns, name)
        except errors.APIError as e:
            if isinstance(e, errors.ServiceUnavailable):
                raise
            ctx.err(error_text(e))
            failed = True
    return 1 if failed else 0
