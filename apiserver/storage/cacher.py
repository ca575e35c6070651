"""The watch cache: one etcd watch per resource, fanned out to every HTTP watcher.

Concurrency model: everything runs on the API server's event loop. `WatchCache.run()` is one
task per resource that lists the prefix once, then watches etcd from the next revision and
applies each event to an in-memory map (`objects`) and a bounded ring buffer (`buffer`).
Applying an event and handing it to subscribers happens without an `await` in between, so a
subscriber that registers and replays the buffer in one synchronous step can neither miss an
event nor see one twice.

Every event in the buffer has a revision greater than `start_rv`; a watch that asks to start
at an older revision is served by a dedicated etcd watch (`etcd_events`) which etcd itself
answers with "compacted" when the history is gone, and the HTTP layer turns that into
410 Gone. A subscriber whose queue overflows (a client that stopped reading) is closed; it
reconnects from the last version it saw, like any Kubernetes client.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from collections.abc import AsyncIterator, Callable
from typing import Any

from minik8s.api.canonical import RESOURCE_VERSION_FOLLOWS
from minik8s.api.resources import ResourceInfo

from .etcd import Compacted, Etcd, EtcdError, Event
from .store import Store, decode

log = logging.getLogger(__name__)

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"

# Where resourceVersion goes in JSON the API server stored (`store.encode`: compact,
# canonical order, so maybe kind and apiVersion first): after the metadata keys that
# precede it (name, ..., uid), whose string values carry no quotes or escapes. Group 1:
# such a key that ends the metadata (the version then follows it after a comma).
_FOLLOWS = b"|".join(k.encode() for k in RESOURCE_VERSION_FOLLOWS)
_VERSION_AT = re.compile(
    rb'\{(?:"(?:apiVersion|kind)":"[^"\\]*",){0,2}"metadata":\{'
    rb'(?:"(?:' + _FOLLOWS + rb')":"[^"\\]*",)*'
    rb'("(?:' + _FOLLOWS + rb')":"[^"\\]*"(?=\}))?'
)
_FOLLOWS_KEY = re.compile(rb'"(?:' + _FOLLOWS + rb')":')


class CacheEvent:
    """A change as clients see it; `obj` and `prev` are shared and must never be mutated.

    The JSON is decoded on first use: a write nobody watches costs no decoding here.
    """

    __slots__ = (
        "type",
        "rv",
        "key",
        "_value",
        "_prev_value",
        "_prev_rv",
        "_obj",
        "_prev",
        "encoded",
    )

    def __init__(
        self,
        type: str,
        rv: int,
        key: bytes = b"",
        *,
        value: bytes | None = None,
        prev_value: bytes | None = None,
        prev_rv: int = 0,
        obj: dict[str, Any] | None = None,
    ) -> None:
        self.type = type
        self.rv = rv
        self.key = key
        self._value = value
        self._prev_value = prev_value
        self._prev_rv = prev_rv
        self._obj = obj
        self._prev: dict[str, Any] | None = None
        self.encoded: dict[str, bytes] = {}  # watch lines by event type

    @property
    def obj(self) -> dict[str, Any]:
        if self._obj is None:
            raw = self._value if self.type != DELETED else self._prev_value
            # A deleted object is its last state, stamped with the revision of its deletion.
            self._obj = decode(raw, self.rv) if raw else {"metadata": {}}
        return self._obj

    def watch_line(self, etype: str) -> bytes | None:
        """The watch line of this event's object built from the stored JSON, with the
        resourceVersion spliced into its metadata: a plain watch then sends an event without
        decoding or encoding the object (the stored JSON is what encoding `obj` gives, but
        for that field). None when the stored JSON does not have the expected shape."""
        raw = self._value if self.type != DELETED else self._prev_value
        if not raw or b'"resourceVersion":"' in raw:
            return None
        found = _VERSION_AT.match(raw)
        if found is None:
            return None
        at = found.end()
        version = b'"resourceVersion":"%d"' % self.rv
        if found.group(1) is not None:
            version = b"," + version
        elif _FOLLOWS_KEY.match(raw, at) is not None:
            return None  # a value with an escape: leave the placing to decoding
        elif raw[at : at + 1] != b"}":
            version += b","
        head = b'{"type":"' + etype.encode() + b'","object":'
        return head + raw[:at] + version + raw[at:] + b"}\n"

    @property
    def prev(self) -> dict[str, Any] | None:
        if self._prev is None and self._prev_value:
            self._prev = decode(self._prev_value, self._prev_rv)
        return self._prev


def to_cache_event(ev: Event) -> CacheEvent:
    prev_value = ev.prev.value if ev.prev else None
    prev_rv = ev.prev.mod_revision if ev.prev else 0
    if ev.deleted:
        kind = DELETED
    elif ev.kv.create_revision == ev.kv.mod_revision:
        kind = ADDED
    else:
        kind = MODIFIED
    return CacheEvent(
        kind,
        ev.kv.mod_revision,
        ev.kv.key,
        value=ev.kv.value,
        prev_value=prev_value,
        prev_rv=prev_rv,
    )


def initial_event(obj: dict[str, Any]) -> CacheEvent:
    """An ADDED event for an object that exists when a watch starts."""
    return CacheEvent(ADDED, 0, obj=obj)


class Subscriber:
    """One watcher's queue. `None` in the queue means the cache closed the watch."""

    def __init__(self, after_rv: int, prefix: bytes | None, maxsize: int) -> None:
        self.after_rv = after_rv
        self.prefix = prefix  # the namespace's key prefix, or None for every namespace
        self.queue: asyncio.Queue[CacheEvent | None] = asyncio.Queue(maxsize)
        self.closed = False

    def offer(self, ev: CacheEvent) -> None:
        if self.closed or ev.rv <= self.after_rv:
            return
        if self.prefix is not None and not ev.key.startswith(self.prefix):
            return
        try:
            self.queue.put_nowait(ev)
        except asyncio.QueueFull:
            log.warning("closing a watch that fell %d events behind", self.queue.maxsize)
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self.queue.put_nowait(None)
        except asyncio.QueueFull:
            # Make room for the end-of-stream marker: the client reconnects anyway.
            self.queue.get_nowait()
            self.queue.put_nowait(None)


