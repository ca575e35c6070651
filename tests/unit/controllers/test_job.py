"""Job reconcile (pure, with a fixed clock) and one controller sync's exact writes."""

from __future__ import annotations

import asyncio
from typing import Any

from controllers.base import Options
from controllers.job import (
    Backoff,
    JobController,
    backoff_remaining,
    format_indexes,
    parse_indexes,
    pod_for,
    reconcile,
)
from controllers.ttl import TTLAfterFinishedController, expires_in
from minik8s.api.times import rfc3339 as format_time
from tests.unit.controllers.fakes import context, seed

Obj = dict[str, Any]
UID = "job-uid"
NOW = 1_800_000_000.0


def job(status: Obj | None = None, restart: str = "Never", **spec: Any) -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi", "namespace": "ns", "uid": UID, "resourceVersion": "7"},
        "spec": {
            "completions": 1,
            "parallelism": 1,
            "backoffLimit": 6,
            "completionMode": "NonIndexed",
            "template": {
                "metadata": {"labels": {"app": "pi"}},
                "spec": {"restartPolicy": restart, "containers": [{"name": "c", "image": "i"}]},
            },
            **spec,
        },
        "status": status or {},
    }


def pod(
    name: str,
    phase: str = "Running",
    *,
    index: int | None = None,
    finished: float | None = None,
    restarts: int = 0,
    ready: bool = False,
    deleting: bool = False,
) -> Obj:
    meta: Obj = {
        "name": name,
        "namespace": "ns",
        "uid": f"u-{name}",
        "resourceVersion": "3",
        "creationTimestamp": format_time(NOW - 100),
        "ownerReferences": [{"kind": "Job", "name": "pi", "uid": UID, "controller": True}],
    }
    if index is not None:
        meta["annotations"] = {"batch.kubernetes.io/job-completion-index": str(index)}
    if deleting:
        meta["deletionTimestamp"] = format_time(NOW)
    state: Obj = {"running": {}}
    if finished is not None:
        state = {"terminated": {"exitCode": 0 if phase == "Succeeded" else 1}}
        state["terminated"]["finishedAt"] = format_time(finished)
    status: Obj = {
        "phase": phase,
        "containerStatuses": [{"name": "c", "restartCount": restarts, "state": state}],
    }
    if ready:
        status["conditions"] = [{"type": "Ready", "status": "True"}]
    return {"metadata": meta, "spec": {}, "status": status}


def conditions(status: Obj) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c.get("reason", "")) for c in status.get("conditions", [])}


def test_starts_parallelism_pods_bounded_by_completions() -> None:
    plan = reconcile(job(completions=5, parallelism=2), [], NOW)
    assert plan.create == [None, None]
    assert plan.status["active"] == 2 and plan.status["startTime"] == format_time(NOW)
    # 4 of 5 succeeded: only one more is needed even with parallelism 2
    done = [pod(f"p{i}", "Succeeded", finished=NOW - 5) for i in range(4)]
    assert reconcile(job(completions=5, parallelism=2), done, NOW).create == [None]


def test_completes_when_enough_pods_succeeded_and_keeps_them() -> None:
    pods = [pod("a", "Succeeded", finished=NOW - 1), pod("b", "Succeeded", finished=NOW - 1)]
    plan = reconcile(job(completions=2, parallelism=2), pods, NOW)
    assert plan.create == [] and plan.delete == []  # finished pods stay for their logs
    assert conditions(plan.status)["Complete"] == ("True", "CompletionsReached")
    assert plan.status["succeeded"] == 2 and "active" not in plan.status
    assert plan.status["completionTime"] == format_time(NOW)
    assert ("Normal", "Completed", "Job completed") in plan.events


