"""Finding this shim's Docker objects: by ID (inspect) and by filters (one list request).

An object belongs to the shim when its labels carry the shim's instance and the expected
type; anything else (another shim's pod, a container a person started) answers NOT_FOUND
and is never listed, stopped or removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from docker import APIClient

from cridocker import labels as lbl
from cridocker.backend import Docker
from cridocker.errors import CRIError, invalid, is_not_found, not_found

_KIND_NAMES = {lbl.SANDBOX: "pod sandbox", lbl.CONTAINER: "container"}


def owned(obj: Mapping[str, Any], instance: str, kind: str) -> bool:
    """Whether an inspect result or list summary is one of ours of the given kind."""
    labels = obj.get("Labels")
    if labels is None:
        labels = (obj.get("Config") or {}).get("Labels")
    labels = labels or {}
    return bool(labels.get(lbl.INSTANCE) == instance and labels.get(lbl.TYPE) == kind)


async def inspect(docker: Docker, instance: str, kind: str, object_id: str) -> dict[str, Any]:
    """The inspect result of one of our objects; NOT_FOUND otherwise."""
    what = _KIND_NAMES[kind]
    if not object_id:
        raise invalid(f"{what} ID is required")
    try:
        result: dict[str, Any] = await docker.call(
            f"inspect_{kind}", lambda api: api.inspect_container(object_id), f"{what} {object_id}"
        )
    except CRIError as err:
        if is_not_found(err):
            raise not_found(f"{what} {object_id!r} not found") from None
        raise
    if not owned(result, instance, kind):
        raise not_found(f"{what} {object_id!r} not found")
    return result


async def inspect_or_none(
    docker: Docker, instance: str, kind: str, object_id: str
) -> dict[str, Any] | None:
    """Like `inspect`, but None when the object is gone (for idempotent Stop/Remove)."""
    try:
        return await inspect(docker, instance, kind, object_id)
    except CRIError as err:
        if is_not_found(err):
            return None
        raise


def list_filters(
    instance: str,
    kind: str,
    *,
    object_id: str = "",
    selector: Mapping[str, str] | None = None,
    extra_labels: Mapping[str, str] | None = None,
    status: str = "",
) -> dict[str, Any]:
    """Docker list filters for our objects of one kind."""
    label_filters = [f"{lbl.TYPE}={kind}", f"{lbl.INSTANCE}={instance}"]
    label_filters += [f"{k}={v}" for k, v in sorted((extra_labels or {}).items())]
    label_filters += lbl.selector_filters(selector or {})
    filters: dict[str, Any] = {"label": label_filters}
    if object_id:
        filters["id"] = object_id
    if status:
        filters["status"] = status
    return filters


async def list_summaries(
    docker: Docker, kind: str, filters: dict[str, Any]
) -> list[dict[str, Any]]:
    """Container summaries matching `filters`, every state included, in one request."""

    def run(api: APIClient) -> list[dict[str, Any]]:
        return list(api.containers(all=True, filters=filters))

    return await docker.call(f"list_{kind}s", run, f"listing {_KIND_NAMES[kind]}s")
