"""What the controllers share about the pods (and ReplicaSets) they own: Kubernetes keeps
this in `pkg/controller/controller_utils.go` and `controller_ref_manager.go`.

* ownerReferences: `controller_ref`, `owner_ref`, and `claim` (ClaimPods: which children
  an owner keeps, adopts and releases), with `adopt_pods` / `release_pods`, the two
  ownerReference patches every workload controller makes (guarded by the pod's
  resourceVersion, so a pod changed meanwhile is left for the next sync);
* the pods a controller counts (`is_pod_active`), deletes first (`deletion_order`,
  kube's ActivePods order) and creates in slow-start batches (`slow_start_batches`);
* `template_hash`, the name-safe hash of a pod template that names ReplicaSets and
  ControllerRevisions;
* `delete_pods`, deletions that keep the owner's expectations honest.

What a pod *is* (ready, available, terminal) is not controller business: that lives in
`minik8s.api.pods`, shared with the kubelet, the scheduler and mkctl. Everything here but
the three async writers is pure; the writers run inside one sync of one key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from minik8s.api import errors
from minik8s.api.pods import is_pod_available, is_pod_ready, is_pod_terminal, pod_condition
from minik8s.api.resources import resolve
from minik8s.api.selectors import LabelSelector
from minik8s.api.times import epoch_seconds
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


@dataclass
class Claim:
    owned: list[Obj] = field(default_factory=list)  # controlled and matching (incl. adopted)
    adopt: list[Obj] = field(default_factory=list)
    release: list[Obj] = field(default_factory=list)


def claim(owner: Obj, candidates: Iterable[Obj], selector: LabelSelector) -> Claim:
    """Which children (pods, or a Deployment's ReplicaSets) the owner keeps, adopts and
    releases (Kubernetes' ClaimPods): a controlled child that stopped matching is released,
    a matching orphan is adopted unless it or the owner is being deleted."""
    result = Claim()
    uid = uid_of(owner)
    for child in candidates:
        ref = controller_ref(child)
        matches = selector.matches(meta(child).get("labels"))
        if ref is not None:
            if ref.get("uid") != uid:
                continue
            if matches:
                result.owned.append(child)
            elif not is_deleting(child):
                result.release.append(child)
        elif matches and not is_deleting(child) and not is_deleting(owner):
            result.adopt.append(child)
            result.owned.append(child)
    return result


def is_pod_active(pod: Obj) -> bool:
    """Not finished and not being deleted: a pod that counts towards replicas."""
    return not is_pod_terminal(pod) and not is_deleting(pod)


def restarts(pod: Obj) -> int:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return sum(int(s.get("restartCount") or 0) for s in statuses)


_PHASE_RANK = {"Pending": 0, "Unknown": 1, "Running": 2}


def _deletion_key(pod: Obj) -> tuple[int, int, int, float, int, float]:
    ready = is_pod_ready(pod)
    ready_since = (
        epoch_seconds((pod_condition(pod, "Ready") or {}).get("lastTransitionTime")) or 0.0
    )
    created = epoch_seconds(meta(pod).get("creationTimestamp")) or 0.0
    return (
        1 if (pod.get("spec") or {}).get("nodeName") else 0,  # unscheduled first
        _PHASE_RANK.get((pod.get("status") or {}).get("phase") or "Pending", 0),
        1 if ready else 0,  # not ready first
        -ready_since if ready else 0.0,  # ready for a shorter time first
        -restarts(pod),  # more restarts first
        -created,  # newest first
    )


def deletion_order(pods: Iterable[Obj]) -> list[Obj]:
    """Pods from the least to the most valuable: the first ones are deleted first."""
    return sorted(pods, key=lambda p: (*_deletion_key(p), meta(p).get("name", "")))


def slow_start_batches(count: int, initial: int = 1) -> list[int]:
    """Batch sizes 1, 2, 4, … adding up to `count`: a create that fails (a quota, an
    admission webhook) fails once, not `count` times."""
    batches: list[int] = []
    size = max(1, initial)
    while count > 0:
        batch = min(size, count)
        batches.append(batch)
        count -= batch
        size *= 2
    return batches


_SAFE = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template: Obj, collision_count: int = 0) -> str:
    """A short name-safe hash of a pod template; `status.collisionCount` changes it, so a
    name taken by a foreign ReplicaSet (or ControllerRevision) is avoided on the next try."""
    text = json.dumps(template, sort_keys=True, separators=(",", ":"))
    if collision_count:
        text += f"#{collision_count}"
    number = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    out = []
    for _ in range(10):
        number, digit = divmod(number, len(_SAFE))
        out.append(_SAFE[digit])
    return "".join(out)


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
            since = epoch_seconds((pod_condition(pod, "Ready") or {}).get("lastTransitionTime"))
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
