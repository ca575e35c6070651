"""Resource types mkctl does not know itself, found through the server's discovery.

mkctl resolves `deploy`, `po`, `jobs.batch` from the local registry
(`minik8s.api.resources`) without a request. A name it does not know there
(`componentstatuses`/`cs`, `nodes.metrics.k8s.io`, anything a server adds) is looked up
the way kubectl looks up every name: in the APIResourceLists of `/api/v1` and
`/apis/{group}/{version}`. The documents are fetched once per server and kept for the
process (a CLI invocation is short; the server does not change what it serves under it),
so a command naming several unknown types costs one discovery round.

`resources_from_discovery` and `match` are pure, for unit tests. Single-threaded, like the
rest of mkctl: the cache is a plain module-level dict.
"""

from __future__ import annotations

from typing import Any

from minik8s.api import errors, resources
from minik8s.api.resources import ResourceInfo

from .context import Context, CtlError

__all__ = ["clear_cache", "match", "resolve", "resources_from_discovery", "served"]

_CACHE: dict[str, list[ResourceInfo]] = {}


def resources_from_discovery(lists: list[dict[str, Any]]) -> list[ResourceInfo]:
    """The top-level resources of APIResourceLists (subresources folded into their parent)."""
    found: list[ResourceInfo] = []
    for doc in lists:
        group, _, version = str(doc.get("groupVersion") or "").rpartition("/")
        entries = [e for e in doc.get("resources") or [] if isinstance(e, dict)]
        subs: dict[str, list[str]] = {}
        for e in entries:
            parent, slash, sub = str(e.get("name") or "").partition("/")
            if slash:
                subs.setdefault(parent, []).append(sub)
        for e in entries:
            name = str(e.get("name") or "")
            kind = str(e.get("kind") or "")
            if not name or "/" in name or not kind or not version:
                continue
            found.append(
                ResourceInfo(
                    group,
                    version,
                    kind,
                    name,
                    str(e.get("singularName") or "") or kind.lower(),
                    bool(e.get("namespaced")),
                    tuple(str(s) for s in e.get("shortNames") or ()),
                    tuple(subs.get(name, ())),
                    tuple(str(c) for c in e.get("categories") or ()),
                    tuple(str(v) for v in e.get("verbs") or ()),
                )
            )
    return found


def match(infos: list[ResourceInfo], name: str) -> ResourceInfo | None:
    """The resource `name` means: plural, singular, kind or short name, optionally followed
    by `.group` or `.version.group` (`nodes.metrics.k8s.io`, `nodes.v1beta1.metrics.k8s.io`);
    the first served one wins, as in discovery order."""
    base, _, qualifier = name.lower().partition(".")
    for r in infos:
        if qualifier and qualifier != r.group and qualifier != f"{r.version}.{r.group}":
            continue
        if base in (r.plural, r.singular, r.kind.lower()) or base in r.short_names:
            return r
    return None


def served(ctx: Context) -> list[ResourceInfo]:
    """Every resource the server serves, fetched once per server for this process."""
    key = ctx.config.server
    if key not in _CACHE:
        _CACHE[key] = resources_from_discovery(ctx.client.discovery())
    return _CACHE[key]


def clear_cache() -> None:
    _CACHE.clear()


def resolve(name: str, ctx: Context | None = None) -> ResourceInfo:
    """The local registry's resource for `name`, else (given `ctx`) the server's."""
    info = resources.resolve(name)
    if info is not None:
        return info
    if ctx is not None:
        try:
            info = match(served(ctx), name)
        except errors.APIError as e:
            if isinstance(e, errors.ServiceUnavailable):
                raise  # unreachable: main prints kubectl's connection message
            info = None
        if info is not None:
            return info
    raise CtlError(f'the server doesn\'t have a resource type "{name}"')
