"""StatefulSet reconcile: the pure plan, the pod and claim it builds, and the writes of a sync."""

from __future__ import annotations

import asyncio
from typing import Any

from controllers.endpoints import compute_subsets
from controllers.statefulset import (
    POD_INDEX_LABEL,
    POD_NAME_LABEL,
    REVISION_LABEL,
    StatefulSetController,
    claims_for,
    compute_status,
    new_revision,
    ordinal_of,
    plan,
    pod_for,
    revision_name,
    revision_template,
)
from minik8s.api.defaults import apply_defaults
from minik8s.api.resources import resolve
from minik8s.api.validation import validate
from minik8s.ctl.cmd_rollout import history_text, revisions_as_history, rollback_target
from tests.unit.controllers.fakes import context, seed

Obj = dict[str, Any]
UID = "sts-uid"
NOW = 1_800_000_000.0


def sts(replicas: int = 3, **spec: Any) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            "name": "web",
            "namespace": "ns",
            "uid": UID,
            "generation": 4,
            "resourceVersion": "10",
        },
        "spec": {
            "replicas": replicas,
            "serviceName": "web",
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [{"name": "c", "image": "i"}],
                    "volumes": [{"name": "data", "emptyDir": {}}, {"name": "tmp", "emptyDir": {}}],
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
            **spec,
        },
    }


REV = revision_name(sts())


