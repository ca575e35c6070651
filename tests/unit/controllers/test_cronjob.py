"""CronJob decisions with a fake clock, and one controller sync's writes (incl. a restart)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from controllers.cronjob import CronJobController, job_name, plan
from minik8s.api import errors
from minik8s.api.resources import ResourceInfo
from minik8s.api.times import rfc3339 as format_time
from minik8s.ctl.cmd_apply import job_from_cronjob
from tests.unit.controllers.fakes import FakeClient, context, seed

Obj = dict[str, Any]
UID = "cj-uid"


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


CREATED = at("2026-11-24T10:00:10")


def cronjob(status: Obj | None = None, **spec: Any) -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            "name": "tick",
            "namespace": "ns",
            "uid": UID,
            "resourceVersion": "4",
            "creationTimestamp": format_time(CREATED),
        },
        "spec": {
            "schedule": "*/5 * * * *",
            "concurrencyPolicy": "Allow",
            "suspend": False,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 1,
            "jobTemplate": {
                "metadata": {"labels": {"app": "tick"}},
                "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}},
            },
            **spec,
        },
        "status": status or {},
    }


def job(when: str, state: str | None = None, finished: str | None = None) -> Obj:
    scheduled = at(when)
    status: Obj = {"startTime": format_time(scheduled)}
    if state is not None:
        status["conditions"] = [{"type": state, "status": "True"}]
        if state == "Complete":
            status["completionTime"] = format_time(at(finished or when) + 3)
    name = f"tick-{int(scheduled // 60)}"
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": f"u-{name}",
            "resourceVersion": "9",
            "ownerReferences": [
                {"kind": "CronJob", "name": "tick", "uid": UID, "controller": True}
            ],
        },
        "spec": {},
        "status": status,
    }


def test_nothing_before_the_first_time_then_a_job_at_it() -> None:
    decided = plan(cronjob(), [], at("2026-11-24T10:04:59"))
    assert decided.create is None
    assert decided.requeue is not None and 1.0 < decided.requeue < 1.2
    decided = plan(cronjob(), [], at("2026-11-24T10:05:01"))
    assert decided.create is not None and decided.scheduled == at("2026-11-24T10:05:00")
    made = decided.create["metadata"]
    assert made["name"] == job_name(cronjob(), at("2026-11-24T10:05:00")) == "tick-29925245"
    assert made["labels"] == {"app": "tick"}
    assert made["ownerReferences"][0]["kind"] == "CronJob"
    assert made["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == (
        "2026-11-24T10:05:00+00:00"
    )


def test_a_missed_schedule_runs_once_for_the_latest_time() -> None:
    status = {"lastScheduleTime": "2026-11-24T10:05:00Z"}
    decided = plan(cronjob(status), [], at("2026-11-24T10:21:00"))
    assert decided.scheduled == at("2026-11-24T10:20:00")
    # the same time already has its Job (a restart lost the status write): nothing to do
    decided = plan(cronjob(status), [job("2026-11-24T10:20:00")], at("2026-11-24T10:21:00"))
    assert decided.create is None
    assert [r["name"] for r in decided.status["active"]] == ["tick-29925260"]


def test_starting_deadline_misses_late_runs() -> None:
    status = {"lastScheduleTime": "2026-11-24T10:05:00Z"}
    decided = plan(cronjob(status, startingDeadlineSeconds=30), [], at("2026-11-24T10:11:00"))
    assert decided.create is None
    assert decided.requeue is not None and 239 < decided.requeue < 241
    decided = plan(cronjob(status, startingDeadlineSeconds=90), [], at("2026-11-24T10:11:00"))
    assert decided.scheduled == at("2026-11-24T10:10:00")


def test_too_many_missed_times_are_reported_and_the_latest_runs() -> None:
    decided = plan(cronjob(schedule="* * * * *"), [], at("2026-11-25T10:00:30"))
    assert decided.scheduled == at("2026-11-25T10:00:00")
    assert any(e[1] == "TooManyMissedTimes" for e in decided.events)


def test_concurrency_policies() -> None:
    running = job("2026-11-24T10:05:00")
    status = {"lastScheduleTime": "2026-11-24T10:05:00Z"}
    now = at("2026-11-24T10:10:02")
    forbid = plan(cronjob(status, concurrencyPolicy="Forbid"), [running], now)
    assert forbid.create is None and forbid.events[0][1] == "JobAlreadyActive"
    replace = plan(cronjob(status, concurrencyPolicy="Replace"), [running], now)
    assert replace.delete == [running] and replace.create is not None
    assert "active" not in replace.status
    allow = plan(cronjob(status), [running], now)
    assert allow.delete == [] and allow.create is not None


def test_bookkeeping_and_history_limits() -> None:
    jobs = [
        job("2026-11-24T10:05:00", "Complete"),
        job("2026-11-24T10:10:00", "Complete"),
        job("2026-11-24T10:15:00", "Failed"),
        job("2026-11-24T10:20:00", "Failed"),
        job("2026-11-24T10:25:00"),
    ]
    old_active = [{"name": jobs[3]["metadata"]["name"], "uid": jobs[3]["metadata"]["uid"]}]
    status = {"lastScheduleTime": "2026-11-24T10:25:00Z", "active": old_active}
    decided = plan(cronjob(status, successfulJobsHistoryLimit=1), jobs, at("2026-11-24T10:26:00"))
    assert [j["metadata"]["name"] for j in decided.delete] == [
        jobs[0]["metadata"]["name"],  # the older success
        jobs[2]["metadata"]["name"],  # the older failure
    ]
    assert [r["name"] for r in decided.status["active"]] == [jobs[4]["metadata"]["name"]]
    assert decided.status["lastSuccessfulTime"] == "2026-11-24T10:10:03Z"
    assert any(e[1] == "SawCompletedJob" for e in decided.events)


def test_suspended_and_broken_cronjobs_do_not_run() -> None:
    now = at("2026-11-24T10:05:01")
    assert plan(cronjob(suspend=True), [], now).create is None
    bad_zone = plan(cronjob(timeZone="Nowhere/Atlantis"), [], now)
    assert bad_zone.create is None and bad_zone.requeue is None
    assert bad_zone.events[0][:2] == ("Warning", "UnknownTimeZone")
    bad = plan(cronjob(schedule="61 * * * *"), [], now)
    assert bad.create is None and bad.events[0][1] == "UnparseableSchedule"


def test_time_zone_shifts_the_schedule() -> None:
    spec = {"schedule": "0 11 * * *", "timeZone": "Europe/Paris"}
    decided = plan(cronjob(**spec), [], at("2026-11-25T10:00:30"))
    assert decided.scheduled == at("2026-11-25T10:00:00")  # 11:00 in Paris
    stamp = decided.create["metadata"]["annotations"] if decided.create else {}
    assert stamp["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2026-11-25T11:00:00+01:00"


class ExistingJobs(FakeClient):
    """An API server where the Job of this schedule time already exists (made before a restart)."""

    async def create(self, r: ResourceInfo, obj: Obj, namespace: str | None = None) -> Obj:
        if r.plural == "jobs":
            self.writes.append(("create", r.plural, namespace, obj))
            raise errors.AlreadyExists(f"jobs {obj['metadata']['name']} already exists")
        return await super().create(r, obj, namespace)


def test_sync_creates_the_job_and_records_the_schedule_time() -> None:
    ctx, client, recorder, clock = context()
    clock.now = at("2026-11-24T10:05:01")
    seed(ctx, "cronjobs", cronjob())
    requeue = asyncio.run(CronJobController(ctx).sync("ns/tick"))
    assert requeue is not None and 298 < requeue < 300
    assert [(w[0], w[1]) for w in client.writes] == [("create", "jobs"), ("update", "cronjobs")]
    status = client.writes[1][3]["status"]
    assert status["lastScheduleTime"] == "2026-11-24T10:05:00Z"
    assert [r["name"] for r in status["active"]] == ["tick-29925245"]
    assert ("Normal", "SuccessfulCreate", "Created job tick-29925245") in recorder.events


def test_after_a_restart_the_same_time_is_not_run_twice() -> None:
    ctx, client, recorder, clock = context()
    existing = ExistingJobs()
    ctx.client = existing  # type: ignore[assignment]
    clock.now = at("2026-11-24T10:05:01")
    seed(ctx, "cronjobs", cronjob())
    made = job("2026-11-24T10:05:00")
    existing.objects[("jobs", "ns/tick-29925245")] = made
    asyncio.run(CronJobController(ctx).sync("ns/tick"))
    assert [(w[0], w[1]) for w in existing.writes] == [("create", "jobs"), ("update", "cronjobs")]
    status = existing.writes[1][3]["status"]
    assert status["lastScheduleTime"] == "2026-11-24T10:05:00Z"
    assert [r["uid"] for r in status["active"]] == [made["metadata"]["uid"]]
    assert not any(e[1] == "SuccessfulCreate" for e in recorder.events)


def test_mkctl_create_job_from_a_cronjob_copies_its_template() -> None:
    made = job_from_cronjob("by-hand", cronjob())
    assert made["metadata"]["name"] == "by-hand"
    assert made["metadata"]["labels"] == {"app": "tick"}
    assert made["metadata"]["annotations"] == {"cronjob.kubernetes.io/instantiate": "manual"}
    assert made["metadata"]["ownerReferences"][0]["uid"] == UID
    assert made["spec"] == cronjob()["spec"]["jobTemplate"]["spec"]
