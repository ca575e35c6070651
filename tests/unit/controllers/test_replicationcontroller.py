"""ReplicationController reconcile: the ReplicaSet's machinery with an equality selector."""

from __future__ import annotations

import asyncio
from typing import Any

from controllers.replicationcontroller import ReplicationControllerController, selector_of
from tests.unit.controllers.fakes import context, seed

Obj = dict[str, Any]
UID = "rc-uid"


def rc(replicas: int, selector: dict[str, str] | None = None) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "web", "namespace": "ns", "uid": UID, "generation": 3},
        "spec": {
            "replicas": replicas,
            "selector": {"app": "web"} if selector is None else selector,
            "template": {
                "metadata": {"labels": {"app": "web", "tier": "front"}},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            },
        },
    }


def pod(name: str, labels: dict[str, str], owner: str | None = None, ready: bool = True) -> Obj:
    meta: Obj = {"name": name, "namespace": "ns", "uid": f"uid-{name}", "labels": labels}
    meta["resourceVersion"] = "4"
    if owner:
        ref = {"kind": "ReplicationController", "name": "web", "uid": owner, "controller": True}
        meta["ownerReferences"] = [ref]
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    return {"metadata": meta, "spec": {}, "status": {"phase": "Running", "conditions": conditions}}


def test_creates_pods_it_controls_and_writes_its_status() -> None:
    ctx, client, recorder, _ = context()
    c = ReplicationControllerController(ctx)
    seed(ctx, "replicationcontrollers", rc(2))
    asyncio.run(c.sync("ns/web"))
    creates = [w for w in client.writes if w[0] == "create"]
    assert len(creates) == 2 and {w[1] for w in creates} == {"pods"}
    ref = creates[0][3]["metadata"]["ownerReferences"][0]
    assert (ref["apiVersion"], ref["kind"], ref["uid"], ref["controller"]) == (
        "v1",
        "ReplicationController",
        UID,
        True,
    )
    assert creates[0][3]["metadata"]["labels"] == {"app": "web", "tier": "front"}
    status = [w for w in client.writes if w[0] == "update"]
    assert [(w[1], w[2]) for w in status] == [("replicationcontrollers", "status")]
    assert status[0][3]["status"]["observedGeneration"] == 3
    assert [e[1] for e in recorder.events] == ["SuccessfulCreate"] * 2


def test_adopts_equal_labels_only_and_deletes_the_surplus() -> None:
    ctx, client, _, _ = context()
    c = ReplicationControllerController(ctx)
    seed(ctx, "replicationcontrollers", rc(1))
    seed(
        ctx,
        "pods",
        pod("mine", {"app": "web"}, owner=UID),
        pod("orphan", {"app": "web", "extra": "x"}),  # every selector label equal: adopted
        pod("other", {"app": "db"}),  # not selected
    )
    asyncio.run(c.sync("ns/web"))
    patched = [w[2] for w in client.writes if w[0] == "patch"]
    assert patched == ["orphan"]
    deleted = [w[2] for w in client.writes if w[0] == "delete"]
    assert len(deleted) == 1 and deleted[0] in ("mine", "orphan")
    status = [w[3]["status"] for w in client.writes if w[0] == "update"][0]
    assert (status["replicas"], status["readyReplicas"], status["fullyLabeledReplicas"]) == (
        2,
        2,
        0,
    )


def test_an_empty_or_malformed_selector_selects_nothing() -> None:
    assert not selector_of(rc(1, {})).matches({"app": "web"})
    assert not selector_of({"spec": {"selector": {"bad key": "x"}}}).matches({})
    assert selector_of(rc(1)).matches({"app": "web", "more": "x"})
    assert not selector_of(rc(1)).matches({"app": "db"})


def test_pod_events_of_its_pods_queue_it() -> None:
    ctx, _, _, _ = context()
    c = ReplicationControllerController(ctx)
    seed(ctx, "replicationcontrollers", rc(1))
    c.pod_events.add(pod("orphan", {"app": "web"}))
    assert len(c.queue) == 1
