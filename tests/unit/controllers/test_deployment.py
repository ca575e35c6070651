"""Rollout math and Deployment reconcile writes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from controllers.deployment import (
    DeploymentController,
    compute_status,
    equal_ignore_hash,
    new_rs_replicas,
    old_rs_scale_down,
    proportional_scale,
    resolve_fenceposts,
)
from controllers.podutil import template_hash
from minik8s.api.times import rfc3339 as format_time
from tests.unit.controllers.fakes import context, seed

Obj = dict[str, Any]


def dep(replicas: int, surge: Any = 1, unavailable: Any = 1, image: str = "v2", **spec: Any) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "ns",
            "uid": "d-uid",
            "generation": 3,
            "annotations": {},
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable},
            },
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": image}]},
            },
            **spec,
        },
    }


def rs(
    name: str,
    replicas: int,
    available: int,
    image: str = "v1",
    revision: int = 1,
    created: str = "2026-01-01T00:00:00Z",
    total: int | None = None,
) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": f"uid-{name}",
            "resourceVersion": "7",
            "creationTimestamp": created,
            "labels": {"app": "web", "pod-template-hash": name},
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "web",
                    "uid": "d-uid",
                    "controller": True,
                }
            ],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web", "pod-template-hash": name}},
                "spec": {"containers": [{"name": "c", "image": image}]},
            },
        },
        "status": {
            "replicas": replicas if total is None else total,
            "readyReplicas": available,
            "availableReplicas": available,
        },
    }


@pytest.mark.parametrize(
    "surge,unavail,replicas,expected",
    [
        ("25%", "25%", 10, (3, 2)),  # surge rounds up, unavailable down
        (0, 0, 5, (0, 1)),  # never both zero
        ("0%", "0%", 3, (0, 1)),
        (2, 0, 3, (2, 0)),
        (None, None, 4, (1, 1)),  # defaults 25% / 25%
        ("50%", "100%", 3, (2, 3)),
    ],
)
def test_resolve_fenceposts(
    surge: Any, unavail: Any, replicas: int, expected: tuple[int, int]
) -> None:
    rolling = {} if surge is None else {"maxSurge": surge, "maxUnavailable": unavail}
    assert resolve_fenceposts({"rollingUpdate": rolling}, replicas) == expected


def test_new_rs_scale_up_respects_surge() -> None:
    d = dep(4, surge=1, unavailable=0)
    old = rs("old", 4, 4)
    assert new_rs_replicas(d, [old], None) == 1
    new = rs("new", 1, 0, image="v2")
    assert new_rs_replicas(d, [old, new], new) == 1  # total 5 = 4 + 1: wait
    old3 = rs("old", 3, 3)
    assert new_rs_replicas(d, [old3, new], new) == 2
    d["spec"]["strategy"] = {"type": "Recreate"}
    assert new_rs_replicas(d, [old], None) == 4


def test_old_scale_down_keeps_min_available() -> None:
    d = dep(4, surge=1, unavailable=1)
    new = rs("new", 1, 0, image="v2")
    old = rs("old", 4, 4)
    # 5 pods, min available 3, new one not yet available: can scale down by 1
    assert old_rs_scale_down(d, new, [old]) == {"old": 3}
    # new not available and only 3 old available: nothing
    assert old_rs_scale_down(d, rs("new", 2, 0, image="v2"), [rs("old", 3, 3)]) == {}
    # unhealthy old pods go first, whatever availability says
    assert old_rs_scale_down(d, rs("new", 1, 1, image="v2"), [rs("old", 4, 2)]) == {"old": 2}


def test_rolling_update_invariant_simulated() -> None:
    """Step the math with instant readiness: bounds hold at every step."""
    for replicas, surge, unavail in [(4, 1, 1), (10, "25%", "25%"), (3, 0, 1), (5, 2, 0)]:
        d = dep(replicas, surge=surge, unavailable=unavail)
        max_surge, max_unavail = resolve_fenceposts(d["spec"]["strategy"], replicas)
        old = rs("old", replicas, replicas)
        new = rs("new", 0, 0, image="v2")
        for _ in range(100):
            want = new_rs_replicas(d, [old, new], new)
            new = rs("new", want, new["status"]["availableReplicas"], image="v2")
            assert want + old["spec"]["replicas"] <= replicas + max_surge
            downs = old_rs_scale_down(d, new, [old])
            if "old" in downs:
                old = rs("old", downs["old"], min(downs["old"], old["status"]["availableReplicas"]))
            available = old["status"]["availableReplicas"] + new["status"]["availableReplicas"]
            assert available >= replicas - max_unavail
            new = rs("new", want, want, image="v2")  # the new pods become available
            if old["spec"]["replicas"] == 0 and want == replicas:
                break
        assert (old["spec"]["replicas"], new["spec"]["replicas"]) == (0, replicas)


def test_proportional_scale() -> None:
    d = dep(20, surge=3, unavailable=2)  # was 10 with surge 3: allowed 13 → 23
    a, b = rs("a", 8, 8), rs("b", 5, 0, image="v2")
    changes = proportional_scale(d, [a, b], {"a": 13, "b": 13})
    assert sum(changes.values()) == 23
    assert changes["a"] > changes["b"] > 5


def test_proportional_scale_converges_after_a_partial_step() -> None:
    d = dep(8, surge=1, unavailable=0)  # was 4 (+1): allowed 5 → 9
    old, new = rs("old", 4, 4), rs("new", 1, 0, image="v2")
    assert proportional_scale(d, [old, new], {"old": 5, "new": 5}) == {"old": 7, "new": 2}
    # only the old one was written (with its new annotation): the repeat finishes the job
    old = rs("old", 7, 7)
    assert proportional_scale(d, [old, new], {"old": 9, "new": 5}) == {"new": 2}


def test_template_hash_and_equality() -> None:
    t1 = dep(1)["spec"]["template"]
    t2 = dep(1, image="v3")["spec"]["template"]
    assert template_hash(t1) == template_hash(dep(1)["spec"]["template"])
    assert template_hash(t1) != template_hash(t2)
    assert template_hash(t1, 1) != template_hash(t1)
    labelled = {**t1, "metadata": {"labels": {"app": "web", "pod-template-hash": "x"}}}
    assert equal_ignore_hash(t1, labelled)
    assert not equal_ignore_hash(t1, t2)


def test_status_conditions_and_deadline() -> None:
    now = 1_800_000_000.0
    d = dep(2, progressDeadlineSeconds=10)
    new = rs("new", 2, 0, image="v2")
    progressing = compute_status(d, new, [new], now, True)
    cond = {c["type"]: c for c in progressing["conditions"]}
    assert cond["Progressing"]["status"] == "True"
    assert cond["Available"]["status"] == "False"
    d["status"] = progressing
    later = compute_status(d, new, [new], now + 11, False)
    cond = {c["type"]: c for c in later["conditions"]}
    assert (cond["Progressing"]["status"], cond["Progressing"]["reason"]) == (
        "False",
        "ProgressDeadlineExceeded",
    )
    done = rs("new", 2, 2, image="v2")
    final = compute_status(d, done, [done], now + 12, True)
    cond = {c["type"]: c for c in final["conditions"]}
    assert cond["Progressing"]["reason"] == "NewReplicaSetAvailable"
    assert final["availableReplicas"] == 2 and final["unavailableReplicas"] == 0
    assert cond["Available"]["lastTransitionTime"] == format_time(now + 12)


def test_sync_creates_new_replicaset_with_next_revision() -> None:
    ctx, client, recorder, _ = context()
    c = DeploymentController(ctx)
    seed(ctx, "deployments", dep(4, surge=1, unavailable=0))
    seed(ctx, "replicasets", rs("old", 4, 4, revision=4))
    asyncio.run(c.sync("ns/web"))
    create = next(w for w in client.writes if w[0] == "create")
    body = create[3]
    h = body["metadata"]["labels"]["pod-template-hash"]
    assert body["metadata"]["name"] == f"web-{h}"
    assert body["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "5"
    assert body["spec"]["replicas"] == 1
    assert body["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": h}
    assert body["metadata"]["ownerReferences"][0]["uid"] == "d-uid"
    deployment_patch = next(w for w in client.writes if w[0] == "patch" and w[1] == "deployments")
    assert deployment_patch[4] == {
        "metadata": {"annotations": {"deployment.kubernetes.io/revision": "5"}}
    }
    assert ("Normal", "ScalingReplicaSet", f"Scaled up replica set web-{h} from 0 to 1") in (
        recorder.events
    )


def test_sync_paused_creates_nothing() -> None:
    ctx, client, _, _ = context()
    c = DeploymentController(ctx)
    seed(ctx, "deployments", dep(4, paused=True))
    seed(ctx, "replicasets", rs("old", 4, 4))
    asyncio.run(c.sync("ns/web"))
    assert [w[0] for w in client.writes] == ["update"]  # status only
    cond = {x["type"]: x for x in client.writes[0][3]["status"]["conditions"]}
    assert cond["Progressing"]["reason"] == "DeploymentPaused"


def test_sync_rollback_reuses_old_replicaset() -> None:
    ctx, client, _, _ = context()
    c = DeploymentController(ctx)
    d = dep(2, image="v1")
    d["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "2"}
    seed(ctx, "deployments", d)
    seed(
        ctx,
        "replicasets",
        rs("one", 0, 0, image="v1", revision=1),
        rs("two", 2, 2, image="v2", revision=2, created="2026-01-02T00:00:00Z"),
    )
    asyncio.run(c.sync("ns/web"))
    assert not [w for w in client.writes if w[0] == "create"]
    patches = [(w[1], w[2], w[4]) for w in client.writes if w[0] == "patch"]
    assert (
        "replicasets",
        "one",
        {"metadata": {"annotations": {"deployment.kubernetes.io/revision": "3"}}},
    ) in patches
    assert (
        "deployments",
        "web",
        {"metadata": {"annotations": {"deployment.kubernetes.io/revision": "3"}}},
    ) in patches


def test_sync_adopts_orphan_replicaset() -> None:
    ctx, client, _, _ = context()
    c = DeploymentController(ctx)
    seed(ctx, "deployments", dep(2, image="v1"))
    orphan = rs("one", 2, 2, image="v1")
    del orphan["metadata"]["ownerReferences"]
    seed(ctx, "replicasets", orphan)
    asyncio.run(c.sync("ns/web"))
    adopt = client.writes[0]
    assert adopt[:3] == ("patch", "replicasets", "one")
    assert adopt[4]["metadata"]["ownerReferences"][0]["uid"] == "d-uid"
    assert adopt[4]["metadata"]["resourceVersion"] == "7"
    assert not [w for w in client.writes if w[0] == "create"]  # its template is current


def test_sync_recreate_scales_old_down_first() -> None:
    ctx, client, _, _ = context()
    c = DeploymentController(ctx)
    d = dep(3, image="v2")
    d["spec"]["strategy"] = {"type": "Recreate"}
    seed(ctx, "deployments", d)
    seed(ctx, "replicasets", rs("old", 3, 3, image="v1"))
    asyncio.run(c.sync("ns/web"))
    create = next(w for w in client.writes if w[0] == "create")
    assert create[3]["spec"]["replicas"] == 0  # the new set waits for the old pods
    scale = [w for w in client.writes if w[0] == "patch" and w[1] == "replicasets"]
    assert [(w[2], w[4]["spec"]["replicas"]) for w in scale] == [("old", 0)]
