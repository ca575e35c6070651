"""Pieces several mkctl commands share: resource arguments, error text, manifest loops.

* `parse_targets` reads `TYPE[,TYPE] [NAME...]` or `TYPE/NAME...` as kubectl does, with
  short names (`deploy`, `po`), `plural.group` and the `all` category; given the context,
  a type mkctl does not know is looked up in the server's discovery (`discovery`).
* `error_text` turns any failure into the one line kubectl would print
  (`Error from server (NotFound): deployments.apps "x" not found`, `The connection to the
  server 127.0.0.1:6443 was refused - did you specify the right host or port?`, ...).
* `for_each_manifest` runs an action on every manifest of `-f`, reporting each failure on
  its own line and carrying on with the next object, as kubectl does; a document that does
  not parse stops the loop (the objects before it have been handled).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from minik8s.api import errors, resources
from minik8s.api.patch import PatchError
from minik8s.api.resources import ResourceInfo
from minik8s.api.times import parse_seconds
from minik8s.client.config import ConfigError
from minik8s.client.rest import Unreachable

from . import discovery
from .context import Context, CtlError
from .jsonpath import JSONPathError
from .manifests import Manifest, ManifestError, check, load

__all__ = [
    "Target",
    "WhenError",
    "add_file_flags",
    "error_text",
    "for_each_manifest",
    "manifest_namespace",
    "parse_duration",
    "parse_targets",
    "resolve_type",
]

# kubectl's `get all`: the category in the order discovery lists it.
_ALL_ORDER = (
    "pods",
    "services",
    "daemonsets",
    "deployments",
    "replicasets",
    "statefulsets",
    "horizontalpodautoscalers",
    "cronjobs",
    "jobs",
)


@dataclass
class Target:
    """One resource type and the names asked for (empty: all of that type)."""

    info: ResourceInfo
    names: list[str] = field(default_factory=list)


def resolve_type(name: str, ctx: Context | None = None) -> ResourceInfo:
    """The resource `name` means; with `ctx`, types mkctl does not know come from discovery."""
    return discovery.resolve(name, ctx)


def _expand_types(spec: str, ctx: Context | None) -> list[ResourceInfo]:
    infos: list[ResourceInfo] = []
    for part in spec.split(","):
        if not part:
            continue
        if part.lower() == "all":
            by_plural = {r.plural: r for r in resources.RESOURCES if "all" in r.categories}
            infos.extend(by_plural[p] for p in _ALL_ORDER if p in by_plural)
        else:
            infos.append(resolve_type(part, ctx))
    unique: list[ResourceInfo] = []
    for info in infos:
        if info not in unique:
            unique.append(info)
    return unique


def parse_targets(words: list[str], verb: str, ctx: Context | None = None) -> list[Target]:
    """`TYPE[,TYPE] [NAME...]` or `TYPE/NAME...` as a list of targets, in the order given
    (with `ctx`, types unknown to mkctl are resolved through the server's discovery)."""
    if not words:
        raise CtlError(
            f"You must specify the type of resource to {verb}. "
            'Use "mkctl api-resources" for a complete list of supported resources.'
        )
    if "/" in words[0]:
        targets: list[Target] = []
        for word in words:
            kind, slash, name = word.partition("/")
            if not slash:
                raise CtlError(
                    "there is no need to specify a resource type as a separate argument when "
                    f"passing arguments in resource/name form (e.g. 'mkctl {verb} "
                    f"resource/<resource_name>' instead of 'mkctl {verb} resource "
                    "resource/<resource_name>')"
                )
            if not name:
                raise CtlError(
                    f"arguments in resource/name form must have a single resource "
                    f'and name: "{word}"'
                )
            info = resolve_type(kind, ctx)
            existing = next((t for t in targets if t.info == info), None)
            if existing is None:
                targets.append(Target(info, [name]))
            else:
                existing.names.append(name)
        return targets
    for word in words[1:]:
        if "/" in word:
            raise CtlError(
                "there is no need to specify a resource type as a separate argument when "
                f"passing arguments in resource/name form (e.g. 'mkctl {verb} "
                f"resource/<resource_name>' instead of 'mkctl {verb} resource "
                "resource/<resource_name>')"
            )
    infos = _expand_types(words[0], ctx)
    names = list(words[1:])
    if names and len(infos) > 1:
        raise CtlError("you may only specify a single resource type when naming objects")
    return [Target(info, list(names)) for info in infos]


# --------------------------------------------------------------------------- errors


def _server_address(server: str) -> str:
    parts = urlsplit(server)
    return parts.netloc or server


def error_text(exc: BaseException, server: str = "", action: str = "") -> str:
    """The one line kubectl prints for a failure (`action`: 'error when creating "f.yaml": ')."""
    if isinstance(exc, Unreachable):
        message = str(exc)
        if "refused" in message and server:
            return (
                f"The connection to the server {_server_address(server)} was refused - "
                "did you specify the right host or port?"
            )
        return f"Unable to connect to the server: {message}"
    if isinstance(exc, errors.APIError):
        return f"Error from server ({exc.reason}): {action}{_one_line(exc.message)}"
    if isinstance(exc, (CtlError, ConfigError, ManifestError, JSONPathError, PatchError)):
        return f"error: {action}{_one_line(str(exc))}"
    return f"error: {action}{type(exc).__name__}: {_one_line(str(exc))}"


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


EXPECTED_ERRORS: tuple[type[BaseException], ...] = (
    errors.APIError,
    CtlError,
    ConfigError,
    ManifestError,
    JSONPathError,
    PatchError,
)


# --------------------------------------------------------------------------- manifests


def add_file_flags(parser: argparse.ArgumentParser, what: str, required: bool = False) -> None:
    parser.add_argument(
        "-f",
        "--filename",
        action="append",
        default=[],
        required=required,
        metavar="FILE",
        help=f"file, directory or - (stdin) with the manifests {what}; repeatable",
    )
    parser.add_argument(
        "-R",
        "--recursive",
        action="store_true",
        help="process the directories of -f recursively",
    )


def manifest_namespace(ctx: Context, m: Manifest, info: ResourceInfo) -> str | None:
    """The namespace an object from a manifest goes to (None for cluster-scoped kinds)."""
    if not info.namespaced:
        return None
    meta = m.obj.get("metadata") or {}
    own = meta.get("namespace")
    if own and ctx.namespace_given and own != ctx.namespace:
        raise CtlError(
            f'the namespace from the provided object "{own}" does not match the namespace '
            f"\"{ctx.namespace}\". You must pass '--namespace={own}' to perform this operation."
        )
    return str(own or ctx.namespace)


Action = Callable[[Manifest, ResourceInfo], None]


class WhenError(Exception):
    """An API error met while `doing` something ("creating", "patching") to a manifest's
    object; `for_each_manifest` prints it as kubectl does: `error when creating "f.yaml"`."""

    def __init__(self, doing: str, error: errors.APIError) -> None:
        super().__init__(error.message)
        self.doing = doing
        self.error = error


def for_each_manifest(
    ctx: Context,
    files: list[str],
    recursive: bool,
    action: Action,
    *,
    verb: str,
    doing: str,
    allow_generate_name: bool = False,
) -> int:
    """Run `action` on every manifest; 1 if any failed (each failure printed), else 0.

    An unreachable server ends the loop (the error propagates): every other object would
    fail the same way.
    """
    failed = False
    seen = 0
    try:
        for m in load(files, recursive, ctx.stdin):
            seen += 1
            try:
                info = check(m, allow_generate_name=allow_generate_name)
                action(m, info)
            except WhenError as e:
                if isinstance(e.error, Unreachable):
                    raise e.error from None
                ctx.err(error_text(e.error, action=f'error when {e.doing} "{m.source}": '))
                failed = True
            except errors.APIError as e:
                if isinstance(e, Unreachable):
                    raise
                ctx.err(error_text(e, action=f'error when {doing} "{m.source}": '))
                failed = True
            except (CtlError, ManifestError, PatchError) as e:
                ctx.err(error_text(e))
                failed = True
    except ManifestError as e:
        ctx.err(error_text(e))
        return 1
    if not seen:
        raise CtlError(f"no objects passed to {verb}")
    return 1 if failed else 0


# --------------------------------------------------------------------------- durations


def parse_duration(text: str) -> float:
    """A Go-style duration (`30s`, `1m30s`, `500ms`, or plain seconds) in seconds."""
    try:
        return parse_seconds(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
