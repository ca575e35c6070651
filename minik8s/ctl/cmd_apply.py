"""`mkctl apply` and `mkctl create`.

apply is kubectl's client-side apply: the manifest, with its namespace filled in, is stored
in the `kubectl.kubernetes.io/last-applied-configuration` annotation (compact JSON with
sorted keys, as kubectl writes it, so kubectl and mkctl can take turns on one object). An
object that does not exist is created; one that does gets the three-way strategic merge
patch computed from (last applied, manifest, live object), so fields dropped from the
manifest are dropped live and fields only the server or controllers set are kept. No patch
means `unchanged`. Each object is one request, so an object is never half-applied; the
objects of a file are applied in order and a failure does not stop the ones after it.

`decide()` is the pure core (what to send for one object), `apply_object()` performs it.

create sends the manifests (or a namespace, configmap or secret built from flags) as
POSTs; an existing object is an error.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from minik8s.api import errors, resources
from minik8s.api.patch import create_three_way_merge_patch
from minik8s.api.resources import ResourceInfo
from minik8s.client.rest import PATCH_TYPES

from . import printers
from .cmd_get import Output, add_output_flag, parse_output
from .common import WhenError, add_file_flags, for_each_manifest, manifest_namespace
from .context import Context, CtlError
from .manifests import Manifest

__all__ = [
    "LAST_APPLIED",
    "Decision",
    "apply_object",
    "decide",
    "last_applied_json",
    "prepare",
    "register",
]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
DRY_RUN_CHOICES = ("none", "client", "server")


class ApplyClient(Protocol):
    """The part of `minik8s.client.Client` apply uses (a fake one in unit tests)."""

    def get(self, resource: ResourceInfo, name: str, namespace: str | None = None) -> Any: ...

    def create(
        self,
        resource: ResourceInfo,
        obj: dict[str, Any],
        namespace: str | None = None,
        *,
        dry_run: bool = False,
    ) -> Any: ...

    def patch(
        self,
        resource: ResourceInfo,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: str = "merge",
        subresource: str | None = None,
    ) -> Any: ...

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any: ...


# --------------------------------------------------------------------------- pure core


def go_json(value: Any) -> str:
    """JSON as Go's `encoding/json` writes it: compact, sorted keys, UTF-8, HTML-escaped."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


def last_applied_json(obj: dict[str, Any]) -> str:
    """The annotation's value for a manifest: the manifest without that annotation."""
    clean = copy.deepcopy(obj)
    meta = clean.setdefault("metadata", {})
    annotations = dict(meta.get("annotations") or {})
    annotations.pop(LAST_APPLIED, None)
    meta["annotations"] = annotations
    return go_json(clean) + "\n"


def prepare(obj: dict[str, Any], namespace: str | None) -> dict[str, Any]:
    """The object apply sends: namespace filled in, last-applied annotation set."""
    modified = copy.deepcopy(obj)
    meta = modified.setdefault("metadata", {})
    if namespace:
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)
    value = last_applied_json(modified)
    meta["annotations"] = {**(meta.get("annotations") or {}), LAST_APPLIED: value}
    return modified


@dataclass(frozen=True)
class Decision:
    """What apply does for one object: create it, patch it, or nothing."""

    action: Literal["create", "patch", "unchanged"]
    body: dict[str, Any]  # the object to create, or the strategic merge patch


