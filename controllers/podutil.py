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
* `delete_pods`, deletions that keep the owner's expectations honest;
* `Replicas`, the whole replica-keeping sync of an owner of identical pods made from one
  template (ReplicaSet, ReplicationController: they differ only in how their selector is
  written), with its pure parts `pod_from_template` and `replica_status`.

What a pod *is* (ready, available, terminal) is not controller business: that lives in
`minik8s.api.pods`, shared with the kubelet, the scheduler and mkctl. Everything here but
the three async writers is pure; the writers run inside one sync of one key.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from minik8s.api import errors
from minik8s.api.pods import is_pod_available, is_pod_ready, is_pod_terminal, pod_condition
from minik8s.api.resources import ResourceInfo, resolve
from minik8s.api.selectors import LabelSelector
from minik8s.api.times import epoch_seconds, rfc3339
from minik8s.client.events import NORMAL, WARNING
from minik8s.client.informer import copy_of, key_of

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


# ---- owners of identical pods: ReplicaSet, ReplicationController


def pod_from_template(owner: Obj) -> Obj:
    """The pod an owner creates from its `spec.template`, controlled by the owner."""
    spec = owner.get("spec") or {}
    template = copy_of(spec.get("template") or {})
    tmeta = template.get("metadata") or {}
    pod_meta: Obj = {
        "generateName": f"{meta(owner).get('name', '')}-",
        "namespace": meta(owner).get("namespace"),
        "labels": dict(tmeta.get("labels") or {}),
        "ownerReferences": [owner_ref(owner)],
    }
    if tmeta.get("annotations"):
        pod_meta["annotations"] = dict(tmeta["annotations"])
    if tmeta.get("finalizers"):
        pod_meta["finalizers"] = list(tmeta["finalizers"])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": template.get("spec") or {},
    }


def replica_status(owner: Obj, pods: list[Obj], now: float, failure: str | None) -> Obj:
    """The status an owner of replicas should have, given its active pods and the last
    create error (ReplicaSetStatus and ReplicationControllerStatus are the same)."""
    spec = owner.get("spec") or {}
    min_ready = int(spec.get("minReadySeconds") or 0)
    old = owner.get("status") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    fully = [
        p
        for p in pods
        if all((meta(p).get("labels") or {}).get(k) == v for k, v in template_labels.items())
    ]
    status: Obj = {
        "replicas": len(pods),
        "fullyLabeledReplicas": len(fully),
        "readyReplicas": sum(1 for p in pods if is_pod_ready(p)),
        "availableReplicas": sum(1 for p in pods if is_pod_available(p, min_ready, now)),
        "observedGeneration": meta(owner).get("generation", 0),
    }
    conditions = [c for c in old.get("conditions") or [] if c.get("type") != "ReplicaFailure"]
    if failure is not None:
        previous = [c for c in old.get("conditions") or [] if c.get("type") == "ReplicaFailure"]
        conditions = set_condition(
            [*conditions, *previous],
            {
                "type": "ReplicaFailure",
                "status": "True",
                "reason": "FailedCreate",
                "message": failure,
            },
            rfc3339(now),
        )
    if conditions:
        status["conditions"] = conditions
    return status


_REPLICA_STATUS_KEYS = (
    "replicas",
    "fullyLabeledReplicas",
    "readyReplicas",
    "availableReplicas",
    "observedGeneration",
    "conditions",
)


def replica_status_changed(old: Obj, new: Obj) -> bool:
    return any((old.get(k) or 0) != (new.get(k) or 0) for k in _REPLICA_STATUS_KEYS)


@dataclass
class Replicas:
    """One sync of an owner of `spec.replicas` identical pods (Kubernetes' ReplicaSet
    controller, which also serves ReplicationControllers):

    1. claim pods: those it controls that still match stay (a controlled pod that stopped
       matching is released), matching orphans are adopted;
    2. once every create/delete issued before has been seen (`expectations`), compare the
       active pods with `spec.replicas`: create the missing ones in slow-start batches (a
       failing batch stops the rest) or delete the least valuable surplus (`deletion_order`);
    3. write `status` (`replica_status`) if it changed.

    The controller reads the owner and the candidate pods from its caches and builds the
    selector; everything else is here. Raises after a failed create (the key is retried
    with backoff); returns when to look again for a pod that becomes available."""

    client: AsyncClient
    recorder: EventRecorder
    expectations: Expectations
    owner_info: ResourceInfo
    burst: int = 500
    initial_batch: int = 1

    async def sync(
        self, owner: Obj, key: str, candidates: Iterable[Obj], selector: LabelSelector, now: float
    ) -> float | None:
        spec = owner.get("spec") or {}
        claimed = claim(owner, candidates, selector)
        owned = [p for p in claimed.owned if p not in claimed.adopt]
        owned += await adopt_pods(self.client, owner, claimed.adopt)
        await release_pods(self.client, owner, claimed.release)
        active = [p for p in owned if is_pod_active(p)]
        failure: str | None = None
        if self.expectations.satisfied(key) and not is_deleting(owner):
            diff = len(active) - int(spec.get("replicas", 1))
            if diff < 0:
                failure = await self._create(owner, key, -diff)
            elif diff > 0:
                doomed = deletion_order(active)[:diff]
                self.expectations.expect_deletions(key, [key_of(p) for p in doomed])
                await delete_pods(self.client, self.recorder, self.expectations, owner, key, doomed)
        status = replica_status(owner, active, now, failure)
        if replica_status_changed(owner.get("status") or {}, status):
            updated = copy_of(owner)
            updated["status"] = status
            await self.client.update(
                self.owner_info, updated, meta(owner).get("namespace"), subresource="status"
            )
        if failure is not None:
            raise RuntimeError(failure)  # retried with backoff
        return next_available_check(active, int(spec.get("minReadySeconds") or 0), now)

    async def _create(self, owner: Obj, key: str, count: int) -> str | None:
        """Creates `count` pods (at most `burst`) in slow-start batches; the first error."""
        count = min(count, self.burst)
        ns = meta(owner).get("namespace")
        self.expectations.expect_creations(key, count)
        remaining = count
        pods = resolve("pods")
        assert pods is not None
        for batch in slow_start_batches(count, self.initial_batch):
            results = await asyncio.gather(
                *(self.client.create(pods, pod_from_template(owner), ns) for _ in range(batch)),
                return_exceptions=True,
            )
            remaining -= batch
            failed = [r for r in results if isinstance(r, BaseException)]
            for result in results:
                if isinstance(result, BaseException):
                    continue
                # in the background: an Event must not slow the next batch down
                self.recorder.emit(
                    owner, NORMAL, "SuccessfulCreate", f"Created pod: {meta(result).get('name')}"
                )
            if failed:
                self.expectations.lower_creations(key, len(failed) + remaining)
                message = str(failed[0])
                await self.recorder.event(
                    owner, WARNING, "FailedCreate", f"Error creating: {message}"
                )
                return message
        return None
