"""The informer, its reflector and the indexer, fed by a scripted fake API (no network)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import pytest

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo, resolve
from minik8s.client import Indexer, InformerFactory, SharedInformer, copy_of, key_of, split_key
from minik8s.client.informer import LABEL_INDEX, NAMESPACE_INDEX, NODE_NAME_INDEX, OWNER_INDEX

PODS = resolve("pods")
assert PODS is not None

Obj = dict[str, Any]


def pod(name: str, rv: int, ns: str = "ns", node: str = "", **labels: str) -> Obj:
    obj: Obj = {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "resourceVersion": str(rv), "labels": labels},
        "spec": {},
    }
    if node:
        obj["spec"]["nodeName"] = node
    return obj


class FakeWatch:
    """One watch request: the test pushes events, errors or the end into it."""

    def __init__(self, resource_version: str | None) -> None:
        self.resource_version = resource_version
        self.queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def send(self, etype: str, obj: Obj) -> None:
        self.queue.put_nowait(("event", {"type": etype, "object": obj}))

    def bookmark(self, rv: int) -> None:
        self.send("BOOKMARK", {"kind": "Pod", "metadata": {"resourceVersion": str(rv)}})

    def fail(self, exc: Exception) -> None:
        self.queue.put_nowait(("error", exc))

    def end(self) -> None:
        self.queue.put_nowait(("end", None))


class FakeAPI:
    """`list_all` answers `self.objects` at `self.rv`; every `watch` is a new FakeWatch."""

    def __init__(self, objects: list[Obj], rv: int) -> None:
        self.objects = objects
        self.rv = rv
        self.lists = 0
        self.watches: list[FakeWatch] = []
        self.list_error: Exception | None = None

    async def list_all(
        self, resource: ResourceInfo, namespace: str | None = None, **kw: Any
    ) -> tuple[list[Obj], str]:
        self.lists += 1
        if self.list_error is not None:
            err, self.list_error = self.list_error, None
            raise err
        return [copy_of(o) for o in self.objects], str(self.rv)

    def watch(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        timeout_seconds: int | None = None,
        allow_bookmarks: bool = True,
    ) -> AsyncGenerator[Obj, None]:
        w = FakeWatch(resource_version)
        self.watches.append(w)
        return self._stream(w)

    @staticmethod
    async def _stream(w: FakeWatch) -> AsyncGenerator[Obj, None]:
        while True:
            kind, value = await w.queue.get()
            if kind == "event":
                yield value
            elif kind == "error":
                raise value
            else:
                return

    async def watch_number(self, n: int) -> FakeWatch:
        await eventually(lambda: len(self.watches) >= n, f"watch #{n}")
        return self.watches[n - 1]


async def eventually(cond: Callable[[], bool], what: str, timeout: float = 3.0) -> None:
    """Wait for a condition with a deadline (the loop runs the informer meanwhile)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)


