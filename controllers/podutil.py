"""Small helpers about pods and owner references, shared by the controllers: pure ones,
and `adopt_pods` / `release_pods`, the two ownerReference patches every workload
controller makes (guarded by the pod's resourceVersion, so a pod changed meanwhile is
left for the next sync)."""

from __future__ import annotations

import calendar
import time
from typing import TYPE_CHECKING, Any

from minik8s.api import errors
from minik8s.api.resources import resolve
from minik8s.client.events import NORMAL
from minik8s.client.informer import key_of

if TYPE_CHECKING:
    from minik8s.client import AsyncClient, EventRecorder

    from .expectations import Expectations

Obj = dict[str, Any]


def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def uid_of(obj: Obj) -> str:
    return str(meta(obj).get("uid") or "")


def is_deleting(obj: Obj) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


def parse_time(text: str | None) -> float | None:
    """Seconds since the epoch of an RFC 3339 UTC timestamp (fractions allowed)."""
    if not text:
        return None
    base, _, frac = text.rstrip("Z").partition(".")
    try:
        seconds = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None
    return seconds + (float(f"0.{frac}") if frac.isdigit() else 0.0)


def format_time(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


def controller_ref(obj: Obj) -> Obj | None:
    for ref in meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def owner_ref(owner: Obj, *, block: bool = True) -> Obj:
    """The controller ownerReference pointing at `owner`."""
    return {
        "apiVersion": owner.get("apiVersion", ""),
        "kind": owner.get("kind", ""),
        "name": meta(owner).get("name", ""),
        "uid": uid_of(owner),
        "controller": True,
        "blockOwnerDeletion": block,
    }


def pod_condition(pod: Obj, ctype: str) -> Obj | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == ctype:
            return dict(cond)
    return None


def is_pod_ready(pod: Obj) -> bool:
    cond = pod_condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def is_pod_available(pod: Obj, min_ready_seconds: int, now: float) -> bool:
    """Ready, and ready for at least `min_ready_seconds` (by the condition's transition time)."""
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds <= 0:
        return True
    cond = pod_condition(pod, "Ready") or {}
    since = parse_time(cond.get("lastTransitionTime"))
    return since is not None and since + min_ready_seconds <= now


def is_pod_active(pod: Obj) -> bool:
    """Not finished and not being deleted: a pod that counts towards replicas."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not is_deleting(pod)


def restarts(pod: Obj) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return sum(int(s.get("restartCount") or 0) for s in statuses)


def set_condition(conditions: list[Obj], new: Obj, now: str) -> list[Obj]:
    """Conditions with `new` set: lastTransitionTime moves only when the status changes."""
    out: list[Obj] = []
    found = False
    for cond in conditions:
        if cond.get("type") != new.get("type"):
            out.append(cond)
            continue
        found = True
        merged = {**cond, **new}
        if cond.get("status") == new.get("status"):
            merged["lastTransitionTime"] = cond.get("lastTransitionTime") or now
        else:
            merged["lastTransitionTime"] = now
        out.append(merged)
    if not found:
        out.append({**new, "lastTransitionTime": now})
    return out


def next_available_check(pods: list[Obj], min_ready: int, now: float) -> float | None:
    """Seconds until the next ready pod becomes available (minReadySeconds), if any."""
    waits = []
    for pod in pods:
        if is_pod_ready(pod) and not is_pod_available(pod, min_ready, now):
            since = parse_time((pod_condition(pod, "Ready") or {}).get("lastTransitionTime"))
            if since is not None:
                waits.append(max(0.1, since + min_ready - now + 0.1))
    return min(waits) if waits else None


async def adopt_pods(client: AsyncClient, owner: Obj, pods: list[Obj]) -> list[Obj]:
    """Make `owner` the controller of each orphan pod; answers the pods as patched."""
    info = resolve("pods")
    assert info is not None
    adopted = []
    for pod in pods:
        patch = {
            "metadata": {
                "ownerReferences": [*(meta(pod).get("ownerReferences") or []), owner_ref(owner)],
                "resourceVersion": meta(pod).get("resourceVersion"),
            }
        }
        try:
            adopted.append(
                await client.patch(info, meta(pod)["name"], patch, meta(pod).get("namespace"))
            )
        except (errors.NotFound, errors.Conflict):
            continue  # changed meanwhile: the next sync looks again
    return adopted


async def release_pods(client: AsyncClient, owner: Obj, pods: list[Obj]) -> None:
    """Drop `owner`'s reference from pods that no longer match its selector."""
    info = resolve("pods")
    assert info is not None
    uid = uid_of(owner)
    for pod in pods:
        refs = [r for r in meta(pod).get("ownerReferences") or [] if r.get("uid") != uid]
        patch = {
            "metadata": {
                "ownerReferences": refs or None,
                "resourceVersion": meta(pod).get("resourceVersion"),
            }
        }
        try:
            await client.patch(info, meta(pod)["name"], patch, meta(pod).get("namespace"))
        except (errors.NotFound, errors.Conflict):
            continue


async def delete_pods(
    client: AsyncClient,
    recorder: EventRecorder,
    expectations: Expectations,
    owner: Obj,
    key: str,
    pods: list[Obj],
) -> None:
    """Delete `pods` for `owner` (whose queue key is `key`), whose deletions the caller has
    already expected: a pod already gone, or a failed call, is observed at once so the
    owner's next sync is not held back by a deletion that will never be seen."""
    info = resolve("pods")
    assert info is not None
    for pod in pods:
        name = meta(pod)["name"]
        pod_key = key_of(pod)
        try:
            await client.delete(info, name, meta(pod).get("namespace"))
        except errors.NotFound:
            expectations.deletion_observed(key, pod_key)
            continue
        except Exception:
            expectations.deletion_observed(key, pod_key)
            raise
        recorder.emit(owner, NORMAL, "SuccessfulDelete", f"Deleted pod: {name}")
