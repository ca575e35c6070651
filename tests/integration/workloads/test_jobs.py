"""Jobs on a real one-node cluster: parallel completions, back-off limit, Indexed, suspend, TTL.

Pods really run (busybox in Docker through the kubelet and the CRI shim); the controller
manager runs with a 1 s pod failure back-off (conftest.py) so the failing Job ends quickly.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.workloads.conftest import wait_for

Obj = dict[str, Any]
IMAGE = "minik8s/busybox:latest"


def job(name: str, script: str, restart: str = "Never", **spec: Any) -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": restart,
                    "terminationGracePeriodSeconds": 1,
                    "containers": [
                        {
                            "name": "main",
                            "image": IMAGE,
                            "imagePullPolicy": "IfNotPresent",
                            "command": ["sh", "-c", script],
                        }
                    ],
                }
            },
            **spec,
        },
    }


def create(api: httpx.Client, ns: str, obj: Obj) -> Obj:
    r = api.post(f"/apis/batch/v1/namespaces/{ns}/jobs", json=obj)
    assert r.status_code == 201, r.text
    return dict(r.json())


def get_job(api: httpx.Client, ns: str, name: str) -> Obj:
    got = dict(api.get(f"/apis/batch/v1/namespaces/{ns}/jobs/{name}").json())
    got.setdefault("status", {})
    return got


def pods_of(api: httpx.Client, ns: str, name: str) -> list[Obj]:
    r = api.get(
        f"/api/v1/namespaces/{ns}/pods",
        params={"labelSelector": f"batch.kubernetes.io/job-name={name}"},
    )
    return list(r.json()["items"])


def condition(obj: Obj, ctype: str) -> Obj | None:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == ctype and cond.get("status") == "True":
            return dict(cond)
    return None


def events_of(api: httpx.Client, ns: str, name: str) -> list[str]:
    items = api.get(f"/api/v1/namespaces/{ns}/events").json()["items"]
    return [e["reason"] for e in items if e["involvedObject"].get("name") == name]


def test_five_completions_two_at_a_time(api: httpx.Client, ns: str) -> None:
    created = create(api, ns, job("five", "sleep 1", completions=5, parallelism=2))
    # the API server generated the selector and the template labels from the uid
    uid = created["metadata"]["uid"]
    assert created["spec"]["selector"] == {
        "matchLabels": {"batch.kubernetes.io/controller-uid": uid}
    }
    most = 0

    def complete() -> Obj | None:
        nonlocal most
        running = [
            p
            for p in pods_of(api, ns, "five")
            if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            and not p["metadata"].get("deletionTimestamp")
        ]
        most = max(most, len(running))
        got = get_job(api, ns, "five")
        most = max(most, int(got["status"].get("active") or 0))
        return got if condition(got, "Complete") else None

    done = wait_for(complete, "the Job of 5 completions to complete", interval=0.3)
    assert most <= 2, f"{most} pods were active at once with parallelism 2"
    assert done["status"]["succeeded"] == 5
    assert done["status"].get("active", 0) == 0
    assert done["status"]["startTime"] <= done["status"]["completionTime"]
    pods = pods_of(api, ns, "five")
    assert len(pods) == 5 and all(p["status"]["phase"] == "Succeeded" for p in pods)  # kept
    ref = pods[0]["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["uid"], ref["controller"]) == ("Job", uid, True)
    assert pods[0]["metadata"]["labels"]["controller-uid"] == uid
    assert "Completed" in wait_for(
        lambda: events_of(api, ns, "five") if "Completed" in events_of(api, ns, "five") else None,
        "the Completed event",
    )


def test_failing_job_stops_after_backoff_limit(api: httpx.Client, ns: str) -> None:
    create(api, ns, job("fails", "exit 3", backoffLimit=2))
    failed = wait_for(
        lambda: (got := get_job(api, ns, "fails")) and condition(got, "Failed") and got,
        "the Job to fail",
    )
    cond = condition(failed, "Failed") or {}
    assert cond["reason"] == "BackoffLimitExceeded"
    assert failed["status"]["failed"] == 3  # the first try and backoffLimit retries
    pods = pods_of(api, ns, "fails")
    assert len(pods) == 3 and all(p["status"]["phase"] == "Failed" for p in pods)
    assert "BackoffLimitExceeded" in events_of(api, ns, "fails")


def test_indexed_job_runs_each_index_once(api: httpx.Client, ns: str) -> None:
    script = 'echo "index=$JOB_COMPLETION_INDEX host=$(hostname)"'
    create(api, ns, job("idx", script, completions=3, parallelism=3, completionMode="Indexed"))
    done = wait_for(
        lambda: (got := get_job(api, ns, "idx")) and condition(got, "Complete") and got,
        "the Indexed Job to complete",
    )
    assert done["status"]["completedIndexes"] == "0-2"
    lines = []
    for pod in pods_of(api, ns, "idx"):
        index = pod["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
        log = api.get(f"/api/v1/namespaces/{ns}/pods/{pod['metadata']['name']}/log").text
        assert log.strip() == f"index={index} host=idx-{index}", log
        lines.append(log.strip())
    assert sorted(lines) == [f"index={i} host=idx-{i}" for i in range(3)]


def test_suspend_deletes_pods_and_resume_finishes(api: httpx.Client, ns: str) -> None:
    create(api, ns, job("pause", "sleep 3", suspend=True))
    wait_for(lambda: condition(get_job(api, ns, "pause"), "Suspended"), "the Suspended condition")
    assert pods_of(api, ns, "pause") == []
    assert "startTime" not in get_job(api, ns, "pause")["status"]

    def patch(suspend: bool) -> None:
        r = api.patch(
            f"/apis/batch/v1/namespaces/{ns}/jobs/pause",
            json={"spec": {"suspend": suspend}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        assert r.status_code == 200, r.text

    patch(False)
    wait_for(lambda: pods_of(api, ns, "pause"), "a pod once resumed")
    patch(True)
    wait_for(
        lambda: (
            all(p["metadata"].get("deletionTimestamp") for p in pods_of(api, ns, "pause"))
            and condition(get_job(api, ns, "pause"), "Suspended")
        ),
        "the running pod deleted on suspend",
    )
    patch(False)
    done = wait_for(
        lambda: (got := get_job(api, ns, "pause")) and condition(got, "Complete") and got,
        "the resumed Job to complete",
    )
    suspended = [c for c in done["status"]["conditions"] if c["type"] == "Suspended"]
    assert suspended[0]["status"] == "False" and suspended[0]["reason"] == "JobResumed"
    reasons = events_of(api, ns, "pause")
    assert "Suspended" in reasons and "Resumed" in reasons


def test_ttl_after_finished_deletes_the_job(api: httpx.Client, ns: str) -> None:
    create(api, ns, job("short", "true", ttlSecondsAfterFinished=2))
    wait_for(
        lambda: api.get(f"/apis/batch/v1/namespaces/{ns}/jobs/short").status_code == 404,
        "the finished Job deleted after its TTL",
    )
    wait_for(lambda: not pods_of(api, ns, "short"), "its pod deleted with it")
