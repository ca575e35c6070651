"""The event recorder: core/v1 Events about objects, with repeats folded into one Event.

`await recorder.event(pod, "Warning", "FailedScheduling", "0/3 nodes are available")`
creates an Event in the object's namespace (`default` for cluster-scoped objects, as
Kubernetes does) named `<object name>.<hex nanoseconds>`, with `involvedObject`,
`source.component/host`, `firstTimestamp`, `lastTimestamp` and `count: 1`. The same
(involved object, type, reason, message) again patches that Event — `count + 1` and a new
`lastTimestamp` — instead of creating another; if the Event has gone meanwhile (deleted,
expired), a new one is created. What was recorded is remembered in a bounded LRU, so this
folding is per process, like client-go's.

Recording is best effort: `event()` never raises (a failure is logged), and `emit()` is a
fire-and-forget wrapper for synchronous code (it needs a running event loop).

Concurrency model: coroutines on one event loop; a lock per aggregation key makes
concurrent calls for the same event a create followed by patches, never two creates.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo, lookup
from minik8s.api.times import now_rfc3339

from .rest import AsyncClient

__all__ = ["NORMAL", "WARNING", "EventRecorder", "involved_object"]

log = logging.getLogger(__name__)

NORMAL, WARNING = "Normal", "Warning"

_events = lookup("", "v1", "events")
assert _events is not None
EVENTS: ResourceInfo = _events

_Key = tuple[str, ...]


def involved_object(obj: dict[str, Any]) -> dict[str, Any]:
    """The ObjectReference an Event points at."""
    meta = obj.get("metadata") or {}
    ref = {
        "kind": obj.get("kind", ""),
        "apiVersion": obj.get("apiVersion", ""),
        "namespace": meta.get("namespace", ""),
        "name": meta.get("name", ""),
        "uid": meta.get("uid", ""),
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    return {k: v for k, v in ref.items() if v}


def aggregation_key(ref: dict[str, Any], type_: str, reason: str, message: str) -> _Key:
    """Events with the same key are one Event with a count (resourceVersion not included)."""
    parts = (ref.get(k, "") for k in ("apiVersion", "kind", "namespace", "name", "uid"))
    return (*parts, type_, reason, message)


@dataclass
class _Recorded:
    name: str
    namespace: str
    count: int


class EventRecorder:
    """Writes Events for one component (`source.component`) on one host."""

    def __init__(
        self, client: AsyncClient, component: str, host: str = "", *, cache_size: int = 4096
    ) -> None:
        self.client = client
        self.component = component
        self.host = host
        self.cache_size = cache_size
        self._recorded: OrderedDict[_Key, _Recorded] = OrderedDict()
        self._locks: dict[_Key, tuple[asyncio.Lock, int]] = {}
        self._background: set[asyncio.Task[None]] = set()

    async def event(self, obj: dict[str, Any], type_: str, reason: str, message: str) -> None:
        """Record one occurrence; never raises (failures are logged)."""
        try:
            await self._record(obj, type_, reason, message)
        except Exception as e:
            meta = obj.get("metadata") or {}
            log.warning(
                "could not record event %s %s for %s/%s: %s",
                type_,
                reason,
                meta.get("namespace", ""),
                meta.get("name", ""),
                e,
            )

    def emit(self, obj: dict[str, Any], type_: str, reason: str, message: str) -> None:
        """`event()` in the background, for code that cannot await."""
        task = asyncio.get_running_loop().create_task(self.event(obj, type_, reason, message))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def flush(self) -> None:
        """Wait for the events `emit()` started."""
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def _record(self, obj: dict[str, Any], type_: str, reason: str, message: str) -> None:
        ref = involved_object(obj)
        key = aggregation_key(ref, type_, reason, message)
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await self._write(key, ref, type_, reason, message)
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def _write(
        self, key: _Key, ref: dict[str, Any], type_: str, reason: str, message: str
    ) -> None:
        now = now_rfc3339()
        seen = self._recorded.get(key)
        if seen is not None:
            try:
                await self.client.patch(
                    EVENTS,
                    seen.name,
                    {"count": seen.count + 1, "lastTimestamp": now},
                    seen.namespace,
                )
            except errors.NotFound:
                del self._recorded[key]
            else:
                seen.count += 1
                self._recorded.move_to_end(key)
                return
        namespace = ref.get("namespace") or "default"
        body = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{ref.get('name', 'unknown')}.{time.time_ns():x}",
                "namespace": namespace,
            },
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "type": type_,
            "source": {"component": self.component, **({"host": self.host} if self.host else {})},
            "reportingComponent": self.component,
            "reportingInstance": self.host,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
        }
        created = await self.client.create(EVENTS, body, namespace)
        self._recorded[key] = _Recorded(created["metadata"]["name"], namespace, 1)
        while len(self._recorded) > self.cache_size:
            self._recorded.popitem(last=False)
