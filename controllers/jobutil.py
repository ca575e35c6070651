"""When a Job has finished: the one fact the Job, CronJob and TTL-after-finished controllers
all read (Kubernetes' `pkg/controller/job/util`).

A Job has finished once its Complete or Failed condition is True; it never runs again
after that. Pure functions of the Job object.
"""

from __future__ import annotations

from .base import Obj

FINISHED_TYPES = ("Complete", "Failed")


def finished(job: Obj) -> Obj | None:
    """The Job's Complete or Failed condition when it is True, else None."""
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("type") in FINISHED_TYPES and cond.get("status") == "True":
            return dict(cond)
    return None


def finished_condition(job: Obj) -> str | None:
    """ "Complete" or "Failed" when the Job has finished, else None."""
    cond = finished(job)
    return None if cond is None else str(cond["type"])
