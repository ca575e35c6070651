"""What a REST path names: the kind (from the catalog), namespace, name and subresource.

`/api/v1/namespaces/{ns}/pods/{name}/status`, `/apis/apps/v1/deployments`: the segments
after `/api` or `/apis` become a `Target`, or a 404 `Status` that says which part the
server does not serve. Pure; the catalog is the one the server serves.
"""

from __future__ import annotations

from dataclasses import dataclass

from minik8s.api import errors
from minik8s.api.kind import ResourceInfo
from minik8s.api.resources import BUILTIN_CATALOG, Catalog


@dataclass
class Target:
    """What a REST path names."""

    info: ResourceInfo
    namespace: str | None
    name: str | None
    subresource: str | None


def parse_path(parts: list[str], catalog: Catalog = BUILTIN_CATALOG) -> Target:
    """`parts` are the segments after `/api` or `/apis` (e.g. ["v1", "namespaces", ...])."""
    if parts[0] == "v1" and (len(parts) < 2 or parts[1] != "v1"):
        group, version, rest = "", "v1", parts[1:]
    elif len(parts) >= 2:
        group, version, rest = parts[0], parts[1], parts[2:]
    else:
        raise errors.NotFound("the server could not find the requested resource")
    namespace: str | None = None
    if len(rest) >= 3 and rest[0] == "namespaces" and catalog.lookup(group, version, rest[2]):
        namespace = rest[1]
        rest = rest[2:]
    if not rest:
        raise errors.NotFound("the server could not find the requested resource")
    info = catalog.lookup(group, version, rest[0])
    if info is None:
        gv = f"{group}/{version}" if group else version
        raise errors.NotFound(
            f'the server could not find the requested resource (resource "{rest[0]}" is not '
            f"served in {gv})"
        )
    if info.namespaced and namespace is None and len(rest) > 1:
        raise errors.NotFound(
            f"the server could not find the requested resource ({info.plural} are namespaced)"
        )
    if not info.namespaced and namespace is not None:
        raise errors.NotFound(
            f"the server could not find the requested resource ({info.plural} are cluster-scoped)"
        )
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if len(rest) > 3:
        raise errors.NotFound("the server could not find the requested resource")
    if sub and sub not in info.subresources:
        raise errors.NotFound(
            f"the server could not find the requested resource ({info.plural}/{sub} is not "
            "a subresource)"
        )
    return Target(info, namespace, name, sub)
