"""The Job controller (batch/v1): run pods until enough of them succeed, or give up.

One sync of one Job key:

1. read the Job from the cache (gone: forget its expectations); a Job that is being deleted or
   already finished (condition Complete or Failed True) is left alone: its pods are kept for
   their logs, and the TTL-after-finished controller removes it when asked to;
2. list the pods it controls (ownerReference with controller=true and the Job's uid);
3. once every create/delete it issued earlier has been seen (`Expectations`), `reconcile()`
   decides, as a pure function of the Job, its pods and the time:
   - suspend: delete the active pods, condition Suspended=True; resume sets it False and
     restarts the clock of activeDeadlineSeconds (startTime = now);
   - failure: more failed pods than backoffLimit (with restartPolicy OnFailure: the container
     restarts of the active pods reach it) -> Failed/BackoffLimitExceeded; startTime +
     activeDeadlineSeconds passed -> Failed/DeadlineExceeded; active pods are deleted;
   - success: `completions` pods succeeded (Indexed: every index 0..completions-1 has a
     succeeded pod; no completions: one pod succeeded and none is left running) -> Complete;
   - otherwise keep min(parallelism, what is left to do) pods active; a replacement for a
     failed pod waits an exponential back-off (base 10 s, doubling per failure since the last
     success, capped at 6 min; `--job-pod-failure-backoff` sets the base);
4. perform the deletes and creates (slow-start batches), then write `status`.

Counting: succeeded/failed are counted from the pods present and never go down (a pod deleted
by hand after it was counted stays counted; completedIndexes are merged with what status
already holds). Kubernetes tracks this with a pod finalizer; minik8s keeps it simpler.

Concurrency: one event loop; the work queue never gives one key to two workers.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from minik8s.api.pods import is_pod_ready
from minik8s.api.times import epoch_seconds, rfc3339
from minik8s.client import copy_of, key_of
from minik8s.client.events import NORMAL, WARNING
from minik8s.client.informer import OWNER_INDEX

from .base import Controller, ControllerContext, Obj, res
from .expectations import Expectations
from .jobutil import finished_condition
from .podevents import OwnerPodHandlers
from .podutil import (
    controller_ref,
    delete_pods,
    deletion_order,
    is_deleting,
    is_pod_active,
    meta,
    owner_ref,
    set_condition,
    slow_start_batches,
    uid_of,
)

log = logging.getLogger(__name__)

PODS = res("pods")
JOBS = res("jobs")

JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_JOB_NAME_LABEL = "job-name"
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
INDEX_ENV = "JOB_COMPLETION_INDEX"
DEFAULT_BACKOFF_LIMIT = 6


# ---- small pure helpers


def _condition_true(conditions: list[Obj], ctype: str) -> bool:
    return any(c.get("type") == ctype and c.get("status") == "True" for c in conditions)


def pod_index(pod: Obj) -> int | None:
    text = (meta(pod).get("annotations") or {}).get(INDEX_ANNOTATION)
    if isinstance(text, str) and text.isdigit():
        return int(text)
    return None


def format_indexes(indexes: set[int]) -> str:
    """`{0, 1, 2, 4}` -> `"0-2,4"`, the form of status.completedIndexes."""
    parts: list[str] = []
    ordered = sorted(indexes)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def parse_indexes(text: str | None) -> set[int]:
    out: set[int] = set()
    for part in (text or "").split(","):
        first, dash, last = part.strip().partition("-")
        if first.isdigit() and (not dash or last.isdigit()):
            out.update(range(int(first), int(last if dash else first) + 1))
    return out


def _int(value: Any, default: int) -> int:
    return int(value) if value is not None else default


def _phase(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def finish_time(pod: Obj) -> float | None:
    """When a terminal pod finished: its containers' latest finishedAt, else its creation."""
    latest: float | None = None
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        terminated = (status.get("state") or {}).get("terminated") or {}
        t = epoch_seconds(terminated.get("finishedAt"))
        if t is not None and (latest is None or t > latest):
            latest = t
    return latest if latest is not None else epoch_seconds(meta(pod).get("creationTimestamp"))


def backoff_remaining(pods: list[Obj], now: float, base: float, cap: float) -> float:
    """Seconds to wait before replacing failed pods (0: go ahead).

    The delay is base * 2^(n-1), capped, where n counts the failures since the last success,
    measured from the last failure (Kubernetes' pod failure back-off).
    """
    last_success = max(
        (t for p in pods if _phase(p) == "Succeeded" if (t := finish_time(p)) is not None),
        default=0.0,
    )
    failures = [
        t
        for p in pods
        if _phase(p) == "Failed" and not is_deleting(p)
        if (t := finish_time(p)) is not None and t >= last_success
    ]
    if not failures or base <= 0:
        return 0.0
    delay = min(cap, base * 2 ** (len(failures) - 1))
    return max(0.0, max(failures) + delay - now)


