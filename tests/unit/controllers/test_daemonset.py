"""DaemonSet reconcile: placement rules, the plans, and the exact writes one sync issues."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from controllers import history
from controllers.daemonset import (
    HASH_LABEL,
    DaemonSetController,
    compute_status,
    daemonset_hash,
    fenceposts,
    group_by_node,
    node_of,
    placement,
    plan_manage,
    plan_rolling,
    pod_for_node,
)
from minik8s.api import errors
from tests.unit.controllers.fakes import context, seed

Obj = dict[str, Any]
UID = "ds-uid"
NOW = 1_800_000_000.0


def ds(**spec: Any) -> Obj:
    template_spec = spec.pop("pod_spec", {})
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {
            "name": "agent",
            "namespace": "ns",
            "uid": UID,
            "generation": 3,
            "resourceVersion": "10",
        },
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {"containers": [{"name": "c", "image": "i"}], **template_spec},
            },
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            **spec,
        },
    }


def node(name: str, labels: dict[str, str] | None = None, taints: list[Obj] | None = None) -> Obj:
    n: Obj = {"metadata": {"name": name, "labels": labels or {}, "resourceVersion": "1"}}
    n["spec"] = {"taints": taints} if taints else {}
    return n


def pod(
    name: str,
    node_name: str,
    hash_: str,
    *,
    ready: bool = True,
    phase: str = "Running",
    created: str = "2026-01-01T00:00:00Z",
    deleting: bool = False,
) -> Obj:
    meta: Obj = {
        "name": name,
        "namespace": "ns",
        "uid": f"uid-{name}",
        "resourceVersion": "5",
        "labels": {"app": "agent", HASH_LABEL: hash_},
        "creationTimestamp": created,
        "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent", "uid": UID,
             "controller": True}
        ],
    }  # fmt: skip
    if deleting:
        meta["deletionTimestamp"] = "2026-01-02T00:00:00Z"
    status: Obj = {"phase": phase}
    if ready:
        status["conditions"] = [
            {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}
        ]
    return {"metadata": meta, "spec": {"nodeName": node_name}, "status": status}


def names(pods: list[Obj]) -> list[str]:
    return [p["metadata"]["name"] for p in pods]


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# ---- placement


def test_node_selector_and_required_affinity_choose_nodes() -> None:
    d = ds(pod_spec={"nodeSelector": {"disk": "ssd"}})
    assert placement(d, node("a", {"disk": "ssd"})) == (True, True)
    assert placement(d, node("b", {"disk": "hdd"})) == (False, False)
    term = {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["z1"]}]}
    d = ds(
        pod_spec={
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}
                }
            }
        }
    )
    assert placement(d, node("a", {"zone": "z1"}))[0]
    assert not placement(d, node("a", {"zone": "z2"}))[0]


def test_taints_against_tolerations() -> None:
    d = ds()
    no_schedule = {"key": "dedicated", "value": "db", "effect": "NoSchedule"}
    no_execute = {"key": "dedicated", "value": "db", "effect": "NoExecute"}
    # NoSchedule keeps new pods away but lets a running one stay; NoExecute evicts it
    assert placement(d, node("a", taints=[no_schedule])) == (False, True)
    assert placement(d, node("a", taints=[no_execute])) == (False, False)
    tolerant = ds(pod_spec={"tolerations": [{"key": "dedicated", "operator": "Exists"}]})
    assert placement(tolerant, node("a", taints=[no_schedule, no_execute])) == (True, True)
    # the tolerations every daemon pod gets: not ready, unreachable, cordoned, pressure
    defaults = [
        {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"},
        {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
        {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/disk-pressure", "effect": "NoSchedule"},
        {"key": "node.kubernetes.io/pid-pressure", "effect": "NoSchedule"},
    ]
    assert placement(d, node("a", taints=defaults)) == (True, True)
    # only host-network daemons run before the node's network is up
    no_network = [{"key": "node.kubernetes.io/network-unavailable", "effect": "NoSchedule"}]
    assert placement(d, node("a", taints=no_network)) == (False, True)
    assert placement(ds(pod_spec={"hostNetwork": True}), node("a", taints=no_network))[0]


def test_pod_for_node_pins_the_node_through_affinity() -> None:
    d = ds(
        pod_spec={
            "tolerations": [{"key": "x", "operator": "Exists"}],
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchExpressions": [{"key": "k", "operator": "Exists"}]}
                        ]
                    },
                    "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 1}],
                }
            },
        }
    )
    p = pod_for_node(d, "n1", "h1")
    assert p["metadata"]["generateName"] == "agent-"
    assert p["metadata"]["labels"] == {"app": "agent", HASH_LABEL: "h1"}
    assert p["metadata"]["ownerReferences"][0]["uid"] == UID
    affinity = p["spec"]["affinity"]["nodeAffinity"]
    assert affinity["requiredDuringSchedulingIgnoredDuringExecution"] == {
        "nodeSelectorTerms": [
            {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}
        ]
    }
    assert affinity["preferredDuringSchedulingIgnoredDuringExecution"] == [{"weight": 1}]
    keys = [t.get("key") for t in p["spec"]["tolerations"]]
    assert keys[0] == "x" and "node.kubernetes.io/unreachable" in keys and len(keys) == 7
    assert "nodeName" not in p["spec"]  # the scheduler binds it
    assert node_of(p) == "n1"
    # the DaemonSet in the cache was not changed
    assert "matchFields" not in str(d)


def test_hash_follows_the_template() -> None:
    a, b = ds(), ds()
    assert daemonset_hash(a) == daemonset_hash(b)
    b["spec"]["template"]["spec"]["containers"][0]["image"] = "j"
    assert daemonset_hash(a) != daemonset_hash(b)


def test_fenceposts() -> None:
    assert fenceposts(ds(), 10) == (0, 1)
    pct = ds(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%"}})
    assert fenceposts(pct, 10) == (0, 3)  # rounded up
    zero = ds(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0}})
    assert fenceposts(zero, 10) == (0, 1)


# ---- manage


def test_one_pod_per_eligible_node_and_no_double_create() -> None:
    ctx, client, recorder, _ = context()
    c = DaemonSetController(ctx)
    seed(ctx, "daemonsets", ds(pod_spec={"nodeSelector": {"role": "worker"}}))
    seed(
        ctx,
        "nodes",
        node("n1", {"role": "worker"}),
        node("n2", {"role": "worker"}),
        node("master", {"role": "control"}),
    )
    run(c.sync("ns/agent"))
    creates = [w[3] for w in client.writes if w[:2] == ("create", "pods")]
    assert sorted(node_of(p) for p in creates) == ["n1", "n2"]
    assert [e[1] for e in recorder.events] == ["SuccessfulCreate"] * 2
    status = [w[3]["status"] for w in client.writes if w[0] == "update"][0]
    assert status["desiredNumberScheduled"] == 2
    assert status["currentNumberScheduled"] == 0
    assert status["observedGeneration"] == 3
    client.writes.clear()
    run(c.sync("ns/agent"))  # the cache has not seen the pods yet
    assert [w for w in client.writes if w[:2] == ("create", "pods")] == []


def test_deletes_misscheduled_extra_and_orphaned_pods() -> None:
    ctx, client, _, _ = context()
    c = DaemonSetController(ctx)
    d = ds(pod_spec={"nodeSelector": {"role": "worker"}})
    h = daemonset_hash(d)
    seed(ctx, "daemonsets", d)
    seed(ctx, "nodes", node("n1", {"role": "worker"}), node("n2", {"role": "control"}))
    seed(
        ctx,
        "pods",
        pod("on-n1-old", "n1", h),
        pod("on-n1-new", "n1", h, created="2026-02-01T00:00:00Z"),
        pod("on-n2", "n2", h),  # n2 lost the label
        pod("on-gone", "n9", h),  # node deleted
    )
    run(c.sync("ns/agent"))
    assert sorted(w[2] for w in client.writes if w[0] == "delete") == [
        "on-gone",
        "on-n1-new",
        "on-n2",
    ]
    assert [w for w in client.writes if w[:2] == ("create", "pods")] == []
    status = [w[3]["status"] for w in client.writes if w[0] == "update"][0]
    assert (status["desiredNumberScheduled"], status["numberMisscheduled"]) == (1, 1)


def test_a_deleting_pod_blocks_its_replacement_until_gone() -> None:
    d = ds()
    h = daemonset_hash(d)
    by_node = group_by_node([pod("going", "n1", h, deleting=True)])
    assert plan_manage(d, [node("n1")], by_node, h, NOW).empty()
    assert plan_manage(d, [node("n1")], {}, h, NOW).create == ["n1"]


def test_failed_pods_are_replaced_with_backoff() -> None:
    ctx, client, recorder, clock = context()
    c = DaemonSetController(ctx)
    d = ds()
    h = daemonset_hash(d)
    seed(ctx, "daemonsets", d)
    seed(ctx, "nodes", node("n1"))
    seed(ctx, "pods", pod("dead", "n1", h, ready=False, phase="Failed"))
    run(c.sync("ns/agent"))
    assert [w[2] for w in client.writes if w[:2] == ("delete", "pods")] == ["dead"]
    assert "FailedDaemonPod" in [e[1] for e in recorder.events]
    # the replacement failed at once: within the back-off it is left, and looked at later
    c.expectations.forget("ns/agent")
    client.writes.clear()
    seed(ctx, "pods", pod("dead", "n1", h, ready=False, phase="Failed"))
    wait = run(c.sync("ns/agent"))
    assert [w for w in client.writes if w[:2] == ("delete", "pods")] == []
    assert wait is not None and 0 < wait <= 1.0
    clock.now += 1.5
    wait = run(c.sync("ns/agent"))
    assert [w[2] for w in client.writes if w[:2] == ("delete", "pods")] == ["dead"]
    assert c.backoff[("ns/agent", "n1")].delay == 2.0  # doubles


# ---- rolling update


def _four_nodes() -> list[Obj]:
    return [node(f"n{i}") for i in range(4)]


def test_rolling_update_respects_max_unavailable() -> None:
    d = ds()
    h = daemonset_hash(d)
    nodes = _four_nodes()
    old = [pod(f"old{i}", f"n{i}", "stale") for i in range(4)]
    by_node = group_by_node(old)
    assert plan_manage(d, nodes, by_node, h, NOW).empty()
    assert names(plan_rolling(d, nodes, by_node, h, NOW).delete) == ["old0"]
    # n0's old pod is going: no second deletion until n0 has an available new pod
    going = [pod("old0", "n0", "stale", deleting=True), *old[1:]]
    assert plan_rolling(d, nodes, group_by_node(going), h, NOW).empty()
    replaced = [pod("new0", "n0", h, ready=False), *old[1:]]
    assert plan_rolling(d, nodes, group_by_node(replaced), h, NOW).empty()
    replaced[0] = pod("new0", "n0", h)
    assert names(plan_rolling(d, nodes, group_by_node(replaced), h, NOW).delete) == ["old1"]
    # 50%: two at a time; an old pod that is unavailable anyway goes without counting
    half = ds(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "50%"}})
    mixed = [pod("sick", "n0", "stale", ready=False), *old[1:]]
    plan = plan_rolling(half, nodes, group_by_node(mixed), daemonset_hash(half), NOW)
    assert names(plan.delete) == ["sick", "old1", "old2"]


def test_rolling_update_with_surge_starts_new_before_old_goes() -> None:
    d = ds(
        updateStrategy={
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
        }
    )
    h = daemonset_hash(d)
    nodes = _four_nodes()[:2]
    old = [pod("old0", "n0", "stale"), pod("old1", "n1", "stale")]
    plan = plan_rolling(d, nodes, group_by_node(old), h, NOW)
    assert (plan.create, plan.delete) == (["n0"], [])
    starting = [*old, pod("new0", "n0", h, ready=False, created="2026-02-01T00:00:00Z")]
    assert plan_manage(d, nodes, group_by_node(starting), h, NOW).empty()
    assert plan_rolling(d, nodes, group_by_node(starting), h, NOW).empty()
    up = [*old, pod("new0", "n0", h, created="2026-02-01T00:00:00Z")]
    assert names(plan_manage(d, nodes, group_by_node(up), h, NOW).delete) == ["old0"]


def test_on_delete_replaces_only_deleted_pods() -> None:
    ctx, client, _, _ = context()
    c = DaemonSetController(ctx)
    d = ds(updateStrategy={"type": "OnDelete"})
    seed(ctx, "daemonsets", d)
    seed(ctx, "nodes", node("n0"), node("n1"))
    seed(ctx, "pods", pod("old0", "n0", "stale"))
    run(c.sync("ns/agent"))
    assert [w[0] for w in client.writes if w[0] in ("create", "delete") and w[1] == "pods"] == [
        "create"
    ]
    created = [w[3] for w in client.writes if w[:2] == ("create", "pods")][0]
    assert node_of(created) == "n1"
    assert created["metadata"]["labels"][HASH_LABEL] == daemonset_hash(d)


def test_status_counts() -> None:
    d = ds(pod_spec={"nodeSelector": {"role": "worker"}})
    h = daemonset_hash(d)
    nodes = [node("n0", {"role": "worker"}), node("n1", {"role": "worker"}), node("x")]
    pods = [
        pod("a", "n0", h),
        pod("b", "n1", "stale", ready=False),
        pod("c", "x", h),
        pod("gone", "n0", h, deleting=True),
    ]
    status = compute_status(d, nodes, group_by_node(pods), h, NOW)
    assert status == {
        "currentNumberScheduled": 2,
        "numberMisscheduled": 1,
        "desiredNumberScheduled": 2,
        "numberReady": 1,
        "numberAvailable": 1,
        "numberUnavailable": 1,
        "updatedNumberScheduled": 1,
        "observedGeneration": 3,
    }


def test_node_changes_that_matter_enqueue_the_daemonsets() -> None:
    ctx, _, _, _ = context()
    c = DaemonSetController(ctx)
    seed(ctx, "daemonsets", ds())
    before = node("n1")
    heartbeat = {**before, "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    c.update_node(before, heartbeat)
    assert len(c.queue) == 0  # a status update changes no placement
    c.update_node(before, node("n1", {"role": "worker"}))
    assert len(c.queue) == 1
    c.node_event(node("n2"))  # added or deleted: every DaemonSet looks again
    assert len(c.queue) == 1  # the same key, once


def test_adopts_matching_orphans() -> None:
    ctx, client, _, _ = context()
    c = DaemonSetController(ctx)
    d = ds()
    h = daemonset_hash(d)
    seed(ctx, "daemonsets", d)
    seed(ctx, "nodes", node("n1"))
    orphan = pod("orphan", "n1", h)
    del orphan["metadata"]["ownerReferences"]
    seed(ctx, "pods", orphan)
    run(c.sync("ns/agent"))
    patches = [w for w in client.writes if w[0] == "patch"]
    assert [w[2] for w in patches] == ["orphan"]
    assert patches[0][4]["metadata"]["ownerReferences"][0]["uid"] == UID
    assert [w for w in client.writes if w[:2] == ("create", "pods")] == []  # the node has its pod


# ---- ControllerRevisions (rollout history)


def variant(image: str, **spec: Any) -> Obj:
    d = ds(**spec)
    d["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return d


def revision_of(d: Obj, number: int) -> Obj:
    rev = history.snapshot(d, daemonset_hash(d), number)
    rev["metadata"]["resourceVersion"] = "7"
    return rev


def rev_writes(client: Any) -> list[tuple[Any, ...]]:
    return [w for w in client.writes if w[1] == "controllerrevisions"]


def test_first_sync_stores_the_template_as_revision_1() -> None:
    ctx, client, _, _ = context()
    d = ds()
    d["metadata"]["annotations"] = {"kubernetes.io/change-cause": "first"}
    seed(ctx, "daemonsets", d)
    seed(ctx, "nodes", node("n1"))
    run(DaemonSetController(ctx).sync("ns/agent"))
    assert [(w[0], w[1]) for w in client.writes][:2] == [
        ("create", "controllerrevisions"),
        ("create", "pods"),
    ]
    rev = client.writes[0][3]
    h = daemonset_hash(d)
    assert rev["metadata"]["name"] == f"agent-{h}"
    assert rev["revision"] == 1
    assert rev["metadata"]["labels"] == {"app": "agent", HASH_LABEL: h}
    assert rev["metadata"]["annotations"] == {"kubernetes.io/change-cause": "first"}
    [ref] = rev["metadata"]["ownerReferences"]
    assert (ref["kind"], ref["uid"], ref["controller"]) == ("DaemonSet", UID, True)
    # the data is the patch `kubectl rollout undo` sends back: it replaces the template
    assert rev["data"] == {"spec": {"template": {**d["spec"]["template"], "$patch": "replace"}}}
    created = client.writes[1][3]
    assert created["metadata"]["labels"][HASH_LABEL] == h


def test_a_new_template_is_the_next_revision_and_an_old_one_is_renumbered() -> None:
    a, b, c = variant("i:a"), variant("i:b"), variant("i:c")
    for current, expected in (
        (c, ("create", 3)),  # a third template: revision 3
        (a, ("patch", 3)),  # back to the first (an undo): it becomes revision 3
        (b, None),  # already the newest: no write
    ):
        ctx, client, _, _ = context()
        seed(ctx, "daemonsets", current)
        seed(ctx, "controllerrevisions", revision_of(a, 1), revision_of(b, 2))
        run(DaemonSetController(ctx).sync("ns/agent"))
        writes = rev_writes(client)
        if expected is None:
            assert writes == []
        elif expected[0] == "create":
            [(_, _, _, rev)] = writes
            assert rev["metadata"]["name"] == f"agent-{daemonset_hash(c)}"
            assert rev["revision"] == 3
        else:
            [(_, _, name, _, patch)] = writes
            assert (name, patch) == (f"agent-{daemonset_hash(a)}", {"revision": 3})


def test_a_revision_name_taken_by_another_object_raises_the_collision_count() -> None:
    ctx, client, _, _ = context()
    d = ds()
    seed(ctx, "daemonsets", d)
    seed(ctx, "nodes", node("n1"))
    foreign = revision_of(variant("other"), 1)
    foreign["metadata"]["name"] = f"agent-{daemonset_hash(d)}"
    foreign["metadata"]["ownerReferences"][0]["uid"] = "another-uid"
    client.objects[("controllerrevisions", f"ns/agent-{daemonset_hash(d)}")] = foreign
    create = client.create

    async def create_or_exists(r: Any, obj: Obj, namespace: str | None = None) -> Obj:
        if r.plural == "controllerrevisions":
            raise errors.AlreadyExists("taken")
        return await create(r, obj, namespace)

    client.create = create_or_exists  # type: ignore[method-assign]
    assert run(DaemonSetController(ctx).sync("ns/agent")) == 0.0
    [(kind, plural, sub, updated)] = client.writes
    assert (kind, plural, sub) == ("update", "daemonsets", "status")
    assert updated["status"]["collisionCount"] == 1
    bumped = copy.deepcopy(d)
    bumped["status"] = {"collisionCount": 1}
    assert daemonset_hash(bumped) != daemonset_hash(d)  # the next sync uses a new name


def test_an_orphaned_revision_of_the_same_template_is_adopted() -> None:
    ctx, client, _, _ = context()
    d = ds(updateStrategy={"type": "OnDelete"})
    seed(ctx, "daemonsets", d)
    orphan = revision_of(d, 4)
    del orphan["metadata"]["ownerReferences"]
    client.objects[("controllerrevisions", f"ns/{orphan['metadata']['name']}")] = orphan
    create = client.create

    async def create_or_exists(r: Any, obj: Obj, namespace: str | None = None) -> Obj:
        if r.plural == "controllerrevisions":
            raise errors.AlreadyExists("taken")
        return await create(r, obj, namespace)

    client.create = create_or_exists  # type: ignore[method-assign]
    run(DaemonSetController(ctx).sync("ns/agent"))
    [(kind, _, name, _, patch)] = rev_writes(client)
    assert (kind, name) == ("patch", orphan["metadata"]["name"])
    assert patch["metadata"]["ownerReferences"][0]["uid"] == UID
    assert patch["metadata"]["resourceVersion"] == "7"


def test_old_revisions_beyond_the_limit_go_unless_a_pod_runs_them() -> None:
    ctx, client, _, _ = context()
    olds = [variant(f"i:{n}", updateStrategy={"type": "OnDelete"}) for n in range(1, 5)]
    d = ds(updateStrategy={"type": "OnDelete"}, revisionHistoryLimit=2)
    seed(ctx, "daemonsets", d)
    seed(ctx, "nodes", node("n1"))
    seed(ctx, "controllerrevisions", *(revision_of(o, n) for n, o in enumerate(olds, 1)))
    seed(ctx, "controllerrevisions", revision_of(d, 5))
    seed(ctx, "pods", pod("p1", "n1", daemonset_hash(olds[0])))  # OnDelete: still revision 1
    run(DaemonSetController(ctx).sync("ns/agent"))
    deleted = [w[2] for w in rev_writes(client) if w[0] == "delete"]
    # 4 old, limit 2: two go, oldest first, but revision 1 is kept for its pod
    assert deleted == [f"agent-{daemonset_hash(olds[n])}" for n in (1, 2)]


def test_history_pruning_is_pure() -> None:
    revs = [revision_of(variant(f"i:{n}"), n) for n in (3, 1, 2)]
    hashes = [history.revision_hash(r) for r in revs]
    assert history.to_delete(revs, 0, set()) == [revs[1], revs[2], revs[0]]
    assert history.to_delete(revs, 2, set()) == [revs[1]]
    assert history.to_delete(revs, 2, {hashes[1]}) == [revs[2]]
    assert history.to_delete(revs, 3, set()) == []
    assert history.history_limit(ds()) == 10


def test_a_deleted_revision_enqueues_its_daemonset() -> None:
    ctx, _, _, _ = context()
    c = DaemonSetController(ctx)
    d = ds()
    seed(ctx, "daemonsets", d)
    c.delete_revision(revision_of(d, 1))
    assert len(c.queue) == 1
    c.delete_revision(revision_of(ds(), 1) | {"metadata": {"name": "x", "namespace": "ns"}})
    assert len(c.queue) == 1  # no owner: nothing to do