def test_work_queue_job_completes_after_one_success_and_no_one_running() -> None:
    spec = {"completions": None, "parallelism": 3}
    running = [pod("a", "Succeeded", finished=NOW - 1), pod("b")]
    plan = reconcile(job(**spec), running, NOW)
    assert plan.create == [] and "Complete" not in conditions(plan.status)
    plan = reconcile(job(**spec), [pod("a", "Succeeded", finished=NOW - 1)], NOW)
    assert conditions(plan.status)["Complete"][0] == "True"


def test_backoff_limit_fails_the_job_and_deletes_active_pods() -> None:
    failed = [pod(f"f{i}", "Failed", finished=NOW - 60) for i in range(3)]
    plan = reconcile(job(backoffLimit=2, parallelism=2, completions=3), [*failed, pod("r")], NOW)
    assert conditions(plan.status)["Failed"] == ("True", "BackoffLimitExceeded")
    assert [p["metadata"]["name"] for p in plan.delete] == ["r"]
    assert plan.create == [] and plan.status["failed"] == 3
    assert "completionTime" not in plan.status
    assert ("Warning", "BackoffLimitExceeded", "Job has reached the specified backoff limit") in (
        plan.events
    )
    # two failures with backoffLimit 2: not yet
    assert "Failed" not in conditions(reconcile(job(backoffLimit=2), failed[:2], NOW).status)


def test_on_failure_counts_container_restarts_toward_the_limit() -> None:
    spec = {"backoffLimit": 3}
    restarting = [pod("a", restarts=2)]
    assert "Failed" not in conditions(
        reconcile(job(restart="OnFailure", **spec), restarting, NOW).status
    )
    plan = reconcile(job(restart="OnFailure", **spec), [pod("a", restarts=3)], NOW)
    assert conditions(plan.status)["Failed"] == ("True", "BackoffLimitExceeded")


def test_failed_pods_are_replaced_after_an_exponential_backoff() -> None:
    one = [pod("f1", "Failed", finished=NOW - 4)]
    plan = reconcile(job(), one, NOW, Backoff(10, 360))
    assert plan.create == [] and plan.requeue is not None and 5.9 < plan.requeue < 6.2
    assert reconcile(job(), one, NOW + 6.1, Backoff(10, 360)).create == [None]
    # three failures: 40 s after the last one; a success in between resets the count
    three = [pod(f"f{i}", "Failed", finished=NOW - t) for i, t in enumerate((30, 20, 5))]
    assert backoff_remaining(three, NOW, 10, 360) == 35  # 10 * 2^2 after the last failure
    assert backoff_remaining(three, NOW, 10, 30) == 25  # capped
    reset = [*three, pod("s", "Succeeded", finished=NOW - 25)]
    assert backoff_remaining(reset, NOW, 10, 360) == 15  # two failures since the success


def test_active_deadline() -> None:
    status = {"startTime": format_time(NOW - 30)}
    plan = reconcile(job(status, activeDeadlineSeconds=60), [pod("a")], NOW)
    assert plan.requeue is not None and 29.9 < plan.requeue < 30.2 and plan.delete == []
    plan = reconcile(job(status, activeDeadlineSeconds=20), [pod("a")], NOW)
    assert conditions(plan.status)["Failed"] == ("True", "DeadlineExceeded")
    assert [p["metadata"]["name"] for p in plan.delete] == ["a"]


def test_suspend_deletes_active_pods_and_resume_restarts_the_clock() -> None:
    status = {"startTime": format_time(NOW - 100), "active": 1}
    plan = reconcile(job(status, suspend=True), [pod("a"), pod("b", "Succeeded")], NOW)
    assert [p["metadata"]["name"] for p in plan.delete] == ["a"] and plan.create == []
    assert conditions(plan.status)["Suspended"] == ("True", "JobSuspended")
    assert "active" not in plan.status
    suspended = {"conditions": plan.status["conditions"]}
    plan = reconcile(job(suspended, completions=2), [pod("b", "Succeeded")], NOW + 50)
    assert conditions(plan.status)["Suspended"] == ("False", "JobResumed")
    assert plan.status["startTime"] == format_time(NOW + 50) and plan.create == [None]
    assert ("Normal", "Resumed", "Job resumed") in plan.events


