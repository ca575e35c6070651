"""A shared informer against a real API server and etcd stays exactly consistent.

Each test runs an informer on an API server of its own (`fresh_apiserver`), takes that
server away, changes objects meanwhile through the session's API server (same etcd),
brings it back, and checks that every handler call matches a change that was made: each
change seen once, none invented, none repeated. A "fence" object written last proves that
everything before it has been delivered (events arrive in resourceVersion order).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from minik8s.api.resources import resolve
from minik8s.client import AsyncClient, ClientConfig, SharedInformer
from tests.conftest import APIServerProcess, EtcdProcess
from tests.manifests import manifest

CMS = resolve("configmaps")
NAMESPACES = resolve("namespaces")
assert CMS and NAMESPACES

Obj = dict[str, Any]
Change = tuple[str, str]  # ("add" | "update" | "delete", resourceVersion or "")


class Ledger:
    """Every handler call, per object name."""

    def __init__(self) -> None:
        self.calls: dict[str, list[Change]] = defaultdict(list)

    @staticmethod
    def _name_rv(obj: Obj) -> tuple[str, str]:
        return obj["metadata"]["name"], obj["metadata"]["resourceVersion"]

    def add(self, obj: Obj) -> None:
        name, rv = self._name_rv(obj)
        self.calls[name].append(("add", rv))

    def update(self, old: Obj, new: Obj) -> None:
        name, rv = self._name_rv(new)
        assert old["metadata"]["resourceVersion"] != rv, "an update that changed nothing"
        self.calls[name].append(("update", rv))

    def delete(self, obj: Obj) -> None:
        self.calls[obj["metadata"]["name"]].append(("delete", ""))


class World:
    """Writes through the session API server and remembers what each write did."""

    def __init__(self, client: AsyncClient, ns: str) -> None:
        self.client = client
        self.ns = ns
        self.made: dict[str, list[Change]] = defaultdict(list)

    async def create(self, name: str) -> str:
        obj = await self.client.create(CMS, manifest("configmaps", name), self.ns)
        rv: str = obj["metadata"]["resourceVersion"]
        self.made[name].append(("add", rv))
        return rv

    async def change(self, name: str, value: str) -> str:
        obj = await self.client.patch(CMS, name, {"data": {"v": value}}, self.ns)
        rv: str = obj["metadata"]["resourceVersion"]
        self.made[name].append(("update", rv))
        return rv

    async def delete(self, name: str) -> None:
        await self.client.delete(CMS, name, self.ns)
        self.made[name].append(("delete", ""))


async def until(cond: Callable[[], bool], what: str, timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def compact(etcd: EtcdProcess) -> int:
    out = subprocess.run(
        ["etcdctl", f"--endpoints={etcd.url}", "endpoint", "status", "--write-out=json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    revision = int(json.loads(out)[0]["Status"]["header"]["revision"])
    subprocess.run(
        ["etcdctl", f"--endpoints={etcd.url}", "compact", str(revision)],
        capture_output=True,
        check=True,
    )
    return revision


async def with_informer(
    fresh: APIServerProcess,
    session: APIServerProcess,
    scenario: Callable[[SharedInformer, Ledger, World], Awaitable[None]],
) -> None:
    ns = f"inf-{uuid.uuid4().hex[:8]}"
    async with (
        AsyncClient(ClientConfig(server=session.url), retries=5) as writer,
        AsyncClient(ClientConfig(server=fresh.url), retries=1, backoff=0.05) as reader,
    ):
        await writer.create(NAMESPACES, {"metadata": {"name": ns}})
        informer = SharedInformer(reader, CMS, ns)
        informer.reflector.min_backoff = 0.05
        informer.reflector.max_backoff = 0.5
        ledger = Ledger()
        informer.add_handler(ledger.add, ledger.update, ledger.delete)
        task = asyncio.create_task(informer.run())
        try:
            assert await informer.wait_synced(10)
            await scenario(informer, ledger, World(writer, ns))
            # The cache holds exactly what the API holds.
            truth, _ = await writer.list_all(CMS, ns)
            cached = {o["metadata"]["name"]: o for o in informer.store.list()}
            assert cached == {o["metadata"]["name"]: o for o in truth}
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def fence(ledger: Ledger, world: World) -> None:
    rv = await world.create("zz-fence")
    await until(lambda: ("add", rv) in ledger.calls["zz-fence"], "the fence")


def test_informer_consistent_across_an_api_server_restart(
    fresh_apiserver: APIServerProcess, apiserver: APIServerProcess
) -> None:
    async def scenario(informer: SharedInformer, ledger: Ledger, world: World) -> None:
        for name in ("a", "b", "c"):
            await world.create(name)
        await world.change("a", "1")
        await world.delete("b")
        await until(lambda: ledger.calls == world.made, "the first changes")

        await asyncio.to_thread(fresh_apiserver.stop)
        await world.create("d")
        await world.change("c", "1")
        await world.change("c", "2")
        await world.delete("a")
        await asyncio.to_thread(fresh_apiserver.start)

        await world.create("e")
        await world.change("d", "1")
        await fence(ledger, world)
        # Resumed from its last version: every change seen once, in order, no relist.
        assert dict(ledger.calls) == dict(world.made)
        assert informer.reflector.lists == 1

    asyncio.run(with_informer(fresh_apiserver, apiserver, scenario))


def test_informer_relists_after_compaction_and_sees_each_change_once(
    fresh_apiserver: APIServerProcess, apiserver: APIServerProcess, etcd: EtcdProcess
) -> None:
    async def scenario(informer: SharedInformer, ledger: Ledger, world: World) -> None:
        for name in ("a", "b", "c", "x"):
            await world.create(name)
        await world.change("a", "1")
        await until(lambda: ledger.calls == world.made, "the first changes")
        expected = {name: list(changes) for name, changes in world.made.items()}

        await asyncio.to_thread(fresh_apiserver.stop)
        await world.change("b", "1")
        b_final = await world.change("b", "2")
        await world.delete("c")
        d_rv = await world.create("d")
        await world.create("e")
        await world.delete("e")  # came and went unseen: no handler call at all
        await world.change("x", "1")
        await world.delete("x")
        compact(etcd)  # the informer's version is history now: it must relist
        await asyncio.to_thread(fresh_apiserver.start)
        await until(lambda: informer.reflector.lists == 2, "the relist")

        d2 = await world.change("d", "1")
        await fence(ledger, world)
        # Changes made while away collapse into one call each (the relist diff).
        expected["b"].append(("update", b_final))
        expected["c"].append(("delete", ""))
        expected["d"] = [("add", d_rv), ("update", d2)]
        expected["x"].append(("delete", ""))
        expected["zz-fence"] = world.made["zz-fence"]
        assert dict(ledger.calls) == expected
        assert informer.reflector.lists == 2  # one relist, not a loop of them

    asyncio.run(with_informer(fresh_apiserver, apiserver, scenario))