def pod(
    ordinal: int,
    *,
    ready: bool = True,
    phase: str = "Running",
    rev: str = REV,
    deleting: bool = False,
) -> Obj:
    meta: Obj = {
        "name": f"web-{ordinal}",
        "namespace": "ns",
        "uid": f"uid-{ordinal}",
        "resourceVersion": "5",
        "labels": {"app": "web", REVISION_LABEL: rev},
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "StatefulSet",
                "name": "web",
                "uid": UID,
                "controller": True,
            }
        ],
    }
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {
        "metadata": meta,
        "spec": {"nodeName": "n1"},
        "status": {
            "phase": phase,
            "podIP": f"10.0.0.{ordinal + 1}",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def names(objs: list[Obj]) -> list[str]:
    return [o["metadata"]["name"] for o in objs]


# ---- identity


def test_ordinal_parses_only_the_sets_own_names() -> None:
    assert ordinal_of("web", "web-0") == 0
    assert ordinal_of("web", "web-12") == 12
    assert ordinal_of("web", "web-01") is None
    assert ordinal_of("web", "web-x") is None
    assert ordinal_of("web", "webby-1") is None


def test_pod_has_stable_identity_and_claim_volumes() -> None:
    s = sts()
    p = pod_for(s, 2, s["spec"]["template"], REV)
    assert p["metadata"]["name"] == "web-2"
    assert p["spec"]["hostname"] == "web-2"
    assert p["spec"]["subdomain"] == "web"
    labels = p["metadata"]["labels"]
    assert labels[POD_NAME_LABEL] == "web-2"
    assert labels[POD_INDEX_LABEL] == "2"
    assert labels[REVISION_LABEL] == REV
    assert labels["app"] == "web"
    assert p["metadata"]["ownerReferences"][0]["uid"] == UID
    # the claim replaces the template's volume of the same name; others stay
    volumes = {v["name"]: v for v in p["spec"]["volumes"]}
    assert volumes["data"] == {"name": "data", "persistentVolumeClaim": {"claimName": "data-web-2"}}
    assert volumes["tmp"] == {"name": "tmp", "emptyDir": {}}
    # the set's own template is untouched
    assert "hostname" not in s["spec"]["template"]["spec"]


def test_claims_are_named_per_ordinal_and_not_owned_by_default() -> None:
    claims = claims_for(sts(), 1)
    assert names(claims) == ["data-web-1"]
    assert claims[0]["metadata"]["labels"] == {"app": "web"}
    assert claims[0]["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert "ownerReferences" not in claims[0]["metadata"]  # Retain: they outlive the set
    owned = claims_for(sts(persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete"}), 1)
    assert owned[0]["metadata"]["ownerReferences"][0]["uid"] == UID


def test_revision_changes_with_the_template() -> None:
    changed = sts()
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "i:v2"
    assert revision_name(changed) != REV
    assert REV.startswith("web-")


# ---- plan: OrderedReady


def test_ordered_ready_creates_only_the_first_missing() -> None:
    out = plan(sts(), [], REV, REV, NOW)
    assert out.create == [(0, REV)]


def test_ordered_ready_waits_for_the_previous_pod_to_be_ready() -> None:
    out = plan(sts(), [pod(0, ready=False)], REV, REV, NOW)
    assert out.create == [] and out.delete == []
    out = plan(sts(), [pod(0, phase="Pending", ready=False)], REV, REV, NOW)
    assert out.create == []
    out = plan(sts(), [pod(0)], REV, REV, NOW)
    assert out.create == [(1, REV)]


def test_a_missing_middle_pod_is_recreated_first() -> None:
    out = plan(sts(), [pod(0), pod(2)], REV, REV, NOW)
    assert out.create == [(1, REV)]


def test_failed_pod_is_deleted_to_be_recreated() -> None:
    out = plan(sts(), [pod(0), pod(1, phase="Failed", ready=False), pod(2)], REV, REV, NOW)
    assert names(out.delete) == ["web-1"]
    assert out.create == []


def test_scale_down_removes_the_highest_first_one_at_a_time() -> None:
    pods = [pod(0), pod(1), pod(2)]
    out = plan(sts(1), pods, REV, REV, NOW)
    assert names(out.delete) == ["web-2"]
    assert names(out.condemned) == ["web-2"]
    # while web-2 terminates, web-1 waits
    out = plan(sts(1), [pod(0), pod(1), pod(2, deleting=True)], REV, REV, NOW)
    assert out.delete == []


def test_scale_down_waits_while_a_replica_is_unhealthy() -> None:
    out = plan(sts(1), [pod(0, ready=False), pod(1), pod(2)], REV, REV, NOW)
    assert out.delete == []


# ---- plan: Parallel


def test_parallel_creates_and_deletes_all_at_once() -> None:
    out = plan(sts(3, podManagementPolicy="Parallel"), [pod(1, ready=False)], REV, REV, NOW)
    assert out.create == [(0, REV), (2, REV)]
    out = plan(sts(1, podManagementPolicy="Parallel"), [pod(0), pod(1), pod(2)], REV, REV, NOW)
    assert names(out.delete) == ["web-2", "web-1"]


# ---- plan: updates


def test_rolling_update_replaces_the_highest_outdated_pod_first() -> None:
    pods = [pod(0, rev="old"), pod(1, rev="old"), pod(2, rev="old")]
    out = plan(sts(), pods, "old", REV, NOW)
    assert names(out.delete) == ["web-2"]
    # web-2 re-created at the new revision but not ready yet: web-1 waits
    pods = [pod(0, rev="old"), pod(1, rev="old"), pod(2, ready=False)]
    assert plan(sts(), pods, "old", REV, NOW).delete == []
    pods = [pod(0, rev="old"), pod(1, rev="old"), pod(2)]
    assert names(plan(sts(), pods, "old", REV, NOW).delete) == ["web-1"]


def test_partition_keeps_lower_ordinals_at_the_current_revision() -> None:
    s = sts(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
    pods = [pod(0, rev="old"), pod(1, rev="old"), pod(2)]
    assert plan(s, pods, "old", REV, NOW).delete == []  # web-2 done; 0 and 1 stay
    # a pod below the partition is re-created at the current revision, above at the update
    out = plan(s, [pod(0, rev="old"), pod(2)], "old", REV, NOW)
    assert out.create == [(1, "old")]
    out = plan(s, [pod(0, rev="old"), pod(1, rev="old")], "old", REV, NOW)
    assert out.create == [(2, REV)]


def test_on_delete_never_deletes_for_an_update() -> None:
    s = sts(updateStrategy={"type": "OnDelete"})
    pods = [pod(0, rev="old"), pod(1, rev="old"), pod(2, rev="old")]
    assert plan(s, pods, "old", REV, NOW).delete == []


# ---- status


def test_status_counts_and_revisions() -> None:
    pods = [pod(0, rev="old"), pod(1, rev="old"), pod(2, ready=False)]
    status = compute_status(sts(), pods, "old", REV, NOW)
    assert status["replicas"] == 3
    assert status["readyReplicas"] == 2
    assert status["availableReplicas"] == 2
    assert status["currentReplicas"] == 2
    assert status["updatedReplicas"] == 1
    assert status["currentRevision"] == "old"
    assert status["updateRevision"] == REV
    assert status["observedGeneration"] == 4


def test_current_revision_moves_once_every_replica_is_updated_and_ready() -> None:
    status = compute_status(sts(), [pod(0), pod(1), pod(2)], "old", REV, NOW)
    assert status["currentRevision"] == REV
    assert status["currentReplicas"] == 3


# ---- a sync against a seeded cache


def test_sync_creates_claim_then_pod_and_writes_status() -> None:
    async def run() -> None:
        ctx, client, recorder, _ = context()
        s = sts()
        seed(ctx, "statefulsets", s)
        seed(ctx, "pods", pod(0))
        controller = StatefulSetController(ctx)
        await controller.sync("ns/web")
        kinds = [(w[0], w[1]) for w in client.writes]
        assert kinds == [
            ("create", "controllerrevisions"),
            ("create", "persistentvolumeclaims"),
            ("create", "pods"),
            ("update", "statefulsets"),
        ]
        revision = client.writes[0][3]
        assert revision["metadata"]["name"] == REV and revision["revision"] == 1
        assert revision["metadata"]["ownerReferences"][0]["uid"] == UID
        assert revision_template(revision) == s["spec"]["template"]
        assert client.writes[1][3]["metadata"]["name"] == "data-web-1"
        created = client.writes[2][3]
        assert created["metadata"]["name"] == "web-1"
        assert created["spec"]["volumes"][-1]["persistentVolumeClaim"]["claimName"] == "data-web-1"
        assert client.writes[3][2] == "status"
        assert client.writes[3][3]["status"]["replicas"] == 1
        assert any(reason == "SuccessfulCreate" for _, reason, _ in recorder.events)

    asyncio.run(run())


def test_sync_keeps_an_existing_claim() -> None:
    async def run() -> None:
        ctx, client, _, _ = context()
        seed(ctx, "statefulsets", sts())
        claim = {"metadata": {"name": "data-web-0", "namespace": "ns", "uid": "c0"}}
        seed(ctx, "persistentvolumeclaims", claim)
        seed(ctx, "controllerrevisions", new_revision(sts(), REV, 1))
        await StatefulSetController(ctx).sync("ns/web")
        assert [(w[0], w[1]) for w in client.writes][:1] == [("create", "pods")]

    asyncio.run(run())


def test_sync_ignores_pods_of_another_owner() -> None:
    async def run() -> None:
        ctx, client, _, _ = context()
        seed(ctx, "statefulsets", sts(1))
        stranger = pod(0)
        stranger["metadata"]["ownerReferences"][0]["uid"] = "other"
        seed(ctx, "pods", stranger)
        await StatefulSetController(ctx).sync("ns/web")
        created = [w for w in client.writes if w[:2] == ("create", "pods")]
        assert len(created) == 1  # its own web-0 (the server answers AlreadyExists)

    asyncio.run(run())


# ---- Endpoints hostnames


def test_endpoints_carry_hostnames_of_the_services_subdomain() -> None:
    service = {
        "metadata": {"name": "web", "namespace": "ns"},
        "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"port": 80}]},
    }
    p0, p1 = pod(0), pod(1)
    p0["spec"].update(hostname="web-0", subdomain="web")
    p1["spec"].update(hostname="web-1", subdomain="other")
    addresses = compute_subsets(service, [p0, p1])[0]["addresses"]
    by_name = {a["targetRef"]["name"]: a for a in addresses}
    assert by_name["web-0"]["hostname"] == "web-0"
    assert "hostname" not in by_name["web-1"]


# ---- validation


def test_containers_may_mount_claim_templates_by_name() -> None:
    info = resolve("statefulsets")
    assert info is not None
    s = sts()
    s["spec"]["template"]["spec"]["volumes"] = []
    s["spec"]["template"]["spec"]["containers"][0]["volumeMounts"] = [
        {"name": "data", "mountPath": "/data"}
    ]
    apply_defaults(info, s)
    assert validate(info, s) == []
    s["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["name"] = "nope"
    assert [c.field for c in validate(info, s)] == [
        "spec.template.spec.containers[0].volumeMounts[0].name"
    ]


def test_pod_below_the_partition_is_recreated_from_its_controller_revision() -> None:
    async def run() -> None:
        ctx, client, _, _ = context()
        old = sts(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
        new = sts(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}})
        new["spec"]["template"]["spec"]["containers"][0]["image"] = "i:v2"
        old_rev, new_rev = revision_name(old), revision_name(new)
        new["status"] = {"currentRevision": old_rev, "updateRevision": new_rev}
        seed(ctx, "statefulsets", new)
        seed(
            ctx,
            "controllerrevisions",
            new_revision(old, old_rev, 1),
            new_revision(new, new_rev, 2),
        )
        seed(ctx, "pods", pod(0, rev=old_rev), pod(2, rev=new_rev))
        await StatefulSetController(ctx).sync("ns/web")
        assert not [w for w in client.writes if w[1] == "controllerrevisions"]
        created = [w[3] for w in client.writes if w[:2] == ("create", "pods")]
        assert [p["metadata"]["name"] for p in created] == ["web-1"]
        assert created[0]["metadata"]["labels"][REVISION_LABEL] == old_rev
        assert created[0]["spec"]["containers"][0]["image"] == "i"

    asyncio.run(run())


def test_when_scaled_delete_removes_the_claims_of_condemned_pods() -> None:
    async def run() -> None:
        ctx, client, _, _ = context()
        policy = {"whenDeleted": "Retain", "whenScaled": "Delete"}
        seed(ctx, "statefulsets", sts(1, persistentVolumeClaimRetentionPolicy=policy))
        seed(ctx, "pods", pod(0), pod(1))
        await StatefulSetController(ctx).sync("ns/web")
        deletes = [(w[1], w[2]) for w in client.writes if w[0] == "delete"]
        assert deletes == [("pods", "web-1"), ("persistentvolumeclaims", "data-web-1")]

    asyncio.run(run())


def test_an_orphan_of_the_sets_name_is_adopted_not_recreated() -> None:
    async def run() -> None:
        ctx, client, _, _ = context()
        seed(ctx, "statefulsets", sts(1))
        orphan = pod(0)
        orphan["metadata"]["ownerReferences"] = []
        seed(ctx, "pods", orphan)
        seed(ctx, "controllerrevisions", new_revision(sts(), REV, 1))
        await StatefulSetController(ctx).sync("ns/web")
        assert client.writes[0][:3] == ("patch", "pods", "web-0")
        refs = client.writes[0][4]["metadata"]["ownerReferences"]
        assert refs[0]["uid"] == UID and refs[0]["controller"] is True
        assert not [w for w in client.writes if w[0] == "create"]

    asyncio.run(run())


def test_going_back_to_an_old_template_renumbers_its_revision() -> None:
    async def run() -> None:
        ctx, client, _, _ = context()
        other = sts()
        other["spec"]["template"]["spec"]["containers"][0]["image"] = "i:v2"
        seed(ctx, "statefulsets", sts(0))
        seed(
            ctx,
            "controllerrevisions",
            new_revision(sts(), REV, 1),
            new_revision(other, revision_name(other), 2),
        )
        await StatefulSetController(ctx).sync("ns/web")
        assert client.writes[0][:3] == ("patch", "controllerrevisions", REV)
        assert client.writes[0][4] == {"revision": 3}

    asyncio.run(run())


def test_history_beyond_the_limit_is_deleted_oldest_first() -> None:
    async def run() -> None:
        ctx, client, _, _ = context()
        seed(ctx, "statefulsets", sts(0, revisionHistoryLimit=1))
        olds = []
        for n in range(1, 4):
            old = sts()
            old["spec"]["template"]["spec"]["containers"][0]["image"] = f"i:{n}"
            olds.append(new_revision(old, revision_name(old), n))
        seed(ctx, "controllerrevisions", *olds, new_revision(sts(), REV, 4))
        await StatefulSetController(ctx).sync("ns/web")
        deleted = [w[2] for w in client.writes if w[:2] == ("delete", "controllerrevisions")]
        assert deleted == [olds[0]["metadata"]["name"], olds[1]["metadata"]["name"]]

    asyncio.run(run())


def test_mkctl_reads_controller_revisions_as_rollout_history() -> None:
    other = sts()
    other["spec"]["template"]["spec"]["containers"][0]["image"] = "i:v2"
    revisions = [new_revision(other, revision_name(other), 2), new_revision(sts(), REV, 1)]
    history = revisions_as_history(revisions)
    assert history_text(history) == "REVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n"
    target = rollback_target(sts(), history, 0)  # the one before the newest
    assert target["spec"]["template"] == sts()["spec"]["template"]
