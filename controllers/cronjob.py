"""The CronJob controller (batch/v1): create a Job at every time the schedule names.

One sync of one CronJob key, decided by the pure `plan()` from the CronJob, the Jobs it
controls and the time (the controller's injectable clock, `ControllerContext.clock`):

1. bookkeeping: `status.active` lists the controlled Jobs that have not finished (an active
   Job that finished is reported `SawCompletedJob`, one that disappeared `MissingJob`);
   `lastSuccessfulTime` follows the newest completionTime of a Complete Job; finished Jobs
   beyond successful/failedJobsHistoryLimit are deleted, oldest first;
2. scheduling (not when suspended, being deleted, or with an unknown time zone or schedule,
   which are reported by a Warning event and not retried until the CronJob changes): the most
   recent schedule time after `lastScheduleTime` (or the creation time) and not after now,
   looking back at most `startingDeadlineSeconds`; one older than the deadline is missed.
   concurrencyPolicy Forbid skips it while a Job runs (it starts late when that Job finishes,
   if still within the deadline), Replace deletes the running Jobs first, Allow just runs it;
3. the Job is named `<cronjob>-<scheduled time in minutes since the epoch>`: a controller that
   restarts after creating it but before writing `lastScheduleTime` tries the same name
   again, gets 409 AlreadyExists, and so never runs one schedule time twice;
4. the key is looked at again just after the next schedule time.

Times are evaluated in `spec.timeZone` (UTC when unset). Concurrency: one event loop; the
work queue never gives one key to two workers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from minik8s.api import errors
from minik8s.api.times import epoch_seconds, rfc3339
from minik8s.client import copy_of, key_of
from minik8s.client.events import NORMAL, WARNING
from minik8s.client.informer import OWNER_INDEX

from .base import Controller, ControllerContext, Obj, res
from .cron import CronError, Schedule, load_zone, parse
from .jobutil import finished_condition
from .podutil import controller_ref, is_deleting, meta, owner_ref, uid_of

log = logging.getLogger(__name__)

JOBS = res("jobs")
CRONJOBS = res("cronjobs")

SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
MAX_MISSED = 100
# when more than MAX_MISSED times were missed, look for the latest in growing windows
_LOOKBACK = (3600.0, 86400.0, 32 * 86400.0, 366 * 86400.0, 5 * 366 * 86400.0)


# ---- pure decisions


def job_name(cronjob: Obj, scheduled: float) -> str:
    return f"{meta(cronjob).get('name', '')}-{int(scheduled // 60)}"


def job_from_template(cronjob: Obj, scheduled: float, zone: tzinfo) -> Obj:
    template = copy_of((cronjob.get("spec") or {}).get("jobTemplate") or {})
    tmeta = template.get("metadata") or {}
    annotations = dict(tmeta.get("annotations") or {})
    annotations[SCHEDULED_ANNOTATION] = datetime.fromtimestamp(scheduled, zone).isoformat()
    owner = {**cronjob, "apiVersion": CRONJOBS.api_version, "kind": CRONJOBS.kind}
    return {
        "apiVersion": JOBS.api_version,
        "kind": JOBS.kind,
        "metadata": {
            "name": job_name(cronjob, scheduled),
            "namespace": meta(cronjob).get("namespace"),
            "labels": dict(tmeta.get("labels") or {}),
            "annotations": annotations,
            "ownerReferences": [owner_ref(owner)],
        },
        "spec": template.get("spec") or {},
    }


def job_ref(job: Obj) -> Obj:
    """The ObjectReference `status.active` holds for a Job."""
    ref = {
        "apiVersion": JOBS.api_version,
        "kind": JOBS.kind,
        "name": meta(job).get("name"),
        "namespace": meta(job).get("namespace"),
        "uid": uid_of(job),
        "resourceVersion": meta(job).get("resourceVersion"),
    }
    return {k: v for k, v in ref.items() if v}


def latest_time(
    sched: Schedule, after: float, now: float, zone: tzinfo
) -> tuple[float | None, int]:
    """(the latest schedule time in (after, now], how many there are; capped past MAX_MISSED)."""
    times, more = sched.times_between(after, now, MAX_MISSED, zone)
    if not more:
        return (times[-1] if times else None), len(times)
    for window in _LOOKBACK:
        recent, _ = sched.times_between(max(after, now - window), now, 100_000, zone)
        if recent:
            return recent[-1], MAX_MISSED + 1
    return times[-1], MAX_MISSED + 1


def _started(job: Obj) -> float:
    status = job.get("status") or {}
    return (
        epoch_seconds(status.get("startTime"))
        or epoch_seconds(meta(job).get("creationTimestamp"))
        or 0.0
    )


@dataclass
class CronPlan:
    """One sync's decisions; `create` is the Job to create at `scheduled`, if any."""

    status: Obj = field(default_factory=dict)
    delete: list[Obj] = field(default_factory=list)
    create: Obj | None = None
    scheduled: float | None = None
    events: list[tuple[str, str, str]] = field(default_factory=list)
    requeue: float | None = None


