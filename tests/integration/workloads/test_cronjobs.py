"""A CronJob on a real one-node cluster: "* * * * *" runs a Job at the next minute, it completes.

The schedule logic itself (missed times, deadlines, concurrency, restarts) is tested with a
fake clock in tests/unit/controllers/test_cronjob.py; this is the one real run end to end.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.integration.workloads.conftest import Cluster, wait_for

Obj = dict[str, Any]


def test_every_minute_cronjob_runs_a_job_that_completes(
    cluster: Cluster, api: httpx.Client, ns: str
) -> None:
    cronjob = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "tick"},
        "spec": {
            "schedule": "* * * * *",
            "successfulJobsHistoryLimit": 1,
            "jobTemplate": {
                "metadata": {"labels": {"app": "tick"}},
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "terminationGracePeriodSeconds": 1,
                            "containers": [
                                {
                                    "name": "main",
                                    "image": "minik8s/busybox:latest",
                                    "imagePullPolicy": "IfNotPresent",
                                    "command": ["sh", "-c", "echo tick"],
                                }
                            ],
                        }
                    }
                },
            },
        },
    }
    base = f"/apis/batch/v1/namespaces/{ns}"
    r = api.post(f"{base}/cronjobs", json=cronjob)
    assert r.status_code == 201, r.text
    uid = r.json()["metadata"]["uid"]

    def finished_job() -> Obj | None:
        for job in api.get(f"{base}/jobs").json()["items"]:
            conditions = (job.get("status") or {}).get("conditions") or []
            if any(c["type"] == "Complete" and c["status"] == "True" for c in conditions):
                return dict(job)
        return None

    # the next minute boundary is at most 60 s away; the Job then runs for a few seconds
    job = wait_for(finished_job, "a Job of the CronJob to complete", timeout=100)
    ref = job["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["uid"], ref["controller"]) == (
        "CronJob",
        "tick",
        uid,
        True,
    )
    assert job["metadata"]["labels"]["app"] == "tick"
    scheduled = job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"]
    assert scheduled.endswith(":00+00:00")  # on a minute boundary, in UTC
    minutes = int(job["metadata"]["name"].removeprefix("tick-"))
    assert scheduled.startswith(_rfc3339(minutes * 60)[:16])

    def recorded() -> Obj | None:
        status = api.get(f"{base}/cronjobs/tick").json().get("status") or {}
        ok = status.get("lastSuccessfulTime") and status.get("lastScheduleTime")
        return status if ok else None

    status = wait_for(recorded, "lastScheduleTime and lastSuccessfulTime on the CronJob")
    assert status["lastScheduleTime"] >= _rfc3339(minutes * 60)
    events = api.get(f"/api/v1/namespaces/{ns}/events").json()["items"]
    reasons = {e["reason"] for e in events if e["involvedObject"].get("name") == "tick"}
    assert "SuccessfulCreate" in reasons
    # stop it before the next minute starts another run
    api.patch(
        f"{base}/cronjobs/tick",
        json={"spec": {"suspend": True}},
        headers={"Content-Type": "application/merge-patch+json"},
    )

    # kubectl's "create job --from=cronjob/": the template, run now, by hand
    made = cluster.mkctl("create", "job", "by-hand", "--from=cronjob/tick", "-n", ns)
    assert made.returncode == 0 and "job.batch/by-hand created" in made.stdout, made.stderr
    manual = api.get(f"{base}/jobs/by-hand").json()
    assert manual["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    assert manual["metadata"]["ownerReferences"][0]["uid"] == uid
    wrong = cluster.mkctl("create", "job", "x", "--from=deployment/tick", "-n", ns)
    assert wrong.returncode != 0 and len(wrong.stderr.strip().splitlines()) == 1


def _rfc3339(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
