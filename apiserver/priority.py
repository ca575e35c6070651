"""Pod priority admission: `spec.priorityClassName` → `spec.priority` (kube's Priority plugin).

On pod create the API server resolves the pod's PriorityClass (or the cluster's
`globalDefault` class when the pod names none) and writes its value into `spec.priority`
and its `preemptionPolicy` into `spec.preemptionPolicy`; the scheduler orders its queue and
preempts by that number. A class that does not exist is 403 Forbidden, as in Kubernetes,
and a pod that sets a `priority` different from its class's is refused the same way.

The two system classes are created by the API server at start (`SYSTEM_CLASSES`). The
functions here are pure: the registry hands them the classes it read from its watch cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from minik8s.api import errors
from minik8s.api.kinds.priorityclass import SYSTEM_PRIORITY_CLASSES

Obj = dict[str, Any]

SYSTEM_CLASSES: list[Obj] = [
    {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": name},
        "value": value,
        "description": "Used for system critical pods that must not be moved from their "
        + ("node." if name == "system-node-critical" else "current node."),
    }
    for name, value in SYSTEM_PRIORITY_CLASSES.items()
]


def _forbidden(pod: Obj, detail: str) -> errors.Forbidden:
    name = (pod.get("metadata") or {}).get("name") or (pod.get("metadata") or {}).get(
        "generateName", ""
    )
    return errors.Forbidden(f'pods "{name}" is forbidden: {detail}', name=name, kind="pods")


def admit_pod(pod: Obj, classes: Iterable[Obj]) -> None:
    """Fill `spec.priority` / `spec.preemptionPolicy` of a pod being created, in place."""
    spec = pod.get("spec")
    if not isinstance(spec, dict):
        return  # validation answers for the missing spec
    by_name = {str((c.get("metadata") or {}).get("name")): c for c in classes}
    wanted = spec.get("priorityClassName")
    if wanted:
        found = by_name.get(str(wanted))
        if found is None:
            raise _forbidden(pod, f"no PriorityClass with name {wanted} was found")
    else:
        defaults = [c for c in by_name.values() if c.get("globalDefault") is True]
        # the lowest global default wins if there were ever two (kube does the same)
        found = min(defaults, key=lambda c: int(c.get("value") or 0), default=None)
        if found is not None:
            spec["priorityClassName"] = found["metadata"]["name"]
    value = int(found.get("value") or 0) if found is not None else 0
    given = spec.get("priority")
    if given is not None and given != value:
        raise _forbidden(
            pod,
            f"the integer value of priority ({given}) must not be provided in pod spec; "
            f"priority admission controller computed {value} from the given PriorityClass name",
        )
    spec["priority"] = value
    if found is not None:
        spec.setdefault("preemptionPolicy", found.get("preemptionPolicy", "PreemptLowerPriority"))


def check_single_global_default(new: Obj, classes: Iterable[Obj]) -> None:
    """At most one class may be the global default (422 naming `globalDefault`)."""
    if new.get("globalDefault") is not True:
        return
    name = (new.get("metadata") or {}).get("name")
    for other in classes:
        other_name = (other.get("metadata") or {}).get("name")
        if other.get("globalDefault") is True and other_name != name:
            cause = errors.invalid(
                "globalDefault", True, f"PriorityClass {other_name} is already marked as default"
            )
            raise errors.invalid_object("PriorityClass", "scheduling.k8s.io", str(name), [cause])
