"""Client and AsyncClient against the real API server and etcd: CRUD, typed errors, retries."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from minik8s.api import errors
from minik8s.api.resources import resolve
from minik8s.client import AsyncClient, Client, ClientConfig, Unreachable
from tests.conftest import APIServerProcess
from tests.manifests import manifest

CMS = resolve("configmaps")
PODS = resolve("pods")
DEPLOYS = resolve("deployments")
NAMESPACES = resolve("namespaces")
assert CMS and PODS and DEPLOYS and NAMESPACES


def test_crud_with_typed_errors(apiserver: APIServerProcess, ns: str) -> None:
    with Client(ClientConfig(server=apiserver.url, namespace=ns)) as c:
        created = c.create(CMS, manifest("configmaps", "a"))
        assert created["metadata"]["namespace"] == ns and created["metadata"]["uid"]
        with pytest.raises(errors.AlreadyExists, match='"a" already exists'):
            c.create(CMS, manifest("configmaps", "a"))
        with pytest.raises(errors.NotFound):
            c.get(CMS, "missing")

        got = c.get(CMS, "a")
        assert got == created
        got["data"] = {"k": "v"}
        updated = c.update(CMS, got)
        assert updated["data"] == {"k": "v"}
        with pytest.raises(errors.Conflict):
            c.update(CMS, got)  # stale resourceVersion

        merged = c.patch(CMS, "a", {"data": {"m": "1"}})
        assert merged["data"] == {"k": "v", "m": "1"}
        jsonp = c.patch(CMS, "a", [{"op": "remove", "path": "/data/k"}], patch_type="json")
        assert jsonp["data"] == {"m": "1"}
        c.create(DEPLOYS, manifest("deployments", "web"))
        strategic = c.patch(DEPLOYS, "web", {"spec": {"replicas": 3}}, patch_type="strategic")
        assert strategic["spec"]["replicas"] == 3

        bad = manifest("pods", "Bad_Name")
        bad["spec"]["containers"][0].pop("image")
        with pytest.raises(errors.Invalid) as info:
            c.create(PODS, bad)
        fields = {cause.field for cause in info.value.causes}
        assert "metadata.name" in fields and "spec.containers[0].image" in fields

        dry = c.create(CMS, manifest("configmaps", "dry"), dry_run=True)
        assert dry["metadata"]["name"] == "dry"
        with pytest.raises(errors.NotFound):
            c.get(CMS, "dry")

        with pytest.raises(errors.Conflict):
            c.delete(CMS, "a", preconditions={"uid": "not-the-uid"})
        c.delete(CMS, "a", preconditions={"uid": created["metadata"]["uid"]})
        with pytest.raises(errors.NotFound):
            c.delete(CMS, "a")


def test_lists_pages_tables_and_watch(apiserver: APIServerProcess, ns: str) -> None:
    with Client(ClientConfig(server=apiserver.url, namespace=ns)) as c:
        for i in range(7):
            c.create(CMS, manifest("configmaps", f"cm{i}", labels={"even": str(i % 2 == 0)}))
        page = c.list(CMS, ns, limit=3)
        assert len(page["items"]) == 3 and page["metadata"]["continue"]
        items, rv = c.list_all(CMS, ns, limit=2)
        assert sorted(i["metadata"]["name"] for i in items) == [f"cm{i}" for i in range(7)]
        assert int(rv) > 0
        evens, _ = c.list_all(CMS, ns, label_selector="even=True")
        assert len(evens) == 4
        everywhere = c.list(CMS)  # all namespaces
        assert {i["metadata"]["namespace"] for i in everywhere["items"]} >= {ns}

        table = c.get_table(CMS, ns)
        assert table["kind"] == "Table" and len(table["rows"]) == 7
        assert table["columnDefinitions"][0]["name"] == "Name"

        c.patch(CMS, "cm0", {"data": {"x": "1"}})
        seen = []
        for ev in c.watch(CMS, ns, resource_version=rv, timeout_seconds=5):
            if ev["type"] != "BOOKMARK":
                seen.append((ev["type"], ev["object"]["metadata"]["name"]))
                break
        assert seen == [("MODIFIED", "cm0")]
        assert any(r["groupVersion"] == "apps/v1" for r in c.discovery())
        assert "gitVersion" in c.version()


def test_async_client_crud(apiserver: APIServerProcess, ns: str) -> None:
    async def main() -> None:
        async with AsyncClient(ClientConfig(server=apiserver.url, namespace=ns)) as c:
            created = await c.create(CMS, manifest("configmaps", "a"))
            with pytest.raises(errors.AlreadyExists):
                await c.create(CMS, manifest("configmaps", "a"))
            patched = await c.patch(CMS, "a", {"data": {"z": "1"}})
            assert patched["data"]["z"] == "1"
            with pytest.raises(errors.Conflict):
                await c.update(CMS, created)
            items, rv = await c.list_all(CMS, ns)
            assert [i["metadata"]["name"] for i in items] == ["a"]
            watch = c.watch(CMS, ns, resource_version=rv, timeout_seconds=5)
            await c.delete(CMS, "a")
            async for ev in watch:
                if ev["type"] == "DELETED":
                    break
            await watch.aclose()
            with pytest.raises(errors.NotFound):
                await c.get(CMS, "a")

    asyncio.run(main())


def test_retries_ride_out_an_api_server_restart(fresh_apiserver: APIServerProcess) -> None:
    config = ClientConfig(server=fresh_apiserver.url, namespace="default")
    with Client(config, retries=40, backoff=0.05, max_backoff=0.5) as c:
        c.create(CMS, manifest("configmaps", "before-restart"))
        fresh_apiserver.stop()
        with Client(config, retries=0) as once, pytest.raises(Unreachable) as info:
            once.get(CMS, "before-restart")
        assert str(info.value) == (
            f"cannot reach the API server at {fresh_apiserver.url}: connection refused"
        )
        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            time.sleep(seconds)

        c._sleep = sleep
        starter = threading.Thread(target=fresh_apiserver.start)
        starter.start()
        try:
            # Both calls are made while the server is (most likely) still down; they
            # retry until it answers. POST is retried because the connection was refused.
            assert c.get(CMS, "before-restart")["metadata"]["name"] == "before-restart"
            assert c.create(CMS, manifest("configmaps", "after-restart"))["metadata"]["uid"]
        finally:
            starter.join()
        assert waits, "the server came back before the client asked: nothing was retried"


def test_async_retries_ride_out_an_api_server_restart(fresh_apiserver: APIServerProcess) -> None:
    async def main() -> None:
        config = ClientConfig(server=fresh_apiserver.url)
        async with AsyncClient(config, retries=40, backoff=0.05, max_backoff=0.5) as c:
            await c.create(CMS, manifest("configmaps", "async-restart"))
            fresh_apiserver.stop()
            starter = asyncio.create_task(asyncio.to_thread(fresh_apiserver.start))
            got = await c.get(CMS, "async-restart")
            assert got["metadata"]["name"] == "async-restart"
            await starter

    asyncio.run(main())
