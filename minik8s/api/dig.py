"""One safe lookup into nested JSON objects: `dig(pod, "spec.template.spec", {})`.

Objects are plain dicts that may be partial or hold the wrong types (a manifest, a stored
object, a hand-written status), so reading `obj["spec"]["template"]["spec"]` must never
raise. `dig` walks a dotted path (or a sequence of keys, for keys that hold dots, like
label names) and answers the default as soon as a step is missing, null or not an object.
kopf keeps the same single helper (`resolve(d, "spec.x", default)`). Pure and stateless.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["dig"]


def dig(obj: Any, path: str | Sequence[str], default: Any = None) -> Any:
    """`obj[k1][k2]...` for the keys of `path` ("a.b.c" or ("a", "b.c")); `default` when a
    step is missing or not a mapping, or the value found is null."""
    keys = path.split(".") if isinstance(path, str) else path
    current = obj
    for key in keys:
        if not isinstance(current, Mapping):
            return default
        current = current.get(key)
    return default if current is None else current
