"""Container stats: CPU and memory from Docker's one-shot stats, per container.

Docker's one-shot sample answers at once (the streaming form waits a second for a
second sample). The instantaneous CPU rate (`usage_nano_cores`) is computed from the
previous sample this shim took of the same container, kept in a small in-memory map:
after a restart the first sample has no rate, which CRI allows (the field is optional).

Concurrency: ListContainerStats samples the containers in parallel on the Docker worker
pool; the map is only touched from the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from docker import APIClient

from cridocker import labels as lbl
from cridocker import objects, views
from cridocker.backend import Docker
from cridocker.errors import CRIError, is_not_found, not_found
from minik8s.cri import cri_pb2 as pb

_KEEP = 4096  # samples remembered (containers), oldest dropped first


def nano_cores(previous: tuple[int, int] | None, timestamp: int, usage: int) -> int | None:
    """CPU use in nanocores between two (timestamp ns, cumulative cpu ns) samples."""
    if previous is None:
        return None
    then, used = previous
    if timestamp <= then or usage < used:
        return None
    return (usage - used) * 1_000_000_000 // (timestamp - then)


class Stats:
    """ContainerStats and ListContainerStats (see module doc)."""

    def __init__(self, docker: Docker, instance: str) -> None:
        self.docker = docker
        self.instance = instance
        self._previous: dict[str, tuple[int, int]] = {}

    async def one(self, container_id: str) -> pb.ContainerStats:
        if not container_id:
            raise not_found("container ID is required")
        filters = objects.list_filters(self.instance, lbl.CONTAINER, object_id=container_id)
        found = await objects.list_summaries(self.docker, lbl.CONTAINER, filters)
        if not found:
            raise not_found(f"container {container_id!r} not found")
        exact = [s for s in found if s["Id"] == container_id] or found
        return await self._sample(exact[0])

    async def list(self, flt: pb.ContainerStatsFilter) -> list[pb.ContainerStats]:
        extra = {lbl.SANDBOX_ID: flt.pod_sandbox_id} if flt.pod_sandbox_id else None
        filters = objects.list_filters(
            self.instance,
            lbl.CONTAINER,
            object_id=flt.id,
            selector=flt.label_selector,
            extra_labels=extra,
            status="running",
        )
        found = await objects.list_summaries(self.docker, lbl.CONTAINER, filters)
        results = await asyncio.gather(*(self._sample(s) for s in found), return_exceptions=True)
        out = []
        for result in results:
            if isinstance(result, CRIError) and is_not_found(result):
                continue  # removed while we sampled
            if isinstance(result, BaseException):
                raise result
            out.append(result)
        return out

    async def _sample(self, summary: dict[str, Any]) -> pb.ContainerStats:
        cid = str(summary["Id"])

        def run(api: APIClient) -> dict[str, Any]:
            raw: dict[str, Any] = api.stats(cid, stream=False, one_shot=True)
            return raw

        raw = await self.docker.call("stats", run, f"stats of container {cid}")
        timestamp = views.parse_time(raw.get("read"))
        usage = int(((raw.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage", 0))
        rate = nano_cores(self._previous.get(cid), timestamp, usage)
        if timestamp:
            self._previous.pop(cid, None)
            self._previous[cid] = (timestamp, usage)
            while len(self._previous) > _KEEP:
                self._previous.pop(next(iter(self._previous)))
        return views.container_stats(raw, summary, rate)