def restarts_of_active(pods: list[Obj]) -> int:
    total = 0
    for pod in pods:
        if _phase(pod) not in ("Running", "Pending") or is_deleting(pod):
            continue
        status = pod.get("status") or {}
        for key in ("initContainerStatuses", "containerStatuses"):
            total += sum(int(s.get("restartCount") or 0) for s in status.get(key) or [])
    return total


def selector_labels(job: Obj) -> dict[str, str]:
    """The labels the API server (or this controller) gives every pod of the Job."""
    name, uid = str(meta(job).get("name", "")), uid_of(job)
    return {
        CONTROLLER_UID_LABEL: uid,
        LEGACY_CONTROLLER_UID_LABEL: uid,
        JOB_NAME_LABEL: name,
        LEGACY_JOB_NAME_LABEL: name,
    }


def pod_for(job: Obj, index: int | None) -> Obj:
    """The pod the Job's template describes; with an index, for that completion index."""
    spec = job.get("spec") or {}
    template = copy_of(spec.get("template") or {})
    tmeta = template.get("metadata") or {}
    name = str(meta(job).get("name", ""))
    labels = dict(tmeta.get("labels") or {})
    if not (spec.get("manualSelector") and spec.get("selector")):
        labels.update(selector_labels(job))
    annotations = dict(tmeta.get("annotations") or {})
    pod_spec: Obj = template.get("spec") or {}
    generate = f"{name}-"
    if index is not None:
        generate = f"{name}-{index}-"
        annotations[INDEX_ANNOTATION] = str(index)
        labels[INDEX_ANNOTATION] = str(index)
        pod_spec.setdefault("hostname", f"{name}-{index}"[:63].rstrip("-."))
        for key in ("initContainers", "containers"):
            for container in pod_spec.get(key) or []:
                env = [e for e in container.get("env") or [] if e.get("name") != INDEX_ENV]
                container["env"] = [*env, {"name": INDEX_ENV, "value": str(index)}]
    pod_meta: Obj = {
        "generateName": generate,
        "namespace": meta(job).get("namespace"),
        "labels": labels,
        "ownerReferences": [owner_ref({**job, "apiVersion": "batch/v1", "kind": "Job"})],
    }
    if annotations:
        pod_meta["annotations"] = annotations
    if tmeta.get("finalizers"):
        pod_meta["finalizers"] = list(tmeta["finalizers"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": pod_spec}


# ---- the decision


@dataclass
class Backoff:
    base: float = 10.0
    cap: float = 360.0


@dataclass
class JobPlan:
    """What one sync does: pods to create (their indexes; None for NonIndexed) and delete,
    the status to write, the events to record, and when to look again."""

    create: list[int | None] = field(default_factory=list)
    delete: list[Obj] = field(default_factory=list)
    status: Obj = field(default_factory=dict)
    events: list[tuple[str, str, str]] = field(default_factory=list)
    requeue: float | None = None


def _earliest(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return b if b is not None and b < a else a


def _manage_indexed(
    spec: Obj, active: list[Obj], completed: set[int], parallelism: int
) -> tuple[list[int | None], list[Obj]]:
    """(indexes to create, pods to delete) for an Indexed Job."""
    completions = int(spec.get("completions") or 0)
    deletes: list[Obj] = []
    by_index: dict[int, Obj] = {}
    for pod in sorted(active, key=lambda p: meta(p).get("creationTimestamp") or ""):
        idx = pod_index(pod)
        if idx is None or idx >= completions or idx in completed or idx in by_index:
            deletes.append(pod)  # no index, out of range, already done, or a duplicate
        else:
            by_index[idx] = pod
    kept = sorted(by_index)
    if len(kept) > parallelism:
        deletes += [by_index[i] for i in kept[parallelism:]]
        kept = kept[:parallelism]
    want = min(parallelism, completions - len(completed))
    pending = [i for i in range(completions) if i not in completed and i not in by_index]
    creates: list[int | None] = list(pending[: max(0, want - len(kept))])
    return creates, deletes


def reconcile(job: Obj, pods: list[Obj], now: float, backoff: Backoff | None = None) -> JobPlan:
    """Everything one sync of a not yet finished Job decides, from its pods and the time."""
    backoff = backoff or Backoff()
    spec = job.get("spec") or {}
    old = job.get("status") or {}
    plan = JobPlan()
    now_text = rfc3339(now)
    completions = spec.get("completions")
    indexed = spec.get("completionMode") == "Indexed"
    template_spec = (spec.get("template") or {}).get("spec") or {}
    on_failure = template_spec.get("restartPolicy") == "OnFailure"

    active = [p for p in pods if is_pod_active(p)]
    succeeded_pods = [p for p in pods if _phase(p) == "Succeeded"]
    failed_pods = [p for p in pods if _phase(p) == "Failed" and not is_deleting(p)]
    completed: set[int] = set()
    if indexed:
        completed = parse_indexes(old.get("completedIndexes"))
        completed |= {i for p in succeeded_pods if (i := pod_index(p)) is not None}
        completed = {i for i in completed if i < int(completions or 0)}
    succeeded = max(int(old.get("succeeded") or 0), len(succeeded_pods), len(completed))
    failed = max(int(old.get("failed") or 0), len(failed_pods))
    conditions: list[Obj] = [dict(c) for c in old.get("conditions") or []]
    start_time = old.get("startTime")
    completion_time = old.get("completionTime")

    if spec.get("suspend"):
        plan.delete = list(active)
        if not _condition_true(conditions, "Suspended"):
            conditions = set_condition(
                conditions,
                {
                    "type": "Suspended",
                    "status": "True",
                    "reason": "JobSuspended",
                    "message": "Job suspended",
                },
                now_text,
            )
            plan.events.append((NORMAL, "Suspended", "Job suspended"))
    else:
        if _condition_true(conditions, "Suspended"):
            conditions = set_condition(
                conditions,
                {
                    "type": "Suspended",
                    "status": "False",
                    "reason": "JobResumed",
                    "message": "Job resumed",
                },
                now_text,
            )
            plan.events.append((NORMAL, "Resumed", "Job resumed"))
            start_time = now_text  # the active deadline counts from the resume
        start_time = start_time or now_text
        plan = _run(plan, spec, active, pods, completed, succeeded, failed, now, backoff)
        limit = _int(spec.get("backoffLimit"), DEFAULT_BACKOFF_LIMIT)
        restarts = restarts_of_active(pods) if on_failure else 0
        deadline = spec.get("activeDeadlineSeconds")
        started = epoch_seconds(start_time) or now
        finish: tuple[str, str, str] | None = None
        if failed > limit or (on_failure and (restarts > 0 if limit == 0 else restarts >= limit)):
            finish = (
                "Failed",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
            )
        elif deadline is not None and started + int(deadline) <= now:
            finish = ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
        elif _complete(spec, indexed, completed, succeeded, active):
            finish = ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
        elif deadline is not None:
            plan.requeue = _earliest(plan.requeue, started + int(deadline) - now + 0.05)
        if finish is not None:
            ctype, reason, message = finish
            plan.create, plan.delete, plan.requeue = [], list(active), None
            cond = {"type": ctype, "status": "True", "reason": reason, "message": message}
            conditions = set_condition(conditions, cond, now_text)
            if ctype == "Complete":
                completion_time = now_text
                plan.events.append((NORMAL, "Completed", "Job completed"))
            else:
                plan.events.append((WARNING, reason, message))

    deleted = {key_of(p) for p in plan.delete}
    remaining = [p for p in active if key_of(p) not in deleted]
    status: Obj = {
        k: v
        for k, v in old.items()
        if k not in ("active", "succeeded", "failed", "ready", "conditions", "completedIndexes")
    }
    for name, count in (
        ("active", len(remaining) + len(plan.create)),
        ("succeeded", succeeded),
        ("failed", failed),
    ):
        if count:
            status[name] = count
    status["ready"] = sum(1 for p in remaining if is_pod_ready(p))
    if completed:
        status["completedIndexes"] = format_indexes(completed)
    if conditions:
        status["conditions"] = conditions
    for name, value in (("startTime", start_time), ("completionTime", completion_time)):
        if value:
            status[name] = value
        else:
            status.pop(name, None)
    plan.status = status
    return plan


def _complete(
    spec: Obj, indexed: bool, completed: set[int], succeeded: int, active: list[Obj]
) -> bool:
    completions = spec.get("completions")
    if indexed:
        return len(completed) >= int(completions or 0)
    if completions is not None:
        return succeeded >= int(completions)
    return succeeded > 0 and not active  # a work queue: one success, then nothing running


def _run(
    plan: JobPlan,
    spec: Obj,
    active: list[Obj],
    pods: list[Obj],
    completed: set[int],
    succeeded: int,
    failed: int,
    now: float,
    backoff: Backoff,
) -> JobPlan:
    """Keep the right number of pods active (before the finish checks, which may undo it)."""
    parallelism = _int(spec.get("parallelism"), 1)
    completions = spec.get("completions")
    creates: list[int | None]
    if spec.get("completionMode") == "Indexed":
        creates, deletes = _manage_indexed(spec, active, completed, parallelism)
    else:
        if completions is None:
            want = len(active) if succeeded > 0 else parallelism
        else:
            want = min(parallelism, max(0, int(completions) - succeeded))
        deletes = deletion_order(active)[: max(0, len(active) - want)]
        creates = [None] * max(0, want - len(active))
    if creates and failed:
        wait = backoff_remaining(pods, now, backoff.base, backoff.cap)
        if wait > 0:
            creates = []
            plan.requeue = _earliest(plan.requeue, wait + 0.05)
    plan.create, plan.delete = creates, deletes
    return plan


# ---- the controller


class JobController(Controller):
    name = "job"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.expectations = Expectations(ctx.monotonic)
        self.job_informer = ctx.informer("jobs")
        self.pod_informer = ctx.informer("pods")
        self.job_store = self.job_informer.store
        self.pod_store = self.pod_informer.store
        self.backoff = Backoff(ctx.options.job_backoff_base, ctx.options.job_backoff_max)
        self.watch(self.job_informer)
        # no adopters: this controller never adopts orphans, it counts the pods it made
        self.pod_events = OwnerPodHandlers(
            "Job", self.job_store, self.queue, expectations=self.expectations
        )
        self.pod_events.register(self.pod_informer)

    def on_update(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") != meta(new).get("resourceVersion") or old is new:
            self.enqueue(new)

    # ---- sync

    def pods_of(self, job: Obj) -> list[Obj]:
        uid = uid_of(job)
        return [
            p
            for p in self.pod_store.by_index(OWNER_INDEX, uid)
            if (controller_ref(p) or {}).get("uid") == uid
        ]

    async def sync(self, key: str) -> float | None:
        job = self.job_store.get(key)
        if job is None:
            self.expectations.forget(key)
            return None
        if is_deleting(job) or finished_condition(job) is not None:
            self.expectations.forget(key)
            return None
        if not self.expectations.satisfied(key):
            return None  # the pod events still to come requeue the key
        plan = reconcile(job, self.pods_of(job), self.ctx.clock(), self.backoff)
        await self._delete(job, key, plan.delete)
        failure = await self._create(job, key, plan.create)
        status = plan.status
        if failure is not None:
            status = {**status, "active": max(0, int(status.get("active") or 0) - failure[0])}
            if not status["active"]:
                del status["active"]
        if status != (job.get("status") or {}):
            updated = copy_of(job)
            updated["status"] = status
            await self.client.update(
                JOBS, updated, meta(job).get("namespace"), subresource="status"
            )
        for type_, reason, message in plan.events:
            self.recorder.emit(job, type_, reason, message)
        if failure is not None:
            raise RuntimeError(failure[1])  # retried with the queue's backoff
        return plan.requeue

    async def _delete(self, job: Obj, key: str, pods: list[Obj]) -> None:
        if not pods:
            return
        self.expectations.expect_deletions(key, [key_of(p) for p in pods])
        await delete_pods(self.client, self.recorder, self.expectations, job, key, pods)

    async def _create(
        self, job: Obj, key: str, indexes: list[int | None]
    ) -> tuple[int, str] | None:
        """Creates the pods in slow-start batches; (pods not created, error) on a failure."""
        if not indexes:
            return None
        ns = meta(job).get("namespace")
        self.expectations.expect_creations(key, len(indexes))
        todo = list(indexes)
        for batch in slow_start_batches(len(indexes), self.ctx.options.slow_start_initial_batch):
            chunk, todo = todo[:batch], todo[batch:]
            results: list[Any] = await asyncio.gather(
                *(self.client.create(PODS, pod_for(job, i), ns) for i in chunk),
                return_exceptions=True,
            )
            failed = [r for r in results if isinstance(r, BaseException)]
            for result in results:
                if not isinstance(result, BaseException):
                    name = meta(result).get("name")
                    self.recorder.emit(job, NORMAL, "SuccessfulCreate", f"Created pod: {name}")
            if failed:
                self.expectations.lower_creations(key, len(failed) + len(todo))
                message = f"Error creating: {failed[0]}"
                await self.recorder.event(job, WARNING, "FailedCreate", message)
                return len(failed) + len(todo), message
        return None