def _original(current: dict[str, Any]) -> dict[str, Any] | None:
    raw = ((current.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    if not raw:
        return None
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def decide(modified: dict[str, Any], current: dict[str, Any] | None, kind: str) -> Decision:
    """Create when there is no live object, else the three-way patch (empty: unchanged)."""
    if current is None:
        return Decision("create", modified)
    patch = create_three_way_merge_patch(_original(current), modified, current, kind)
    if not patch:
        return Decision("unchanged", {})
    return Decision("patch", patch)


# --------------------------------------------------------------------------- apply


_RESULT = {"create": "created", "patch": "configured", "unchanged": "unchanged"}
_SUFFIX = {"none": "", "client": " (dry run)", "server": " (server dry run)"}


def apply_object(
    client: ApplyClient,
    info: ResourceInfo,
    obj: dict[str, Any],
    namespace: str | None,
    dry_run: str = "none",
    attempts: int = 3,
) -> tuple[str, dict[str, Any]]:
    """Apply one manifest object; (result word, the object as the server has it now).

    A create that races another create, or a patch that meets a conflict, starts over from
    a fresh GET (as kubectl retries).
    """
    modified = prepare(obj, namespace)
    name = modified["metadata"]["name"]
    for attempt in range(attempts):
        try:
            current: dict[str, Any] | None = client.get(info, name, namespace)
        except errors.NotFound:
            current = None
        decision = decide(modified, current, info.kind)
        try:
            result = _perform(client, info, name, namespace, decision, current, dry_run)
        except (errors.AlreadyExists, errors.Conflict) as e:
            if attempt + 1 < attempts:
                continue
            raise WhenError("creating" if current is None else "patching", e) from None
        except errors.APIError as e:
            raise WhenError("creating" if current is None else "patching", e) from None
        return _RESULT[decision.action] + _SUFFIX[dry_run], result
    raise AssertionError("unreachable")  # pragma: no cover


def _perform(
    client: ApplyClient,
    info: ResourceInfo,
    name: str,
    namespace: str | None,
    decision: Decision,
    current: dict[str, Any] | None,
    dry_run: str,
) -> dict[str, Any]:
    if decision.action == "unchanged":
        assert current is not None
        return current
    if decision.action == "create":
        if dry_run == "client":
            return decision.body
        return dict(client.create(info, decision.body, namespace, dry_run=dry_run == "server"))
    if dry_run == "client":
        return current or {}
    if dry_run == "server":
        response = client.request(
            "PATCH",
            info.path(namespace, name),
            params={"dryRun": "All"},
            json=decision.body,
            headers={"Content-Type": PATCH_TYPES["strategic"]},
        )
        return dict(response.json())
    return dict(client.patch(info, name, decision.body, namespace, patch_type="strategic"))


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "apply",
        help="Apply a configuration to resources by file name or stdin",
        description="Create or update resources from manifests (client-side apply).",
    )
    add_file_flags(p, "to apply", required=True)
    _add_dry_run(p)
    add_output_flag(p)
    p.set_defaults(handler=run_apply)
    _register_create(subparsers)


def _add_dry_run(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--dry-run",
        nargs="?",
        const="client",
        default="none",
        choices=DRY_RUN_CHOICES,
        help="client: only print what would be sent; server: let the server check it",
    )


def _report(ctx: Context, output: Output, obj: dict[str, Any], word: str) -> None:
    if output.kind == "table":
        ctx.out(f"{printers.object_name(obj)} {word}")
    elif output.kind == "name":
        ctx.out(printers.object_name(obj))
    elif output.kind == "yaml":
        ctx.stdout.write(printers.to_yaml(obj))
    elif output.kind == "json":
        ctx.out(printers.to_json(obj))
    elif output.kind == "jsonpath" and output.template is not None:
        ctx.stdout.write(output.template.render(obj))
    else:
        raise CtlError(f"output format {output.kind} is not supported here")


def run_apply(args: argparse.Namespace, ctx: Context) -> int:
    output = parse_output(args.output)

    def one(m: Manifest, info: ResourceInfo) -> None:
        ns = manifest_namespace(ctx, m, info)
        word, result = apply_object(ctx.client, info, m.obj, ns, args.dry_run)
        shown = result if result.get("kind") else m.obj
        _report(ctx, output, printers.with_type(shown, info), word)

    return for_each_manifest(
        ctx, args.filename, args.recursive, one, verb="apply", doing="applying"
    )


# --------------------------------------------------------------------------- create


def _register_create(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "create",
        help="Create a resource from a file or from stdin",
        description="Create resources from manifests (-f) or from flags (namespace, "
        "configmap, secret generic). Existing objects are an error.",
    )
    add_file_flags(p, "to create")
    _add_dry_run(p)
    add_output_flag(p)
    p.set_defaults(handler=run_create_files)
    kinds = p.add_subparsers(dest="create_kind", metavar="KIND", parser_class=type(p))

    ns = kinds.add_parser("namespace", aliases=["ns"], help="Create a namespace")
    ns.add_argument("name")
    _add_dry_run(ns)
    add_output_flag(ns)
    ns.set_defaults(handler=run_create_namespace)

    cm = kinds.add_parser("configmap", aliases=["cm"], help="Create a configmap")
    _add_data_flags(cm)
    cm.set_defaults(handler=run_create_configmap)

    secret = kinds.add_parser("secret", help="Create a secret")
    secret_kinds = secret.add_subparsers(
        dest="secret_kind", metavar="TYPE", required=True, parser_class=type(p)
    )
    generic = secret_kinds.add_parser("generic", help="Create a secret from literals or files")
    _add_data_flags(generic)
    generic.add_argument("--type", default="Opaque", help="the secret's type (default Opaque)")
    generic.set_defaults(handler=run_create_secret)

    job = kinds.add_parser(
        "job",
        help="Create a job from a cronjob's template or from an image",
        description="mkctl create job NAME --from=cronjob/CJ, or --image=IMAGE [-- COMMAND ...]",
    )
    job.add_argument("name")
    job.add_argument("--from", dest="from_", metavar="cronjob/NAME", help="the cronjob to run now")
    job.add_argument("--image", help="the image of the job's one container")
    job.add_argument("command", nargs="*", help="the container's command (after --)")
    _add_dry_run(job)
    add_output_flag(job)
    job.set_defaults(handler=run_create_job)


def _add_data_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("name")
    p.add_argument(
        "--from-literal",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a key and literal value; repeatable",
    )
    p.add_argument(
        "--from-file",
        action="append",
        default=[],
        metavar="[KEY=]PATH",
        help="a file (key: its name, or KEY) or a directory (one key per file); repeatable",
    )
    p.add_argument(
        "--from-env-file",
        action="append",
        default=[],
        metavar="PATH",
        help="a file of KEY=VALUE lines; repeatable",
    )
    _add_dry_run(p)
    add_output_flag(p)


def run_create_files(args: argparse.Namespace, ctx: Context) -> int:
    if not args.filename:
        raise CtlError("must specify -f FILE, or what to create: namespace, configmap, secret")
    output = parse_output(args.output)

    def one(m: Manifest, info: ResourceInfo) -> None:
        ns = manifest_namespace(ctx, m, info)
        obj = copy.deepcopy(m.obj)
        _create(ctx, info, obj, ns, args.dry_run, output)

    return for_each_manifest(
        ctx,
        args.filename,
        args.recursive,
        one,
        verb="create",
        doing="creating",
        allow_generate_name=True,
    )


def _create(
    ctx: Context,
    info: ResourceInfo,
    obj: dict[str, Any],
    namespace: str | None,
    dry_run: str,
    output: Output,
) -> None:
    if namespace:
        obj.setdefault("metadata", {})["namespace"] = namespace
    if dry_run == "client":
        created = obj
    else:
        try:
            created = ctx.client.create(info, obj, namespace, dry_run=dry_run == "server")
        except errors.APIError as e:
            raise WhenError("creating", e) from None
    _report(ctx, output, printers.with_type(created, info), "created" + _SUFFIX[dry_run])


def _create_one(args: argparse.Namespace, ctx: Context, kind: str, obj: dict[str, Any]) -> int:
    info = resources.resolve(kind)
    assert info is not None
    ns = ctx.namespace if info.namespaced else None
    try:
        _create(ctx, info, obj, ns, args.dry_run, parse_output(args.output))
    except WhenError as e:
        raise e.error from None
    return 0


def job_from_cronjob(name: str, cronjob: dict[str, Any]) -> dict[str, Any]:
    """What `kubectl create job NAME --from=cronjob/CJ` sends: the template, run by hand."""
    template = copy.deepcopy((cronjob.get("spec") or {}).get("jobTemplate") or {})
    tmeta = template.get("metadata") or {}
    cmeta = cronjob.get("metadata") or {}
    annotations = {
        **(tmeta.get("annotations") or {}),
        "cronjob.kubernetes.io/instantiate": "manual",
    }
    owner = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "name": cmeta.get("name", ""),
        "uid": cmeta.get("uid", ""),
        "controller": True,
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "labels": dict(tmeta.get("labels") or {}),
            "annotations": annotations,
            "ownerReferences": [owner],
        },
        "spec": template.get("spec") or {},
    }


