"""PersistentVolume binder: matching, binding writes, phases and reclaim."""

from __future__ import annotations

import asyncio
from typing import Any

from controllers.pvbinder import (
    BIND_COMPLETED,
    CLAIM,
    VOLUME,
    PersistentVolumeBinder,
    find_volume,
    mismatch,
    volume_phase,
)
from tests.unit.controllers.fakes import context, seed

Obj = dict[str, Any]


def pv(
    name: str,
    size: str = "1Gi",
    *,
    cls: str = "local",
    modes: tuple[str, ...] = ("ReadWriteOnce",),
    labels: dict[str, str] | None = None,
    claim_ref: Obj | None = None,
    phase: str = "Available",
    policy: str = "Retain",
) -> Obj:
    spec: Obj = {
        "capacity": {"storage": size},
        "accessModes": list(modes),
        "storageClassName": cls,
        "persistentVolumeReclaimPolicy": policy,
        "hostPath": {"path": f"/tmp/{name}"},
    }
    if claim_ref is not None:
        spec["claimRef"] = claim_ref
    return {
        "metadata": {
            "name": name,
            "uid": f"uid-{name}",
            "resourceVersion": "3",
            "labels": labels or {},
        },
        "spec": spec,
        "status": {"phase": phase},
    }


def pvc(
    name: str = "data",
    size: str = "500Mi",
    *,
    cls: str | None = "local",
    volume: str = "",
    selector: Obj | None = None,
    bound: bool = False,
) -> Obj:
    spec: Obj = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if cls is not None:
        spec["storageClassName"] = cls
    if volume:
        spec["volumeName"] = volume
    if selector is not None:
        spec["selector"] = selector
    meta: Obj = {"name": name, "namespace": "ns", "uid": f"uid-{name}", "resourceVersion": "7"}
    if bound:
        meta["annotations"] = {BIND_COMPLETED: "yes"}
    return {"metadata": meta, "spec": spec, "status": {"phase": "Bound" if bound else "Pending"}}


def ref(claim: Obj) -> Obj:
    return {"namespace": "ns", "name": claim["metadata"]["name"], "uid": claim["metadata"]["uid"]}


def test_mismatch_names_the_reason() -> None:
    claim = pvc()
    assert mismatch(pv("a"), claim) is None
    assert mismatch(pv("a", cls="fast"), claim) == "storageClassName does not match"
    assert mismatch(pv("a", modes=("ReadOnlyMany",)), claim) == "access modes do not match"
    assert mismatch(pv("a", "100Mi"), claim) == "capacity is smaller than the request"
    picky = pvc(selector={"matchLabels": {"disk": "ssd"}})
    assert mismatch(pv("a"), picky) is not None
    assert mismatch(pv("a", labels={"disk": "ssd"}), picky) is None
    # no class on the claim only matches volumes without a class
    assert mismatch(pv("a", cls=""), pvc(cls=None)) is None
    assert mismatch(pv("a"), pvc(cls=None)) is not None


def test_smallest_fit_first_and_bound_volumes_skipped() -> None:
    claim = pvc(size="1Gi")
    volumes = [
        pv("big", "10Gi"),
        pv("small", "512Mi"),
        pv("exact", "1Gi"),
        pv("taken", "1Gi", claim_ref={"namespace": "ns", "name": "x", "uid": "u"}),
        pv("released", "1Gi", phase="Released"),
    ]
    chosen = find_volume(claim, volumes)
    assert chosen is not None and chosen["metadata"]["name"] == "exact"
    assert find_volume(pvc(size="20Gi"), volumes) is None


def test_a_volume_pre_bound_to_the_claim_wins() -> None:
    claim = pvc()
    volumes = [pv("a"), pv("mine", "5Gi", claim_ref={"namespace": "ns", "name": "data"})]
    chosen = find_volume(claim, volumes)
    assert chosen is not None and chosen["metadata"]["name"] == "mine"


def test_volume_phases() -> None:
    claim = pvc(volume="v", bound=True)
    assert volume_phase(pv("v"), None) == "Available"
    assert volume_phase(pv("v", claim_ref=ref(claim)), claim) == "Bound"
    assert volume_phase(pv("v", claim_ref=ref(claim)), None) == "Released"
    recreated = pvc(volume="")
    recreated["metadata"]["uid"] = "new"
    assert volume_phase(pv("v", claim_ref=ref(claim)), recreated) == "Released"
    # the claim's half of the binding is not written yet: the phase is left alone
    assert volume_phase(pv("v", claim_ref=ref(claim)), pvc()) == ""
    # pre-bound by an admin to a claim that does not exist yet
    assert (
        volume_phase(pv("v", claim_ref={"namespace": "ns", "name": "later"}), None) == "Available"
    )