class Seen:
    """Records every handler call as (event, key, resourceVersion)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    @staticmethod
    def _rv(obj: Obj) -> str:
        return str(obj["metadata"].get("resourceVersion", ""))

    def add(self, obj: Obj) -> None:
        self.calls.append(("add", key_of(obj), self._rv(obj)))

    def update(self, old: Obj, new: Obj) -> None:
        assert key_of(old) == key_of(new)
        self.calls.append(("update", key_of(new), f"{self._rv(old)}->{self._rv(new)}"))

    def delete(self, obj: Obj) -> None:
        self.calls.append(("delete", key_of(obj), self._rv(obj)))


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 10))


async def started(api: FakeAPI, **kw: Any) -> tuple[SharedInformer, Seen, asyncio.Task[None]]:
    informer = SharedInformer(api, PODS, **kw)
    informer.reflector.min_backoff = 0.001
    seen = Seen()
    informer.add_handler(seen.add, seen.update, seen.delete)
    task = asyncio.create_task(informer.run())
    assert await informer.wait_synced(2)
    return informer, seen, task


async def stopped(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# ---------------------------------------------------------------------------- the indexer


def test_indexes_follow_adds_updates_and_deletes() -> None:
    store = Indexer()
    a = pod("a", 1, node="n1", app="web")
    a["metadata"]["ownerReferences"] = [{"uid": "rs-1", "kind": "ReplicaSet", "name": "rs"}]
    store.upsert(a)
    store.upsert(pod("b", 2, ns="other", node="n1", app="db"))
    assert store.keys() == ["ns/a", "other/b"]
    assert [key_of(o) for o in store.by_index(NODE_NAME_INDEX, "n1")] == ["ns/a", "other/b"]
    assert store.index_keys(NAMESPACE_INDEX, "other") == ["other/b"]
    assert store.index_keys(OWNER_INDEX, "rs-1") == ["ns/a"]
    assert store.index_keys(LABEL_INDEX, "app=web") == ["ns/a"]
    moved = pod("a", 3, node="n2", app="api")
    assert store.upsert(moved) is a
    assert store.index_keys(NODE_NAME_INDEX, "n1") == ["other/b"]
    assert store.index_keys(NODE_NAME_INDEX, "n2") == ["ns/a"]
    assert store.index_keys(OWNER_INDEX, "rs-1") == []
    assert store.index_keys(LABEL_INDEX, "app=web") == []
    assert store.delete("other/b") is not None and store.delete("other/b") is None
    assert store.index_values(NODE_NAME_INDEX) == ["n2"]
    assert store.get("ns/a") is moved and store.get_by_name("ns", "a") is moved
    assert len(store) == 1 and "ns/a" in store
    with pytest.raises(KeyError, match="no index named"):
        store.by_index("nope", "x")


def test_replace_reports_the_difference() -> None:
    store = Indexer()
    for o in (pod("keep", 1), pod("change", 2), pod("gone", 3)):
        store.upsert(o)
    diff = store.replace([pod("keep", 1), pod("change", 5), pod("new", 6)])
    assert [key_of(o) for o in diff.added] == ["ns/new"]
    assert [
        (o["metadata"]["resourceVersion"], n["metadata"]["resourceVersion"])
        for o, n in diff.updated
    ] == [("2", "5")]
    assert [key_of(o) for o in diff.deleted] == ["ns/gone"]
    assert sorted(store.keys()) == ["ns/change", "ns/keep", "ns/new"]


def test_custom_index_keys_and_copies() -> None:
    store = Indexer()
    store.upsert(pod("a", 1, ns="x"))
    store.add_indexer("phase", lambda o: [o.get("status", {}).get("phase", "Pending")])
    assert store.index_keys("phase", "Pending") == ["x/a"]
    cluster_scoped = {"metadata": {"name": "node1"}}
    assert key_of(cluster_scoped) == "node1" and split_key("node1") == ("", "node1")
    assert split_key("x/a") == ("x", "a")
    original = store.get("x/a")
    assert original is not None
    mine = copy_of(original)
    mine["metadata"]["labels"]["changed"] = "yes"
    assert "changed" not in original["metadata"]["labels"]


def test_indexer_is_safe_across_threads() -> None:
    store = Indexer()
    errors_seen: list[BaseException] = []

    def writer(start: int) -> None:
        try:
            for i in range(start, start + 500):
                store.upsert(pod(f"p{i}", i, node=f"n{i % 3}"))
                if i % 2:
                    store.delete(f"ns/p{i}")
        except BaseException as e:
            errors_seen.append(e)

    def reader() -> None:
        try:
            for _ in range(500):
                for o in store.by_index(NODE_NAME_INDEX, "n1"):
                    assert o["spec"]["nodeName"] == "n1"
                store.list()
        except BaseException as e:
            errors_seen.append(e)

    threads = [threading.Thread(target=writer, args=(k * 1000,)) for k in range(3)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors_seen
    assert len(store) == 750
    assert sum(len(store.index_keys(NODE_NAME_INDEX, f"n{k}")) for k in range(3)) == 750


# ---------------------------------------------------------------------------- the informer


def test_initial_list_then_watch_events() -> None:
    async def scenario() -> None:
        api = FakeAPI([pod("a", 1), pod("b", 2, node="n1")], rv=10)
        informer, seen, task = await started(api)
        assert seen.calls == [("add", "ns/a", "1"), ("add", "ns/b", "2")]
        w = await api.watch_number(1)
        assert w.resource_version == "10"
        w.send("ADDED", pod("c", 11))
        w.send("MODIFIED", pod("a", 12, node="n1"))
        w.send("MODIFIED", pod("a", 12, node="n1"))  # same version: not an update
        w.send("DELETED", pod("b", 13, node="n1"))
        w.send("DELETED", pod("never-seen", 14))  # nothing to delete
        w.bookmark(20)
        await eventually(lambda: informer.last_sync_resource_version == "20", "bookmark")
        assert seen.calls[2:] == [
            ("add", "ns/c", "11"),
            ("update", "ns/a", "1->12"),
            ("delete", "ns/b", "13"),
        ]
        assert [key_of(o) for o in informer.store.by_index(NODE_NAME_INDEX, "n1")] == ["ns/a"]
        await stopped(task)

    run(scenario)


def test_a_broken_watch_resumes_from_the_last_version_without_relisting() -> None:
    async def scenario() -> None:
        api = FakeAPI([pod("a", 1)], rv=5)
        informer, seen, task = await started(api)
        w1 = await api.watch_number(1)
        w1.send("MODIFIED", pod("a", 6))
        w1.fail(errors.ServiceUnavailable("connection lost"))
        w2 = await api.watch_number(2)
        assert w2.resource_version == "6"
        w2.bookmark(9)
        w2.end()  # the server's timeout: watch again at once
        w3 = await api.watch_number(3)
        assert w3.resource_version == "9"
        assert api.lists == 1
        assert seen.calls == [("add", "ns/a", "1"), ("update", "ns/a", "1->6")]
        await stopped(task)

    run(scenario)


def test_gone_relists_and_the_diff_becomes_synthetic_events() -> None:
    async def scenario() -> None:
        api = FakeAPI([pod("same", 1), pod("changed", 2), pod("vanished", 3)], rv=3)
        informer, seen, task = await started(api)
        w1 = await api.watch_number(1)
        # While the informer is away the world moves on, and history is compacted.
        api.objects = [pod("same", 1), pod("changed", 7), pod("appeared", 8)]
        api.rv = 9
        w1.fail(errors.Gone("too old resource version: 3"))
        w2 = await api.watch_number(2)
        assert w2.resource_version == "9" and api.lists == 2
        assert seen.calls[3:] == [
            ("add", "ns/appeared", "8"),
            ("update", "ns/changed", "2->7"),
            ("delete", "ns/vanished", "3"),  # the last state the informer knew
        ]
        assert sorted(informer.store.keys()) == ["ns/appeared", "ns/changed", "ns/same"]
        await stopped(task)

    run(scenario)


def test_list_failures_are_retried() -> None:
    async def scenario() -> None:
        api = FakeAPI([pod("a", 1)], rv=1)
        api.list_error = errors.ServiceUnavailable("etcd is unavailable")
        informer, seen, task = await started(api)
        assert api.lists == 2 and seen.calls == [("add", "ns/a", "1")]
        await stopped(task)

    run(scenario)


def test_a_late_handler_gets_the_cache_and_failing_handlers_do_not_stop_others() -> None:
    async def scenario() -> None:
        api = FakeAPI([pod("a", 1), pod("b", 2)], rv=2)
        informer, seen, task = await started(api)

        def broken(obj: Obj) -> None:
            raise RuntimeError("handler bug")

        informer.add_handler(on_add=broken)
        late: list[str] = []

        async def async_add(obj: Obj) -> None:
            late.append(key_of(obj))

        informer.add_handler(on_add=async_add)
        await eventually(lambda: len(late) == 2, "replay")
        w = await api.watch_number(1)
        w.send("ADDED", pod("c", 3))
        await eventually(lambda: "ns/c" in late, "the add after a broken handler")
        assert seen.calls[-1] == ("add", "ns/c", "3")
        await stopped(task)

    run(scenario)


def test_resync_redelivers_every_cached_object() -> None:
    async def scenario() -> None:
        api = FakeAPI([pod("a", 1)], rv=1)
        informer, seen, task = await started(api, resync_period=0.02)
        await eventually(lambda: ("update", "ns/a", "1->1") in seen.calls, "resync")
        await stopped(task)

    run(scenario)


def test_factory_shares_informers_and_waits_for_all() -> None:
    async def scenario() -> None:
        api = FakeAPI([pod("a", 1)], rv=1)
        factory = InformerFactory(api)
        one = factory.informer(PODS, "ns")
        assert factory.informer(PODS, "ns") is one
        other = factory.informer(PODS, "ns", label_selector="app=web")
        assert other is not one and len(factory.informers) == 2
        assert not factory.has_synced()
        await factory.start()
        assert await factory.wait_synced(2)
        assert one.store.keys() == ["ns/a"] and other.has_synced()
        await factory.stop()
        assert one.reflector.lists == 1

    run(scenario)
