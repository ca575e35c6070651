"""Endpoints, Namespace, ServiceAccount, Node IPAM, Node lifecycle, garbage collector and
the controller manager's flags: pure helpers and one-sync writes."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import pytest

from controllers.base import Options
from controllers.endpoints import EndpointsController, compute_subsets
from controllers.gc import GarbageCollector
from controllers.main import build_parser, options_from, select_controllers
from controllers.namespace import NamespaceController, ServiceAccountController
from controllers.nodeipam import CidrSet, NodeIpamController
from controllers.nodelifecycle import (
    UNREACHABLE,
    NodeLifecycleController,
    toleration_seconds,
    unreachable_taints,
)
from tests.unit.controllers.fakes import context, seed

Obj = dict[str, Any]


def pod(name: str, ip: str, ready: bool, port: int = 8080, labels: Obj | None = None) -> Obj:
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "uid": f"u-{name}",
            "labels": labels or {"app": "web"},
        },
        "spec": {
            "nodeName": "n1",
            "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": port}]}],
        },
        "status": {
            "phase": "Running",
            "podIP": ip,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def service(target: Any = "http") -> Obj:
    return {
        "metadata": {"name": "web", "namespace": "ns", "labels": {"l": "1"}},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"name": "h", "port": 80, "targetPort": target}],
        },
    }


def test_subsets_split_ready_and_resolve_named_ports() -> None:
    pods = [
        pod("a", "10.0.0.2", True),
        pod("b", "10.0.0.1", False),
        pod("c", "10.0.0.3", True, port=9090),
        pod("other", "10.0.0.9", True, labels={"app": "x"}),
        {**pod("noip", "", True)},
    ]
    subsets = compute_subsets(service(), pods)
    assert subsets == [
        {
            "ports": [{"port": 8080, "protocol": "TCP", "name": "h"}],
            "addresses": [
                {
                    "ip": "10.0.0.2",
                    "nodeName": "n1",
                    "targetRef": {"kind": "Pod", "namespace": "ns", "name": "a", "uid": "u-a"},
                }
            ],
            "notReadyAddresses": [
                {
                    "ip": "10.0.0.1",
                    "nodeName": "n1",
                    "targetRef": {"kind": "Pod", "namespace": "ns", "name": "b", "uid": "u-b"},
                }
            ],
        },
        {
            "ports": [{"port": 9090, "protocol": "TCP", "name": "h"}],
            "addresses": [
                {
                    "ip": "10.0.0.3",
                    "nodeName": "n1",
                    "targetRef": {"kind": "Pod", "namespace": "ns", "name": "c", "uid": "u-c"},
                }
            ],
        },
    ]
    numeric = compute_subsets(service(target=7000), [pod("a", "10.0.0.2", True)])
    assert numeric[0]["ports"] == [{"port": 7000, "protocol": "TCP", "name": "h"}]


def test_endpoints_sync_writes() -> None:
    ctx, client, _, _ = context()
    c = EndpointsController(ctx)
    seed(ctx, "services", service())
    seed(ctx, "pods", pod("a", "10.0.0.2", True))
    asyncio.run(c.sync("ns/web"))
    ((op, plural, ns, body),) = client.writes
    assert (op, plural, ns) == ("create", "endpoints", "ns")
    assert body["metadata"] == {"name": "web", "namespace": "ns", "labels": {"l": "1"}}
    # unchanged: no write; service without selector: no write
    seed(ctx, "endpoints", body)
    client.writes.clear()
    asyncio.run(c.sync("ns/web"))
    no_selector = {"metadata": {"name": "manual", "namespace": "ns"}, "spec": {"ports": []}}
    seed(ctx, "services", no_selector)
    asyncio.run(c.sync("ns/manual"))
    assert client.writes == []
    # the service is gone: its endpoints are deleted
    ctx.informer("services").store.delete("ns/web")
    asyncio.run(c.sync("ns/web"))
    assert client.writes == [("delete", "endpoints", "web", None)]


def test_namespace_empties_then_finalizes() -> None:
    ctx, client, _, _ = context()
    c = NamespaceController(ctx)
    ns = {
        "metadata": {"name": "gone", "deletionTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Terminating"},
    }
    seed(ctx, "namespaces", ns)
    client.objects[("configmaps", "gone/cm")] = {"metadata": {"name": "cm", "namespace": "gone"}}
    asyncio.run(c.sync("gone"))
    assert ("deletecollection", "configmaps", "gone") in client.writes
    op, plural, sub, body = client.writes[-1]
    assert (op, plural, sub) == ("update", "namespaces", "finalize")
    assert body["spec"]["finalizers"] == []


def test_namespace_waits_while_objects_remain() -> None:
    ctx, client, _, _ = context()
    c = NamespaceController(ctx)
    seed(
        ctx,
        "namespaces",
        {
            "metadata": {"name": "gone", "deletionTimestamp": "x"},
            "spec": {"finalizers": ["kubernetes"]},
        },
    )
    # a pod being deleted (waiting for its kubelet) stays
    client.objects[("pods", "gone/p")] = {
        "metadata": {"name": "p", "namespace": "gone", "deletionTimestamp": "x"}
    }
    client.delete_collection = _noop  # type: ignore[method-assign]
    assert asyncio.run(c.sync("gone")) == 1.0
    assert not [w for w in client.writes if w[0] == "update"]


async def _noop(*args: Any, **kw: Any) -> Obj:
    return {}


def test_default_service_account() -> None:
    ctx, client, _, _ = context()
    c = ServiceAccountController(ctx)
    seed(ctx, "namespaces", {"metadata": {"name": "a"}}, {"metadata": {"name": "b"}})
    seed(ctx, "serviceaccounts", {"metadata": {"name": "default", "namespace": "b"}})
    asyncio.run(c.sync("a"))
    asyncio.run(c.sync("b"))
    assert [(w[0], w[1], w[2]) for w in client.writes] == [("create", "serviceaccounts", "a")]


def test_cidr_set() -> None:
    cidrs = CidrSet("10.244.0.0/22", 24)
    assert cidrs.occupy("10.244.1.0/24")
    assert not cidrs.occupy("192.168.0.0/24")
    assert [cidrs.allocate() for _ in range(3)] == [
        "10.244.0.0/24",
        "10.244.2.0/24",
        "10.244.3.0/24",
    ]
    with pytest.raises(RuntimeError):
        cidrs.allocate()
    cidrs.release("10.244.2.0/24")
    assert cidrs.allocate() == "10.244.2.0/24"


def test_nodeipam_sync_patches_node() -> None:
    ctx, client, _, _ = context()
    c = NodeIpamController(ctx)
    taken = {"metadata": {"name": "a"}, "spec": {"podCIDR": "10.244.0.0/24"}}
    seed(ctx, "nodes", taken, {"metadata": {"name": "b", "resourceVersion": "3"}})
    c._node_seen(taken)
    asyncio.run(c.sync("a"))
    asyncio.run(c.sync("b"))
    assert client.writes == [
        (
            "patch",
            "nodes",
            "b",
            None,
            {
                "metadata": {"resourceVersion": "3"},
                "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"]},
            },
        )
    ]


def test_tolerations() -> None:
    bare: Obj = {"spec": {}}
    assert toleration_seconds(bare, 300) == 300
    forever = {
        "spec": {"tolerations": [{"key": UNREACHABLE, "operator": "Exists", "effect": "NoExecute"}]}
    }
    assert toleration_seconds(forever, 300) is None
    timed = {
        "spec": {
            "tolerations": [
                {
                    "key": UNREACHABLE,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 5,
                }
            ]
        }
    }
    assert toleration_seconds(timed, 300) == 5
    other = {"spec": {"tolerations": [{"key": "x", "operator": "Exists"}]}}
    assert toleration_seconds(other, 7) == 7
    taints = unreachable_taints("T", [{"key": "a", "effect": "NoSchedule"}])
    assert taints == [
        {"key": "a", "effect": "NoSchedule"},
        {"key": UNREACHABLE, "effect": "NoSchedule"},
        {"key": UNREACHABLE, "effect": "NoExecute", "timeAdded": "T"},
    ]


def test_node_lifecycle_marks_unknown_after_grace() -> None:
    ctx, client, recorder, clock = context(Options(node_monitor_grace_period=40))
    c = NodeLifecycleController(ctx)
    node = {
        "metadata": {"name": "n1"},
        "spec": {},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]},
    }
    seed(ctx, "nodes", node)
    seed(
        ctx,
        "leases",
        {
            "metadata": {"name": "n1", "namespace": "kube-node-lease"},
            "spec": {"renewTime": "2026-01-01T00:00:00.000000Z"},
        },
        namespace="kube-node-lease",
    )
    seed(
        ctx,
        "pods",
        {
            "metadata": {"name": "p", "namespace": "ns"},
            "spec": {"nodeName": "n1"},
            "status": {"phase": "Running"},
        },
    )
    asyncio.run(c.sync("n1"))
    assert client.writes == []  # first look: the lease just seen
    clock.now += 41
    asyncio.run(c.sync("n1"))
    kinds = [(w[0], w[1], w[2], w[3]) for w in client.writes]
    assert kinds[:3] == [
        ("patch", "nodes", "n1", "status"),
        ("patch", "pods", "p", "status"),
        ("patch", "nodes", "n1", None),
    ]
    ready = client.writes[0][4]["status"]["conditions"][0]
    assert (ready["type"], ready["status"]) == ("Ready", "Unknown")
    assert ("Normal", "NodeNotReady", "Node n1 status is now: NodeNotReady") in recorder.events


def test_gc_deletes_dependents_of_missing_owner_and_orphans() -> None:
    ctx, client, _, _ = context()
    c = GarbageCollector(ctx)
    ref = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "rs",
        "uid": "rs-uid",
        "controller": True,
    }
    dangling = {
        "metadata": {"name": "p", "namespace": "ns", "uid": "p-uid", "ownerReferences": [ref]}
    }
    seed(ctx, "pods", dangling)
    asyncio.run(c.sync(("pods", "ns/p")))
    assert client.writes == [("delete", "pods", "p", "Background")]
    # the owner exists (on the server, not yet cached): nothing happens
    client.writes.clear()
    client.objects[("replicasets", "ns/rs")] = {"metadata": {"name": "rs", "uid": "rs-uid"}}
    asyncio.run(c.sync(("pods", "ns/p")))
    assert client.writes == []
    # orphan: dependents lose the reference, then the owner its finalizer
    owner = {
        "metadata": {
            "name": "rs",
            "namespace": "ns",
            "uid": "rs-uid",
            "resourceVersion": "9",
            "deletionTimestamp": "x",
            "finalizers": ["orphan"],
        }
    }
    seed(ctx, "replicasets", owner)
    asyncio.run(c.sync(("replicasets", "ns/rs")))
    assert [(w[0], w[1], w[2]) for w in client.writes] == [
        (
            "patch",
            "pods",
            "p",
        ),
        ("patch", "replicasets", "rs"),
    ]
    assert client.writes[0][4]["metadata"]["ownerReferences"] is None
    assert client.writes[1][4]["metadata"]["finalizers"] is None


def test_gc_foreground_deletes_dependents_first() -> None:
    ctx, client, _, _ = context()
    c = GarbageCollector(ctx)
    owner = {
        "metadata": {
            "name": "rs",
            "namespace": "ns",
            "uid": "rs-uid",
            "deletionTimestamp": "x",
            "finalizers": ["foregroundDeletion"],
        }
    }
    dep = {
        "metadata": {
            "name": "p",
            "namespace": "ns",
            "uid": "p-uid",
            "ownerReferences": [
                {"kind": "ReplicaSet", "name": "rs", "uid": "rs-uid", "blockOwnerDeletion": True}
            ],
        }
    }
    seed(ctx, "replicasets", owner)
    seed(ctx, "pods", dep)
    assert asyncio.run(c.sync(("replicasets", "ns/rs"))) is not None  # waits
    assert client.writes == [("delete", "pods", "p", "Background")]
    ctx.informer("pods").store.delete("ns/p")
    client.writes.clear()
    asyncio.run(c.sync(("replicasets", "ns/rs")))
    assert [(w[0], w[2]) for w in client.writes] == [("patch", "rs")]


def test_select_controllers_and_flags() -> None:
    assert "replicaset" in select_controllers("*")
    assert "deployment" not in select_controllers("*,-deployment")
    assert select_controllers("endpoints,namespace") == ["endpoints", "namespace"]
    with pytest.raises(argparse.ArgumentTypeError):
        select_controllers("bogus")
    args = build_parser().parse_args(
        ["--node-monitor-grace-period", "1m", "--cluster-cidr", "10.1.0.0/16"]
    )
    opts = options_from(args)
    assert (opts.node_monitor_grace_period, opts.cluster_cidr) == (60.0, "10.1.0.0/16")
    assert args.healthz_port == 10257


def test_gc_leaves_owners_of_unknown_kinds_alone() -> None:
    ctx, client, _, _ = context()
    c = GarbageCollector(ctx)
    ref = {"apiVersion": "example.com/v1", "kind": "Widget", "name": "w", "uid": "w-uid"}
    seed(
        ctx,
        "configmaps",
        {"metadata": {"name": "cm", "namespace": "ns", "uid": "c", "ownerReferences": [ref]}},
    )
    asyncio.run(c.sync(("configmaps", "ns/cm")))
    assert client.writes == []