def run_create_job(args: argparse.Namespace, ctx: Context) -> int:
    if bool(args.from_) == bool(args.image):
        raise CtlError("create job needs either --from=cronjob/NAME or --image=IMAGE")
    if args.from_:
        kind, _, source = str(args.from_).partition("/")
        cronjobs = resources.resolve("cronjobs")
        if cronjobs is None or resources.resolve(kind) != cronjobs or not source:
            raise CtlError(f"--from must be cronjob/NAME, not {args.from_!r}")
        cronjob = ctx.client.get(cronjobs, source, ctx.namespace)
        return _create_one(args, ctx, "jobs", job_from_cronjob(args.name, cronjob))
    container: dict[str, Any] = {"name": args.name, "image": args.image}
    if args.command:
        container["command"] = list(args.command)
    obj = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": args.name},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [container]}}},
    }
    return _create_one(args, ctx, "jobs", obj)


def run_create_namespace(args: argparse.Namespace, ctx: Context) -> int:
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": args.name}}
    return _create_one(args, ctx, "namespaces", obj)


def _split_pair(text: str, flag: str) -> tuple[str, str]:
    key, eq, value = text.partition("=")
    if not eq or not key:
        raise CtlError(f"invalid {flag} {text!r}: expected KEY=VALUE")
    return key, value


