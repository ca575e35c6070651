"""The pod handlers every pod-owning controller shares: pod events become owner keys."""

from __future__ import annotations

from typing import Any, cast

from controllers.expectations import Expectations
from controllers.podevents import OwnerPodHandlers, selecting_owners
from minik8s.client import Indexer
from minik8s.client.workqueue import WorkQueue

Obj = dict[str, Any]


class Queue:
    def __init__(self) -> None:
        self.keys: list[str] = []

    def add(self, key: str) -> None:
        self.keys.append(key)


def _owner(name: str, uid: str, app: str) -> Obj:
    return {
        "kind": "ReplicaSet",
        "metadata": {"name": name, "namespace": "ns", "uid": uid},
        "spec": {"selector": {"matchLabels": {"app": app}}},
    }


def _pod(rv: str = "1", owner: str | None = None, uid: str = "", **meta: Any) -> Obj:
    refs = [{"kind": "ReplicaSet", "name": owner, "uid": uid, "controller": True}]
    return {
        "metadata": {
            "name": "p",
            "namespace": "ns",
            "resourceVersion": rv,
            "labels": {"app": "web"},
            **({"ownerReferences": refs} if owner else {}),
            **meta,
        }
    }


def _handlers(expectations: Expectations | None = None) -> tuple[OwnerPodHandlers, Queue]:
    owners = Indexer()
    owners.upsert(_owner("web", "u1", "web"))
    owners.upsert(_owner("other", "u2", "db"))
    queue = Queue()
    handlers = OwnerPodHandlers(
        "ReplicaSet",
        owners,
        cast(WorkQueue[Any], queue),
        expectations=expectations,
        adopters=selecting_owners(owners),
    )
    return handlers, queue


def test_an_owned_pod_queues_its_owner_and_meets_expectations() -> None:
    expectations = Expectations(lambda: 0.0)
    expectations.expect_creations("ns/web", 1)
    handlers, queue = _handlers(expectations)
    handlers.add(_pod(owner="web", uid="u1"))
    assert queue.keys == ["ns/web"] and expectations.satisfied("ns/web")
    expectations.expect_deletions("ns/web", ["ns/p"])
    handlers.update(_pod(owner="web", uid="u1"), _pod("2", "web", "u1", deletionTimestamp="t"))
    assert expectations.satisfied("ns/web")


def test_a_stale_uid_or_another_kind_queues_nothing() -> None:
    handlers, queue = _handlers()
    handlers.add(_pod(owner="web", uid="old-uid"))
    handlers.delete(_pod(owner="web", uid="old-uid"))
    job_pod = _pod()
    job_pod["metadata"]["ownerReferences"] = [
        {"kind": "Job", "name": "web", "uid": "u1", "controller": True}
    ]
    handlers.add(job_pod)
    assert queue.keys == []


def test_an_orphan_queues_the_owners_that_select_it() -> None:
    handlers, queue = _handlers()
    handlers.add(_pod())
    assert queue.keys == ["ns/web"]


def test_a_released_pod_queues_its_former_owner_and_resyncs_are_dropped() -> None:
    handlers, queue = _handlers()
    owned = _pod(owner="web", uid="u1")
    handlers.update(owned, owned | {})  # same resourceVersion: a resync
    assert queue.keys == []
    handlers.update(owned, _pod("2"))  # released: the former owner, then the adopters
    assert queue.keys == ["ns/web", "ns/web"]
