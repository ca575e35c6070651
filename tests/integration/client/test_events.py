"""The event recorder against the real API server: repeats fold into one Event."""

from __future__ import annotations

import asyncio

from minik8s.api.resources import resolve
from minik8s.client import AsyncClient, ClientConfig, EventRecorder
from tests.conftest import APIServerProcess
from tests.manifests import manifest

CMS = resolve("configmaps")
EVENTS = resolve("events")
assert CMS and EVENTS


def test_repeated_events_are_aggregated(apiserver: APIServerProcess, ns: str) -> None:
    async def main() -> None:
        async with AsyncClient(ClientConfig(server=apiserver.url, namespace=ns)) as client:
            cm = await client.create(CMS, manifest("configmaps", "subject"))
            recorder = EventRecorder(client, "mk-test", "host-1")
            for _ in range(3):
                await recorder.event(cm, "Warning", "Broken", "it broke")
            await recorder.event(cm, "Normal", "Fixed", "it works again")
            events, _ = await client.list_all(EVENTS, ns)
            by_reason = {e["reason"]: e for e in events}
            assert sorted(by_reason) == ["Broken", "Fixed"]
            broken = by_reason["Broken"]
            assert broken["count"] == 3 and broken["type"] == "Warning"
            assert broken["message"] == "it broke"
            assert broken["involvedObject"]["uid"] == cm["metadata"]["uid"]
            assert broken["involvedObject"]["kind"] == "ConfigMap"
            assert broken["source"] == {"component": "mk-test", "host": "host-1"}
            assert broken["firstTimestamp"] <= broken["lastTimestamp"]
            assert by_reason["Fixed"]["count"] == 1

            # An Event that was deleted meanwhile is created again, not patched.
            await client.delete(EVENTS, broken["metadata"]["name"], ns)
            await recorder.event(cm, "Warning", "Broken", "it broke")
            again, _ = await client.list_all(EVENTS, ns)
            counts = sorted((e["reason"], e["count"]) for e in again)
            assert counts == [("Broken", 1), ("Fixed", 1)]

    asyncio.run(main())