def test_indexed_creates_missing_indexes_and_tracks_completed_ones() -> None:
    spec = {"completionMode": "Indexed", "completions": 5, "parallelism": 3}
    pods = [pod("p0", "Succeeded", index=0), pod("p2", index=2), pod("dup", index=2)]
    plan = reconcile(job({"completedIndexes": "4"}, **spec), pods, NOW)
    assert plan.create == [1, 3]  # 0 and 4 done, 2 running
    assert [p["metadata"]["name"] for p in plan.delete] == ["dup"]
    assert plan.status["completedIndexes"] == "0,4"
    done = [pod(f"p{i}", "Succeeded", index=i) for i in range(5)]
    plan = reconcile(job(**spec), done, NOW)
    assert conditions(plan.status)["Complete"][0] == "True"
    assert plan.status["completedIndexes"] == "0-4"


def test_index_formats() -> None:
    assert format_indexes({0, 1, 2, 4, 6, 7}) == "0-2,4,6-7"
    assert parse_indexes("0-2,4,6-7") == {0, 1, 2, 4, 6, 7}
    assert parse_indexes("") == set()


def test_pod_template_for_an_index() -> None:
    made = pod_for(job(completionMode="Indexed", completions=3), 2)
    meta = made["metadata"]
    assert meta["generateName"] == "pi-2-"
    assert meta["annotations"]["batch.kubernetes.io/job-completion-index"] == "2"
    assert meta["labels"]["job-name"] == "pi" and meta["labels"]["controller-uid"] == UID
    assert meta["labels"]["app"] == "pi"
    assert meta["ownerReferences"][0]["controller"] is True
    assert made["spec"]["hostname"] == "pi-2"
    assert {"name": "JOB_COMPLETION_INDEX", "value": "2"} in made["spec"]["containers"][0]["env"]


def test_a_finished_job_is_left_alone() -> None:
    ctx, client, _, _ = context()
    finished = job({"conditions": [{"type": "Complete", "status": "True"}]})
    seed(ctx, "jobs", finished)
    seed(ctx, "pods", pod("a", "Succeeded"))
    assert asyncio.run(JobController(ctx).sync("ns/pi")) is None
    assert client.writes == []


def test_one_sync_creates_pods_then_writes_status() -> None:
    ctx, client, recorder, clock = context(Options(job_backoff_base=1))
    clock.now = NOW
    seed(ctx, "jobs", job(completions=3, parallelism=2))
    asyncio.run(JobController(ctx).sync("ns/pi"))
    kinds = [(w[0], w[1]) for w in client.writes]
    assert kinds == [("create", "pods"), ("create", "pods"), ("update", "jobs")]
    assert client.writes[2][2] == "status"
    assert client.writes[2][3]["status"] == {
        "active": 2,
        "ready": 0,
        "startTime": format_time(NOW),
    }
    assert [e[1] for e in recorder.events] == ["SuccessfulCreate", "SuccessfulCreate"]


def test_ttl_after_finished() -> None:
    finished = job(
        {
            "conditions": [
                {"type": "Complete", "status": "True", "lastTransitionTime": format_time(NOW)}
            ]
        },
        ttlSecondsAfterFinished=30,
    )
    assert expires_in(finished, NOW + 10) == 20
    assert expires_in(job(ttlSecondsAfterFinished=30), NOW) is None  # still running
    ctx, client, _, clock = context()
    seed(ctx, "jobs", finished)
    clock.now = NOW + 10
    controller = TTLAfterFinishedController(ctx)
    assert asyncio.run(controller.sync("ns/pi")) == 20.05
    clock.now = NOW + 31
    assert asyncio.run(controller.sync("ns/pi")) is None
    assert client.writes == [("delete", "jobs", "pi", "Foreground")]