class WatchCache:
    """The current objects of one resource and its recent history."""

    def __init__(
        self,
        store: Store,
        info: ResourceInfo,
        *,
        window: int = 10_000,
        subscriber_queue: int = 10_000,
    ) -> None:
        self.store = store
        self.etcd: Etcd = store.etcd
        self.info = info
        self.prefix = store.resource_prefix(info)
        self.objects: dict[bytes, CacheEvent] = {}  # the latest event of every live key
        self.buffer: deque[CacheEvent] = deque()
        self.window = window
        self.subscriber_queue = subscriber_queue
        self.rv = 0
        self.start_rv = 0
        self.ready = asyncio.Event()
        self.subscribers: set[Subscriber] = set()
        self.listeners: list[Callable[[CacheEvent], None]] = []

    async def run(self) -> None:
        """List, then watch forever; relist after compaction, rewatch after a break."""
        backoff = 0.2
        while True:
            try:
                if not self.ready.is_set():
                    await self._relist()
                async for revision, events in self.etcd.watch(self.prefix, self.rv + 1):
                    backoff = 0.2
                    for ev in events:
                        self._apply(to_cache_event(ev))
                    if not events and revision > self.rv:
                        self.rv = revision  # a progress notification
            except asyncio.CancelledError:
                raise
            except Compacted:
                log.warning("watch cache of %s fell behind compaction; relisting", self.info.plural)
                self._reset()
            except EtcdError as e:
                log.warning("watch cache of %s: %s; retrying", self.info.plural, e)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            except Exception:
                log.exception("watch cache of %s failed; relisting", self.info.plural)
                self._reset()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _relist(self) -> None:
        objects: dict[bytes, CacheEvent] = {}
        start: bytes | None = None
        revision = 0
        while True:
            page, more, revision = await self.store.list_page(
                self.info, None, start_after=start, limit=1000, revision=revision
            )
            for key, obj in page:
                objects[key] = CacheEvent(ADDED, 0, key, obj=obj)
            if not more or not page:
                break
            start = page[-1][0]
        self.objects = objects
        self.rv = self.start_rv = revision
        self.buffer.clear()
        self.ready.set()
        log.info(
            "watch cache of %s: %d objects at revision %d", self.info.plural, len(objects), revision
        )

    def _reset(self) -> None:
        """Forget history and close every watcher; they come back with their versions."""
        self.ready.clear()
        for sub in list(self.subscribers):
            sub.close()
        self.subscribers.clear()

    def _apply(self, ev: CacheEvent) -> None:
        if ev.type == DELETED:
            self.objects.pop(ev.key, None)
        else:
            self.objects[ev.key] = ev
        self.rv = ev.rv
        self.buffer.append(ev)
        if len(self.buffer) > self.window:
            self.start_rv = self.buffer.popleft().rv
        for sub in list(self.subscribers):
            sub.offer(ev)
            if sub.closed:
                self.subscribers.discard(sub)
        for listener in self.listeners:
            listener(ev)

    def covers(self, rv: int) -> bool:
        """Whether every event after `rv` is in the buffer (or yet to come)."""
        return self.ready.is_set() and rv >= self.start_rv

    def subscribe(self, after_rv: int, namespace: str | None = None) -> Subscriber:
        """Register a watcher for events after `after_rv`, replaying the buffer first."""
        prefix = self.store.resource_prefix(self.info, namespace) if namespace else None
        sub = Subscriber(after_rv, prefix, self.subscriber_queue)
        if after_rv < self.rv:
            for ev in self.buffer:
                if ev.rv > after_rv:
                    sub.offer(ev)
        if not sub.closed:
            self.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)
        sub.closed = True

    def snapshot(self, namespace: str | None = None) -> tuple[list[dict[str, Any]], int]:
        """The current objects (sorted by key, as etcd lists them) and the cache revision."""
        if namespace:
            prefix = self.store.resource_prefix(self.info, namespace)
            items = [(k, v) for k, v in self.objects.items() if k.startswith(prefix)]
        else:
            items = list(self.objects.items())
        items.sort(key=lambda kv: kv[0])
        return [ev.obj for _, ev in items], self.rv

    def get(self, namespace: str | None, name: str) -> dict[str, Any] | None:
        ev = self.objects.get(self.store.key(self.info, namespace, name))
        return ev.obj if ev is not None else None


async def etcd_events(
    store: Store, info: ResourceInfo, namespace: str | None, after_rv: int
) -> AsyncIterator[CacheEvent]:
    """Events after `after_rv` straight from etcd, for watches older than the cache window."""
    prefix = store.resource_prefix(info, namespace)
    async for _, events in store.etcd.watch(prefix, after_rv + 1, progress_notify=False):
        for ev in events:
            yield to_cache_event(ev)