def _bookkeeping(cronjob: Obj, jobs: list[Obj], plan: CronPlan) -> tuple[list[Obj], list[Obj]]:
    """Active refs and the finished Jobs; fills events, lastSuccessfulTime and history deletes."""
    spec = cronjob.get("spec") or {}
    old = cronjob.get("status") or {}
    by_uid = {uid_of(j): j for j in jobs}
    old_active = {r.get("uid"): r for r in old.get("active") or []}
    active: list[Obj] = []
    finished: list[Obj] = []
    last_success = epoch_seconds(old.get("lastSuccessfulTime"))
    for job in sorted(jobs, key=lambda j: (_started(j), meta(j).get("name", ""))):
        done = finished_condition(job)
        if done is None:
            if not is_deleting(job):
                active.append(old_active.get(uid_of(job)) or job_ref(job))
            continue
        finished.append(job)
        if uid_of(job) in old_active:
            name = meta(job).get("name")
            plan.events.append(
                (NORMAL, "SawCompletedJob", f"Saw completed job: {name}, status: {done}")
            )
        if done == "Complete":
            t = epoch_seconds((job.get("status") or {}).get("completionTime"))
            if t is not None and (last_success is None or t > last_success):
                last_success = t
    for uid, ref in old_active.items():
        if uid not in by_uid:
            plan.events.append(
                (NORMAL, "MissingJob", f"Active job went missing: {ref.get('name')}")
            )
    if last_success is not None:
        plan.status["lastSuccessfulTime"] = rfc3339(last_success)
    for kind, limit_key in (
        ("Complete", "successfulJobsHistoryLimit"),
        ("Failed", "failedJobsHistoryLimit"),
    ):
        limit = spec.get(limit_key)
        if limit is None:
            continue
        same = [j for j in finished if finished_condition(j) == kind and not is_deleting(j)]
        plan.delete += same[: max(0, len(same) - int(limit))]
    return active, finished


def plan(cronjob: Obj, jobs: list[Obj], now: float) -> CronPlan:
    """Everything one sync decides, from the CronJob, the Jobs it controls and the time."""
    spec = cronjob.get("spec") or {}
    old = cronjob.get("status") or {}
    result = CronPlan()
    for key in ("lastScheduleTime", "lastSuccessfulTime"):
        if old.get(key):
            result.status[key] = old[key]
    active, _ = _bookkeeping(cronjob, jobs, result)
    result.status["active"] = active

    def done() -> CronPlan:
        if not result.status["active"]:
            del result.status["active"]
        return result

    if is_deleting(cronjob):
        return done()
    try:
        zone = load_zone(spec.get("timeZone"))
    except CronError as exc:
        result.events.append((WARNING, "UnknownTimeZone", f"invalid timeZone: {exc}"))
        return done()
    try:
        sched = parse(str(spec.get("schedule") or ""))
    except CronError as exc:
        result.events.append(
            (
                WARNING,
                "UnparseableSchedule",
                f"unparseable schedule: {spec.get('schedule')!r}: {exc}",
            )
        )
        return done()
    if spec.get("suspend"):
        return done()
    next_run = sched.next_after(now, zone)
    if next_run is not None:
        result.requeue = next_run - now + 0.1
    created = epoch_seconds(meta(cronjob).get("creationTimestamp")) or now
    earliest = epoch_seconds(old.get("lastScheduleTime")) or created
    deadline = spec.get("startingDeadlineSeconds")
    if deadline is not None:
        earliest = max(earliest, now - int(deadline))
    scheduled, missed = latest_time(sched, earliest, now, zone)
    if missed > MAX_MISSED:
        result.events.append(
            (
                WARNING,
                "TooManyMissedTimes",
                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds "
                "or check clock skew",
            )
        )
    if scheduled is None:
        return done()
    if deadline is not None and scheduled + int(deadline) < now:
        when = rfc3339(scheduled)
        result.events.append(
            (WARNING, "MissSchedule", f"Missed scheduled time to start a job: {when}")
        )
        return done()
    name = job_name(cronjob, scheduled)
    if any(meta(j).get("name") == name for j in jobs):
        return done()  # this time already ran (the status write may have been lost)
    policy = spec.get("concurrencyPolicy") or "Allow"
    if policy == "Forbid" and active:
        result.events.append(
            (
                NORMAL,
                "JobAlreadyActive",
                "Not starting job because prior execution is running and concurrency policy "
                "is Forbid",
            )
        )
        return done()
    if policy == "Replace" and active:
        uids = {r.get("uid") for r in active}
        result.delete += [j for j in jobs if uid_of(j) in uids and not is_deleting(j)]
        result.status["active"] = []
    result.create = job_from_template(cronjob, scheduled, zone)
    result.scheduled = scheduled
    return done()


