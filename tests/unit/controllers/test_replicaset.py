"""ReplicaSet reconcile: the exact writes one sync issues for a seeded cache."""

from __future__ import annotations

import asyncio
from typing import Any

from controllers.podutil import deletion_order, slow_start_batches
from controllers.replicaset import ReplicaSetController, compute_status
from minik8s.api.times import rfc3339 as format_time
from tests.unit.controllers.fakes import context, seed

Obj = dict[str, Any]
UID = "rs-uid"


def rs(replicas: int, **spec: Any) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": "web",
            "namespace": "ns",
            "uid": UID,
            "generation": 2,
            "resourceVersion": "10",
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
            **spec,
        },
    }


def pod(
    name: str,
    *,
    owner: str | None = UID,
    labels: dict[str, str] | None = None,
    ready: bool = False,
    node: str = "",
    restarts: int = 0,
    created: str = "2026-01-01T00:00:00Z",
    phase: str = "Running",
) -> Obj:
    meta: Obj = {
        "name": name,
        "namespace": "ns",
        "uid": f"uid-{name}",
        "resourceVersion": "5",
        "labels": labels if labels is not None else {"app": "web"},
        "creationTimestamp": created,
    }
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "web",
                "uid": owner,
                "controller": True,
            }
        ]
    status: Obj = {"phase": phase, "containerStatuses": [{"name": "c", "restartCount": restarts}]}
    if ready:
        status["conditions"] = [
            {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}
        ]
    return {"metadata": meta, "spec": {"nodeName": node} if node else {}, "status": status}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_slow_start_batches() -> None:
    assert slow_start_batches(0) == []
    assert slow_start_batches(1) == [1]
    assert slow_start_batches(10) == [1, 2, 4, 3]
    assert sum(slow_start_batches(500)) == 500


def test_creates_missing_pods_and_waits_for_them() -> None:
    ctx, client, recorder, _ = context()
    c = ReplicaSetController(ctx)
    seed(ctx, "replicasets", rs(3))
    run(c.sync("ns/web"))
    creates = [w for w in client.writes if w[0] == "create"]
    assert len(creates) == 3
    body = creates[0][3]
    assert body["metadata"]["generateName"] == "web-"
    assert body["metadata"]["ownerReferences"][0]["uid"] == UID
    assert body["metadata"]["ownerReferences"][0]["controller"] is True
    assert body["metadata"]["labels"] == {"app": "web"}
    assert [e[1] for e in recorder.events] == ["SuccessfulCreate"] * 3
    # the cache has not caught up: a second sync must not create again
    client.writes.clear()
    run(c.sync("ns/web"))
    assert [w for w in client.writes if w[0] == "create"] == []
    # the pods arrive: expectations met, nothing to do
    for i in range(3):
        p = pod(f"p{i}")
        seed(ctx, "pods", p)
        c.pod_events.add(p)
    assert c.expectations.satisfied("ns/web")


def test_failed_create_sets_replica_failure_and_lowers_expectations() -> None:
    ctx, client, recorder, _ = context()
    c = ReplicaSetController(ctx)
    seed(ctx, "replicasets", rs(4))
    client.fail_creates_after = 1  # batch 1 succeeds, batch 2 fails
    try:
        run(c.sync("ns/web"))
        raise AssertionError("sync should fail so the key is retried")
    except RuntimeError as exc:
        assert "quota" in str(exc)
    assert c.expectations.pending("ns/web") == (1, 0)  # only the created one is awaited
    status = [w for w in client.writes if w[0] == "update"][0][3]["status"]
    cond = status["conditions"][0]
    assert (cond["type"], cond["status"], cond["reason"]) == (
        "ReplicaFailure",
        "True",
        "FailedCreate",
    )
    assert "FailedCreate" in [e[1] for e in recorder.events]


def test_deletes_least_valuable_first() -> None:
    ctx, client, _, _ = context()
    c = ReplicaSetController(ctx)
    seed(ctx, "replicasets", rs(2))
    seed(
        ctx,
        "pods",
        pod("ready-old", ready=True, node="n1"),
        pod("unscheduled", phase="Pending"),
        pod("notready", node="n1"),
        pod("ready-new", ready=True, node="n1", created="2026-02-01T00:00:00Z"),
    )
    run(c.sync("ns/web"))
    deletes = [w[2] for w in client.writes if w[0] == "delete"]
    assert deletes == ["unscheduled", "notready"]


def test_deletion_order_ranks() -> None:
    pods = [
        pod("ready", ready=True, node="n"),
        pod("restarts", ready=True, node="n", restarts=5),
        pod("newer", ready=True, node="n", created="2026-03-01T00:00:00Z"),
        pod("pending", node="n", phase="Pending"),
    ]
    assert [p["metadata"]["name"] for p in deletion_order(pods)] == [
        "pending",
        "restarts",
        "newer",
        "ready",
    ]


def test_adopts_orphans_and_releases_mismatches() -> None:
    ctx, client, _, _ = context()
    c = ReplicaSetController(ctx)
    seed(ctx, "replicasets", rs(2))
    seed(
        ctx,
        "pods",
        pod("orphan", owner=None),
        pod("mine"),
        pod("relabelled", labels={"app": "other"}),
        pod("other", owner="x"),
    )
    run(c.sync("ns/web"))
    patches = {w[2]: w[4] for w in client.writes if w[0] == "patch"}
    assert set(patches) == {"orphan", "relabelled"}
    assert patches["orphan"]["metadata"]["ownerReferences"][0]["uid"] == UID
    assert patches["orphan"]["metadata"]["resourceVersion"] == "5"
    assert patches["relabelled"]["metadata"]["ownerReferences"] is None
    assert [w for w in client.writes if w[0] in ("create", "delete")] == []


def test_status_with_min_ready_seconds() -> None:
    now = 1_800_000_000.0
    spec_rs = rs(2, minReadySeconds=30)
    fresh = pod("fresh", ready=True)
    fresh["status"]["conditions"][0]["lastTransitionTime"] = format_time(now - 10)
    old = pod("old", ready=True)
    status = compute_status(spec_rs, [fresh, old, pod("no")], now, None, {})
    assert status == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 2,
        "availableReplicas": 1,
        "observedGeneration": 2,
    }


def test_gone_replicaset_forgets_expectations() -> None:
    ctx, client, _, _ = context()
    c = ReplicaSetController(ctx)
    c.expectations.expect_creations("ns/web", 3)
    assert run(c.sync("ns/web")) is None
    assert client.writes == []
    assert c.expectations.satisfied("ns/web")
