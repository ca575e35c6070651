"""The event recorder's aggregation against a fake client that records the writes."""

from __future__ import annotations

import asyncio
from typing import Any

from minik8s.api import errors
from minik8s.client import EventRecorder
from minik8s.client.events import involved_object

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web-1", "namespace": "shop", "uid": "u-1", "resourceVersion": "7"},
}
NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "uid": "u-n"}}


class FakeEvents:
    def __init__(self) -> None:
        self.writes: list[tuple[str, str, Any]] = []
        self.events: dict[str, dict[str, Any]] = {}
        self.fail: Exception | None = None

    async def create(self, resource: Any, obj: dict[str, Any], namespace: str) -> Any:
        await asyncio.sleep(0)  # let concurrent callers interleave
        if self.fail:
            raise self.fail
        self.writes.append(("create", namespace, obj))
        self.events[obj["metadata"]["name"]] = dict(obj)
        return obj

    async def patch(self, resource: Any, name: str, patch: Any, namespace: str) -> Any:
        if name not in self.events:
            raise errors.NotFound(f'events "{name}" not found')
        self.writes.append(("patch", namespace, patch))
        self.events[name].update(patch)
        return self.events[name]


def recorder(api: FakeEvents) -> EventRecorder:
    return EventRecorder(api, "mk-scheduler", "host-a")  # type: ignore[arg-type]


def test_repeats_are_one_event_with_a_count() -> None:
    async def scenario() -> None:
        api = FakeEvents()
        rec = recorder(api)
        for _ in range(3):
            await rec.event(POD, "Warning", "FailedScheduling", "0/1 nodes are available")
        await rec.event(POD, "Warning", "FailedScheduling", "0/2 nodes are available")
        kinds = [w[0] for w in api.writes]
        assert kinds == ["create", "patch", "patch", "create"]
        first = api.writes[0][2]
        assert first["involvedObject"] == {
            "kind": "Pod",
            "apiVersion": "v1",
            "namespace": "shop",
            "name": "web-1",
            "uid": "u-1",
            "resourceVersion": "7",
        }
        assert first["metadata"]["name"].startswith("web-1.")
        assert first["source"] == {"component": "mk-scheduler", "host": "host-a"}
        assert (first["type"], first["reason"], first["count"]) == (
            "Warning",
            "FailedScheduling",
            1,
        )
        assert [w[2]["count"] for w in api.writes[1:3]] == [2, 3]
        assert set(api.writes[2][2]) == {"count", "lastTimestamp"}

    asyncio.run(scenario())


def test_cluster_scoped_objects_get_events_in_default_and_gone_events_are_recreated() -> None:
    async def scenario() -> None:
        api = FakeEvents()
        rec = recorder(api)
        await rec.event(NODE, "Normal", "NodeReady", "ready")
        assert api.writes[0][1] == "default"
        assert "namespace" not in involved_object(NODE)
        api.events.clear()  # the Event expired
        await rec.event(NODE, "Normal", "NodeReady", "ready")
        assert [w[0] for w in api.writes] == ["create", "create"]

    asyncio.run(scenario())


def test_concurrent_repeats_create_once_and_failures_never_raise() -> None:
    async def scenario() -> None:
        api = FakeEvents()
        rec = recorder(api)
        await asyncio.gather(*(rec.event(POD, "Normal", "Pulled", "pulled") for _ in range(5)))
        assert [w[0] for w in api.writes] == ["create"] + ["patch"] * 4
        api.fail = errors.ServiceUnavailable("api down")
        await rec.event(POD, "Normal", "Other", "x")  # logged, not raised
        rec.emit(POD, "Normal", "Other", "y")
        await rec.flush()

    asyncio.run(scenario())