# ---- the controller


class CronJobController(Controller):
    name = "cronjob"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.cronjob_informer = ctx.informer("cronjobs")
        self.job_informer = ctx.informer("jobs")
        self.cronjob_store = self.cronjob_informer.store
        self.job_store = self.job_informer.store
        self.watch(self.cronjob_informer)
        self.job_informer.add_handler(self._on_job, self._on_job_update, self._on_job)

    def on_update(self, old: Obj, new: Obj) -> None:
        if meta(old).get("resourceVersion") != meta(new).get("resourceVersion") or old is new:
            self.enqueue(new)

    def _on_job(self, job: Obj) -> None:
        ref = controller_ref(job)
        if ref is not None and ref.get("kind") == "CronJob":
            self.queue.add(f"{meta(job).get('namespace')}/{ref.get('name')}")

    def _on_job_update(self, old: Obj, new: Obj) -> None:
        self._on_job(new)

    async def _jobs_of(self, cronjob: Obj) -> list[Obj]:
        uid = uid_of(cronjob)
        jobs = [
            j
            for j in self.job_store.by_index(OWNER_INDEX, uid)
            if (controller_ref(j) or {}).get("uid") == uid
        ]
        # an active Job the cache has not shown yet (just created): ask the API server
        seen = {uid_of(j) for j in jobs}
        ns = meta(cronjob).get("namespace")
        for ref in (cronjob.get("status") or {}).get("active") or []:
            if ref.get("uid") in seen or not ref.get("name"):
                continue
            try:
                job = await self.client.get(JOBS, ref["name"], ns)
            except errors.NotFound:
                continue
            if uid_of(job) == ref.get("uid"):
                jobs.append(job)
        return jobs

    async def sync(self, key: str) -> float | None:
        cronjob = self.cronjob_store.get(key)
        if cronjob is None:
            return None
        ns = meta(cronjob).get("namespace")
        decided = plan(cronjob, await self._jobs_of(cronjob), self.ctx.clock())
        for type_, reason, message in decided.events:
            self.recorder.emit(cronjob, type_, reason, message)
        for job in decided.delete:
            name = meta(job)["name"]
            try:
                await self.client.delete(
                    JOBS,
                    name,
                    ns,
                    propagation_policy="Background",
                    preconditions={"uid": uid_of(job)},
                )
            except (errors.NotFound, errors.Conflict):
                pass
            self.recorder.emit(cronjob, NORMAL, "SuccessfulDelete", f"Deleted job {name}")
        status = decided.status
        failure: str | None = None
        if decided.create is not None and decided.scheduled is not None:
            failure = await self._create(cronjob, decided.create, decided.scheduled, status)
        if status != (cronjob.get("status") or {}):
            updated = copy_of(cronjob)
            updated["status"] = status
            await self.client.update(CRONJOBS, updated, ns, subresource="status")
        if failure is not None:
            raise RuntimeError(failure)
        return decided.requeue

    async def _create(self, cronjob: Obj, job: Obj, scheduled: float, status: Obj) -> str | None:
        ns, name = meta(cronjob).get("namespace"), meta(job)["name"]
        try:
            created = await self.client.create(JOBS, job, ns)
        except errors.AlreadyExists:
            # this schedule time already ran (before a restart): never run it twice
            try:
                created = await self.client.get(JOBS, name, ns)
            except errors.NotFound:
                return f"job {name} exists and vanished; retrying"
            if (controller_ref(created) or {}).get("uid") != uid_of(cronjob):
                message = f"Error creating job: {name} exists and is not controlled by this CronJob"
                self.recorder.emit(cronjob, WARNING, "FailedCreate", message)
                return None
        except errors.APIError as exc:
            self.recorder.emit(cronjob, WARNING, "FailedCreate", f"Error creating job: {exc}")
            return str(exc)
        else:
            self.recorder.emit(cronjob, NORMAL, "SuccessfulCreate", f"Created job {name}")
        status["lastScheduleTime"] = rfc3339(scheduled)
        if finished_condition(created) is None:
            active = [r for r in status.get("active") or [] if r.get("uid") != uid_of(created)]
            status["active"] = [*active, job_ref(created)]
        log.info("cronjob %s: job %s for %s", key_of(cronjob), name, rfc3339(scheduled))
        return None
