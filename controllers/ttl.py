"""TTL after finished: delete a Job `spec.ttlSecondsAfterFinished` seconds after it finished.

A Job finishes when its Complete or Failed condition turns True; it expires at that
condition's lastTransitionTime (or status.completionTime) plus the TTL. An unexpired Job is
looked at again when it expires (the queue's `add_after`); an expired one is deleted with
propagationPolicy=Foreground, so its pods go first, and a uid precondition, so a new Job of
the same name is never the one removed.

Concurrency: one event loop; the work queue never gives one key to two workers.
"""

from __future__ import annotations

import logging

from minik8s.api import errors
from minik8s.api.times import epoch_seconds

from .base import Controller, ControllerContext, Obj, res
from .jobutil import finished
from .podutil import is_deleting, meta, uid_of

log = logging.getLogger(__name__)

JOBS = res("jobs")


def finished_at(job: Obj) -> float | None:
    """When the Job finished, or None while it runs."""
    cond = finished(job)
    if cond is None:
        return None
    when = epoch_seconds(cond.get("lastTransitionTime"))
    if when is None:  # a hand-written condition: the Job's own completion time
        when = epoch_seconds((job.get("status") or {}).get("completionTime"))
    return when


def expires_in(job: Obj, now: float) -> float | None:
    """Seconds until the Job may be deleted (<= 0: now); None when it never expires."""
    ttl = (job.get("spec") or {}).get("ttlSecondsAfterFinished")
    if ttl is None or is_deleting(job):
        return None
    finished = finished_at(job)
    if finished is None:
        return None
    return finished + int(ttl) - now


class TTLAfterFinishedController(Controller):
    name = "ttlafterfinished"

    def __init__(self, ctx: ControllerContext) -> None:
        super().__init__(ctx)
        self.job_informer = ctx.informer("jobs")
        self.job_store = self.job_informer.store
        self.job_informer.add_handler(self._maybe_enqueue, self._on_job_update, None)

    def _maybe_enqueue(self, job: Obj) -> None:
        if (job.get("spec") or {}).get("ttlSecondsAfterFinished") is not None:
            self.enqueue(job)

    def _on_job_update(self, old: Obj, new: Obj) -> None:
        self._maybe_enqueue(new)

    async def sync(self, key: str) -> float | None:
        job = self.job_store.get(key)
        if job is None:
            return None
        left = expires_in(job, self.ctx.clock())
        if left is None:
            return None
        if left > 0:
            return left + 0.05
        name, ns = meta(job)["name"], meta(job).get("namespace")
        log.info("job %s/%s finished %ss ago: deleting it", ns, name, -int(left))
        try:
            await self.client.delete(
                JOBS, name, ns, propagation_policy="Foreground", preconditions={"uid": uid_of(job)}
            )
        except (errors.NotFound, errors.Conflict):
            return None  # gone already, or a new Job of the same name
        return None