def test_binding_writes_volume_then_claim() -> None:
    async def run() -> None:
        ctx, client, _, _ = context()
        claim = pvc()
        seed(ctx, "persistentvolumeclaims", claim)
        seed(ctx, "persistentvolumes", pv("big", "5Gi"), pv("fit", "1Gi"))
        await PersistentVolumeBinder(ctx).sync((CLAIM, "ns/data"))
        writes = [(w[0], w[1], w[2] if w[0] == "update" else None) for w in client.writes]
        assert writes == [
            ("update", "persistentvolumes", None),
            ("update", "persistentvolumes", "status"),
            ("update", "persistentvolumeclaims", None),
            ("update", "persistentvolumeclaims", "status"),
        ]
        bound_pv = client.writes[0][3]
        assert bound_pv["metadata"]["name"] == "fit"
        assert bound_pv["spec"]["claimRef"]["uid"] == "uid-data"
        assert bound_pv["metadata"]["resourceVersion"] == "3"  # the CAS precondition
        assert client.writes[1][3]["status"]["phase"] == "Bound"
        bound_claim = client.writes[2][3]
        assert bound_claim["spec"]["volumeName"] == "fit"
        assert bound_claim["metadata"]["annotations"][BIND_COMPLETED] == "yes"
        status = client.writes[3][3]["status"]
        assert status["phase"] == "Bound"
        assert status["capacity"] == {"storage": "1Gi"}

    asyncio.run(run())


def test_half_done_binding_is_finished_without_rewriting_the_volume() -> None:
    async def run() -> None:
        ctx, client, _, _ = context()
        claim = pvc()
        seed(ctx, "persistentvolumeclaims", claim)
        seed(ctx, "persistentvolumes", pv("a"), pv("fit", claim_ref=ref(claim), phase="Bound"))
        await PersistentVolumeBinder(ctx).sync((CLAIM, "ns/data"))
        assert [w[1] for w in client.writes] == ["persistentvolumeclaims"] * 2
        assert client.writes[0][3]["spec"]["volumeName"] == "fit"

    asyncio.run(run())


def test_no_volume_leaves_the_claim_pending_with_one_event() -> None:
    async def run() -> None:
        ctx, client, recorder, _ = context()
        seed(ctx, "persistentvolumeclaims", pvc(size="50Gi"))
        seed(ctx, "persistentvolumes", pv("small"))
        binder = PersistentVolumeBinder(ctx)
        await binder.sync((CLAIM, "ns/data"))
        await binder.sync((CLAIM, "ns/data"))
        assert client.writes == []  # already Pending
        assert [r for _, r, _ in recorder.events] == ["FailedBinding"]

    asyncio.run(run())


def test_claim_pre_bound_to_a_volume_bound_elsewhere_waits() -> None:
    async def run() -> None:
        ctx, client, recorder, _ = context()
        seed(ctx, "persistentvolumeclaims", pvc(volume="v"))
        other = {"namespace": "ns", "name": "other", "uid": "o"}
        seed(ctx, "persistentvolumes", pv("v", claim_ref=other, phase="Bound"))
        await PersistentVolumeBinder(ctx).sync((CLAIM, "ns/data"))
        assert client.writes == []
        assert "already bound" in recorder.events[0][2]

    asyncio.run(run())


def test_deleted_claim_releases_retain_and_deletes_delete() -> None:
    async def run() -> None:
        ctx, client, _, _ = context()
        gone = pvc(volume="keep", bound=True)
        seed(ctx, "persistentvolumes", pv("keep", claim_ref=ref(gone), phase="Bound"))
        seed(
            ctx,
            "persistentvolumes",
            pv("drop", claim_ref=ref(gone), phase="Bound", policy="Delete"),
        )
        binder = PersistentVolumeBinder(ctx)
        await binder.sync((VOLUME, "keep"))
        await binder.sync((VOLUME, "drop"))
        assert client.writes[0][0:3] == ("update", "persistentvolumes", "status")
        assert client.writes[0][3]["status"]["phase"] == "Released"
        assert client.writes[1] == ("delete", "persistentvolumes", "drop", None)

    asyncio.run(run())


def test_bound_claim_whose_volume_vanished_is_lost() -> None:
    async def run() -> None:
        ctx, client, _, _ = context()
        seed(ctx, "persistentvolumeclaims", pvc(volume="gone", bound=True))
        await PersistentVolumeBinder(ctx).sync((CLAIM, "ns/data"))
        assert client.writes[0][3]["status"]["phase"] == "Lost"

    asyncio.run(run())