def collect_data(literals: list[str], files: list[str], env_files: list[str]) -> dict[str, bytes]:
    """The keys and raw values of `--from-literal/--from-file/--from-env-file`."""
    data: dict[str, bytes] = {}

    def put(key: str, value: bytes) -> None:
        if key in data:
            raise CtlError(f'cannot add key "{key}", another key by that name already exists')
        data[key] = value

    for literal in literals:
        key, value = _split_pair(literal, "--from-literal")
        put(key, value.encode())
    for spec in files:
        key, eq, path_text = spec.partition("=")
        path = Path(path_text if eq else spec)
        if path.is_dir():
            for entry in sorted(path.iterdir()):
                if entry.is_file():
                    put(entry.name, entry.read_bytes())
            continue
        if not path.is_file():
            raise CtlError(f"error reading {path}: no such file or directory")
        put(key if eq else path.name, path.read_bytes())
    for env_file in env_files:
        try:
            lines = Path(env_file).read_text().splitlines()
        except OSError as e:
            raise CtlError(f"error reading {env_file}: {e.strerror or e}") from None
        for line in lines:
            stripped = line.strip()
            if stripped and not stripped.startswith("#"):
                key, value = _split_pair(stripped, "line in " + env_file)
                put(key, value.encode())
    return data


def run_create_configmap(args: argparse.Namespace, ctx: Context) -> int:
    raw = collect_data(args.from_literal, args.from_file, args.from_env_file)
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": args.name}}
    text: dict[str, str] = {}
    binary: dict[str, str] = {}
    for key, value in raw.items():
        try:
            text[key] = value.decode()
        except UnicodeDecodeError:
            binary[key] = base64.b64encode(value).decode()
    if text:
        obj["data"] = text
    if binary:
        obj["binaryData"] = binary
    return _create_one(args, ctx, "configmaps", obj)


def run_create_secret(args: argparse.Namespace, ctx: Context) -> int:
    raw = collect_data(args.from_literal, args.from_file, args.from_env_file)
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": args.name},
        "type": args.type,
    }
    if raw:
        obj["data"] = {k: base64.b64encode(v).decode() for k, v in raw.items()}
    return _create_one(args, ctx, "secrets", obj)
