"""Server-side defaulting: the values Kubernetes fills in when a manifest leaves them out.

Clients read back what the server stored (`kubectl get -o yaml`, controllers comparing
templates, the kubelet deciding when to pull), so the stored object must carry the same
defaults a real cluster would add. Each kind's defaults are its strategy's `default()`
(`minik8s.api.kinds`); this module is their entry point and the guarded access they share.

Defaulting runs before validation and must therefore survive anything a client sends: every
access is guarded, a field of the wrong type is left untouched for validation to report,
and applying the defaults twice changes nothing.

Not done here, because the API server or a controller owns them: `metadata.namespace`,
`metadata.name` from `generateName`, Service `clusterIP`/`nodePort` allocation (the
registry's write extension), the Job `controller-uid` selector (the Job strategy's
`prepare_for_create`).
"""

from __future__ import annotations

from typing import Any

from minik8s.api.kind import ResourceInfo

__all__ = ["apply_defaults"]

Obj = dict[str, Any]


# --------------------------------------------------------------------------- guarded access


def child(obj: Obj, key: str, *, create: bool = True) -> Obj | None:
    """`obj[key]` when it is an object; created empty when absent and `create` is set.

    Returns None when the field holds something other than an object: that is a
    validation error, not ours to repair.
    """
    value = obj.get(key)
    if value is None:
        if not create:
            return None
        value = obj[key] = {}
    return value if isinstance(value, dict) else None


def dicts_at(obj: Obj, key: str) -> list[Obj]:
    """The object elements of the list `obj[key]` (nothing when it is absent or not a list)."""
    value = obj.get(key)
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def set_default(obj: Obj, key: str, value: Any) -> None:
    """Like `dict.setdefault`, but an explicit JSON null also counts as absent."""
    if obj.get(key) is None:
        obj[key] = value


# --------------------------------------------------------------------------- entry point


def apply_defaults(info: ResourceInfo, obj: dict[str, Any]) -> None:
    """Fill Kubernetes' defaults into `obj` in place. Idempotent; never raises."""
    if not isinstance(obj, dict):
        return
    info.strategy.default(obj)
