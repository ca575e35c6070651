"""pods/binding starts from the watch cache's copy of the pod: what it does when that copy
is stale, and the Binding's uid precondition. Real etcd, the real registry and storage
interface; the watch cache answers a chosen (stale) copy, since a real cache's lag cannot
be timed from a test."""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

import pytest

from apiserver.app import Target
from apiserver.registry import Registry
from apiserver.storage.cached import CachedStorage
from apiserver.storage.cacher import WatchCache
from apiserver.storage.etcd import Etcd
from apiserver.storage.store import Store
from apiserver.subresources import bind
from minik8s.api import errors
from minik8s.api.resources import lookup

from ...conftest import EtcdProcess

PODS = lookup("", "v1", "pods")
assert PODS is not None


class StaleCache(WatchCache):
    """Answers whatever copy the test put in, as a lagging watch cache would."""

    def __init__(self, store: Store, copy_: dict[str, Any] | None) -> None:
        super().__init__(store, PODS)
        self.copy = copy_
        self.ready.set()

    def get(self, namespace: str | None, name: str) -> dict[str, Any] | None:
        return self.copy


def _registry(store: Store, cached: dict[str, Any] | None) -> Registry:
    """The real registry and storage interface, over a cache that answers `cached`."""
    return Registry(CachedStorage(store, [StaleCache(store, cached)]))


def _pod(ns: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": str(uuid.uuid4())},
        "spec": {"containers": [{"name": "c", "image": "img"}]},
        "status": {"phase": "Pending"},
    }


async def _bind_with_cache(
    etcd: EtcdProcess, ns: str, make_cached: Any
) -> tuple[dict[str, Any] | Exception, dict[str, Any]]:
    """Stores a fresh pod, binds it to node "new" with the cache answering
    `make_cached(stored)`; (the outcome, the pod in etcd afterwards)."""
    client = Etcd([etcd.url])
    store = Store(client, prefix=f"/test-{uuid.uuid4().hex[:8]}")
    try:
        stored = await store.create(PODS, _pod(ns, "p"))
        registry = _registry(store, make_cached(stored))
        outcome: dict[str, Any] | Exception
        try:
            await bind(registry, Target(PODS, ns, "p", "binding"), {"target": {"name": "new"}})
            outcome = {}
        except errors.APIError as e:
            outcome = e
        return outcome, await store.get(PODS, ns, "p")
    finally:
        await client.close()


def test_a_stale_copy_of_an_older_bound_pod_does_not_refuse_the_binding(
    etcd: EtcdProcess,
) -> None:
    def old_bound_pod(stored: dict[str, Any]) -> dict[str, Any]:
        # what the cache still holds of a deleted pod of the same name, bound elsewhere
        stale = copy.deepcopy(stored)
        stale["metadata"]["uid"] = "the-old-pod"
        stale["metadata"]["resourceVersion"] = "1"
        stale["spec"]["nodeName"] = "old"
        return stale

    outcome, now = asyncio.run(_bind_with_cache(etcd, "stale", old_bound_pod))
    assert outcome == {}
    assert now["spec"]["nodeName"] == "new"


def test_a_stale_unbound_copy_cannot_rebind_a_pod_bound_since(etcd: EtcdProcess) -> None:
    async def run() -> tuple[Any, dict[str, Any]]:
        client = Etcd([etcd.url])
        store = Store(client, prefix=f"/test-{uuid.uuid4().hex[:8]}")
        try:
            stored = await store.create(PODS, _pod("race", "p"))
            unbound_copy = copy.deepcopy(stored)
            bound = copy.deepcopy(stored)
            bound["spec"]["nodeName"] = "first"
            await store.update(PODS, bound, int(stored["metadata"]["resourceVersion"]))
            registry = _registry(store, unbound_copy)
            with pytest.raises(errors.Conflict) as refused:
                await bind(
                    registry, Target(PODS, "race", "p", "binding"), {"target": {"name": "second"}}
                )
            return refused.value, await store.get(PODS, "race", "p")
        finally:
            await client.close()

    refusal, now = asyncio.run(run())
    assert 'already assigned to node "first"' in str(refusal)
    assert now["spec"]["nodeName"] == "first"


def test_the_cached_copy_is_not_changed_by_a_binding(etcd: EtcdProcess) -> None:
    kept: list[dict[str, Any]] = []

    def shared(stored: dict[str, Any]) -> dict[str, Any]:
        kept.extend([copy.deepcopy(stored), stored])
        return stored

    outcome, now = asyncio.run(_bind_with_cache(etcd, "shared", shared))
    assert outcome == {}
    assert now["spec"]["nodeName"] == "new"
    assert kept[1] == kept[0]  # watchers share that object: it must stay as it was


def test_a_binding_for_a_pod_that_was_re_created_is_refused(etcd: EtcdProcess) -> None:
    """The scheduler names the pod it decided for (Binding metadata.uid): a pod deleted and
    re-created under the same name meanwhile is not placed by that decision."""

    async def run() -> tuple[Any, dict[str, Any]]:
        client = Etcd([etcd.url])
        store = Store(client, prefix=f"/test-{uuid.uuid4().hex[:8]}")
        try:
            stored = await store.create(PODS, _pod("again", "p"))
            registry = _registry(store, copy.deepcopy(stored))
            binding = {"metadata": {"name": "p", "uid": "uid-of-the-deleted-pod"}}
            with pytest.raises(errors.Conflict) as refused:
                await bind(
                    registry,
                    Target(PODS, "again", "p", "binding"),
                    {**binding, "target": {"name": "n1"}},
                )
            ok = {"metadata": {"name": "p", "uid": stored["metadata"]["uid"]}}
            await bind(
                registry, Target(PODS, "again", "p", "binding"), {**ok, "target": {"name": "n1"}}
            )
            return refused.value, await store.get(PODS, "again", "p")
        finally:
            await client.close()

    refusal, now = asyncio.run(run())
    assert "Precondition failed: UID in precondition: uid-of-the-deleted-pod" in str(refusal)
    assert now["spec"]["nodeName"] == "n1"
