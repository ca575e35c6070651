"""pods/binding starts from the watch cache's copy of the pod: what it does when that copy
is stale. Real etcd and the real storage layer; the watch cache is replaced by one that
answers a chosen (stale) copy, since a real cache's lag cannot be timed from a test."""

from __future__ import annotations

import asyncio
import copy
import uuid
from types import SimpleNamespace
from typing import Any, cast

import pytest

from apiserver.app import APIServer, Target
from apiserver.registry import Registry
from apiserver.storage.etcd import Etcd
from apiserver.storage.store import Store
from apiserver.subresources import bind
from minik8s.api import errors
from minik8s.api.resources import lookup

from ...conftest import EtcdProcess

PODS = lookup("", "v1", "pods")
assert PODS is not None


class StaleCache:
    """Answers whatever copy the test put in, as a lagging watch cache would."""

    def __init__(self, copy_: dict[str, Any] | None) -> None:
        self.copy = copy_
        self.ready = asyncio.Event()
        self.ready.set()

    def get(self, namespace: str | None, name: str) -> dict[str, Any] | None:
        return self.copy


class Storage:
    """What `bind` reads of the registry: the real store, and the stale cache."""

    max_patch_retries = 8

    def __init__(self, store: Store, cached: dict[str, Any] | None) -> None:
        self.store = store
        self.caches = {"pods": StaleCache(cached)}

    async def get(self, info: Any, namespace: str | None, name: str) -> dict[str, Any]:
        return await self.store.get(info, namespace, name)


def _server(store: Store, cached: dict[str, Any] | None) -> APIServer:
    return cast(APIServer, SimpleNamespace(registry=cast(Registry, Storage(store, cached))))


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
        server = _server(store, make_cached(stored))
        outcome: dict[str, Any] | Exception
        try:
            await bind(server, Target(PODS, ns, "p", "binding"), {"target": {"name": "new"}})
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
            server = _server(store, unbound_copy)
            with pytest.raises(errors.Conflict) as refused:
                await bind(
                    server, Target(PODS, "race", "p", "binding"), {"target": {"name": "second"}}
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
