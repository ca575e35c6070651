"""The disruption controller's status: counts, percentages, disrupted pods, failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from controllers.disruption import (
    DELETION_TIMEOUT,
    DisruptionController,
    compute_status,
    scaled,
)
from minik8s.api.times import rfc3339
from tests.unit.controllers.fakes import context, seed

Obj = dict[str, Any]
NOW = 1_800_000_000.0


def pdb(generation: int = 2, **spec: Any) -> Obj:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web", "namespace": "ns", "uid": "pdb", "generation": generation},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec},
        "status": {"disruptionsAllowed": 0, "currentHealthy": 0},
    }


def pod(name: str, *, ready: bool = True, owner: str | None = "rs1", deleting: bool = False) -> Obj:
    meta: Obj = {"name": name, "namespace": "ns", "uid": name, "labels": {"app": "web"}}
    if owner:
        meta["ownerReferences"] = [
            {"kind": "ReplicaSet", "name": owner, "uid": owner, "controller": True}
        ]
    if deleting:
        meta["deletionTimestamp"] = rfc3339(NOW)
    status = {"phase": "Running", "conditions": [{"type": "Ready", "status": str(ready)}]}
    return {"metadata": meta, "spec": {}, "status": status}


def scale_of(replicas: int) -> Any:
    return lambda ref, ns: (ref["uid"], replicas) if ref.get("kind") == "ReplicaSet" else None


def test_scaled_rounds_percentages_up() -> None:
    assert (scaled(2, 10), scaled("50%", 3), scaled("10%", 1), scaled("0%", 5)) == (2, 2, 1, 0)


def test_min_available_integer_counts_the_selected_pods() -> None:
    pods = [pod("a"), pod("b"), pod("c", ready=False), pod("d", deleting=True)]
    status, recheck = compute_status(pdb(minAvailable=1), pods, scale_of(9), NOW)
    assert (
        status["expectedPods"],
        status["desiredHealthy"],
        status["currentHealthy"],
        status["disruptionsAllowed"],
        status["observedGeneration"],
    ) == (4, 1, 2, 1, 2)
    (cond,) = status["conditions"]
    assert (cond["type"], cond["status"], cond["reason"], cond["observedGeneration"]) == (
        "DisruptionAllowed",
        "True",
        "SufficientPods",
        2,
    )
    assert recheck == float("inf") and "disruptedPods" not in status


@pytest.mark.parametrize(
    ("spec", "expected", "desired", "allowed"),
    [
        ({"maxUnavailable": 1}, 3, 2, 1),
        ({"maxUnavailable": "50%"}, 3, 1, 2),  # 1.5 rounded up to 2 unavailable
        ({"minAvailable": "50%"}, 3, 2, 1),
        ({"minAvailable": 3}, 3, 3, 0),
    ],
)
def test_percentages_and_max_unavailable_count_the_controllers_replicas(
    spec: Obj, expected: int, desired: int, allowed: int
) -> None:
    pods = [pod("a"), pod("b"), pod("c")]
    status, _ = compute_status(pdb(**spec), pods, scale_of(3), NOW)
    assert (status["expectedPods"], status["desiredHealthy"], status["disruptionsAllowed"]) == (
        expected,
        desired,
        allowed,
    )
    if not allowed:
        assert status["conditions"][0]["reason"] == "InsufficientPods"


def test_a_pod_without_a_controller_fails_safe() -> None:
    status, _ = compute_status(pdb(maxUnavailable=1), [pod("a", owner=None)], scale_of(1), NOW)
    assert status["disruptionsAllowed"] == 0
    (cond,) = status["conditions"]
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "False",
        "SyncFailed",
        'found no controller ref for pod "a"',
    )


def test_recently_disrupted_pods_are_not_healthy_until_they_expire() -> None:
    budget = pdb(minAvailable=1)
    budget["status"]["disruptedPods"] = {
        "a": rfc3339(NOW - 10),
        "b": rfc3339(NOW - DELETION_TIMEOUT - 1),  # expired: counted again
        "gone": rfc3339(NOW - 5),  # no such pod any more: dropped
    }
    status, recheck = compute_status(budget, [pod("a"), pod("b"), pod("c")], scale_of(3), NOW)
    assert status["disruptedPods"] == {"a": rfc3339(NOW - 10)}
    assert (status["currentHealthy"], status["disruptionsAllowed"]) == (2, 1)
    assert recheck == pytest.approx(NOW - 10 + DELETION_TIMEOUT, abs=1)


def test_sync_writes_the_status_once_and_pod_events_queue_the_budget() -> None:
    ctx, client, _, clock = context()
    clock.now = NOW
    c = DisruptionController(ctx)
    seed(ctx, "poddisruptionbudgets", pdb(minAvailable=1))
    seed(ctx, "pods", pod("a"), pod("b"))
    asyncio.run(c.sync("ns/web"))
    writes = [w for w in client.writes if w[0] == "update"]
    assert [(w[1], w[2]) for w in writes] == [("poddisruptionbudgets", "status")]
    assert writes[0][3]["status"]["disruptionsAllowed"] == 1
    c.pod_added(pod("x"))
    other = pod("y")
    other["metadata"]["labels"] = {"app": "db"}
    c.pod_added(other)
    assert len(c.queue) == 1
