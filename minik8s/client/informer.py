"""Shared informers: a local, indexed cache of one resource, kept current by a reflector,
and the handlers (add / update / delete) that controllers hang on it.

    API server ──list/watch──► Reflector ──► SharedInformer ──► Indexer (the cache)
                                                    └──────► handlers: on_add(obj),
                                                             on_update(old, new), on_delete(obj)

What handlers see:
- every object that appears: one `on_add`; every change: one `on_update(old, new)` with a
  new resourceVersion (a repeated version is dropped, except the periodic resync, which
  calls `on_update(obj, obj)` for every cached object); every object that vanishes: one
  `on_delete`.
- After a relist (a 410 Gone, i.e. the watch could not resume) the new list is diffed
  against the cache: new objects → `on_add`, changed → `on_update`, missing → `on_delete`
  with the *last known* state of the object (its real final state was never seen).
- A handler added after the informer has synced first gets `on_add` for everything cached.

Objects in the cache and handed to handlers are shared and **read-only**: never mutate
them; take `copy_of(obj)` to change something and write it back through the API.

Concurrency model: an informer is one asyncio task (`run()`); the reflector's callbacks
update the cache and then call the handlers, one at a time in event order, awaiting
handlers that return awaitables (keep them quick: enqueue a key, nothing more). The
`Indexer` guards its dict and indexes with a lock, so other threads (and other tasks) may
read it at any time; only the informer writes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from minik8s.api.resources import ResourceInfo

from .watch import DELETED, ListerWatcher, Reflector, call_maybe_async, resource_version

__all__ = [
    "LABEL_INDEX",
    "NAMESPACE_INDEX",
    "NODE_NAME_INDEX",
    "OWNER_INDEX",
    "Indexer",
    "InformerFactory",
    "SharedInformer",
    "Store",
    "copy_of",
    "key_of",
    "split_key",
]

log = logging.getLogger(__name__)

Obj = dict[str, Any]
Objects = list[Obj]  # `list` is a method name of Indexer, so its annotations use these
Keys = list[str]
IndexFunc = Callable[[Obj], Iterable[str]]

NAMESPACE_INDEX = "namespace"
NODE_NAME_INDEX = "nodeName"
OWNER_INDEX = "owner"
LABEL_INDEX = "label"


def key_of(obj: Obj) -> str:
    """The cache key: `namespace/name`, or `name` for a cluster-scoped object."""
    meta = obj.get("metadata") or {}
    ns, name = meta.get("namespace"), meta.get("name", "")
    return f"{ns}/{name}" if ns else str(name)


def split_key(key: str) -> tuple[str, str]:
    """`(namespace, name)` of a key; the namespace is "" for cluster-scoped objects."""
    ns, _, name = key.rpartition("/")
    return ns, name


def copy_of(obj: Obj) -> Obj:
    """A private deep copy of a cached object, for code that wants to change it."""
    return copy.deepcopy(obj)


def _by_namespace(obj: Obj) -> Iterable[str]:
    ns = (obj.get("metadata") or {}).get("namespace")
    return [ns] if ns else []


def _by_node_name(obj: Obj) -> Iterable[str]:
    node = (obj.get("spec") or {}).get("nodeName")
    return [node] if node else []


def _by_owner(obj: Obj) -> Iterable[str]:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [r["uid"] for r in refs if r.get("uid")]


def _by_label(obj: Obj) -> Iterable[str]:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return [f"{k}={v}" for k, v in labels.items()]


DEFAULT_INDEXERS: dict[str, IndexFunc] = {
    NAMESPACE_INDEX: _by_namespace,
    NODE_NAME_INDEX: _by_node_name,
    OWNER_INDEX: _by_owner,
    LABEL_INDEX: _by_label,
}


@dataclass
class Diff:
    """What a `replace()` changed."""

    added: Objects = field(default_factory=list)
    updated: list[tuple[Obj, Obj]] = field(default_factory=list)
    deleted: Objects = field(default_factory=list)


class Indexer:
    """A thread-safe cache of objects by key, with secondary indexes.

    Indexes map a value to the keys of the objects an index function gives it for:
    `namespace`, `nodeName` (`spec.nodeName`), `owner` (every `ownerReferences[].uid`),
    `label` (`key=value` for each label); `add_indexer()` adds more.
    Objects handed out are the cached ones: read-only (see `copy_of`).
    """

    def __init__(self, indexers: Mapping[str, IndexFunc] | None = None) -> None:
        self._lock = threading.RLock()
        self._items: dict[str, Obj] = {}
        self._indexers: dict[str, IndexFunc] = dict(
            DEFAULT_INDEXERS if indexers is None else indexers
        )
        self._indices: dict[str, dict[str, set[str]]] = {n: {} for n in self._indexers}

    # -- reading ---------------------------------------------------------------------
    def get(self, key: str) -> Obj | None:
        with self._lock:
            return self._items.get(key)

    def get_by_name(self, namespace: str | None, name: str) -> Obj | None:
        return self.get(f"{namespace}/{name}" if namespace else name)

    def list(self) -> Objects:
        with self._lock:
            return [*self._items.values()]

    def keys(self) -> Keys:
        with self._lock:
            return [*self._items]

    def by_index(self, index_name: str, value: str) -> Objects:
        with self._lock:
            keys = self._index(index_name).get(value, ())
            return [self._items[k] for k in sorted(keys)]

    def index_keys(self, index_name: str, value: str) -> Keys:
        with self._lock:
            return sorted(self._index(index_name).get(value, ()))

    def index_values(self, index_name: str) -> Keys:
        """The values the index currently has entries for."""
        with self._lock:
            return sorted(self._index(index_name))

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    # -- writing (the informer's) ----------------------------------------------------
    def add_indexer(self, name: str, fn: IndexFunc) -> None:
        with self._lock:
            self._indexers[name] = fn
            self._indices[name] = {}
            for key, obj in self._items.items():
                self._index_one(name, key, obj)

    def upsert(self, obj: Obj) -> Obj | None:
        """Store `obj`; returns what was stored under its key before, if anything."""
        key = key_of(obj)
        with self._lock:
            old = self._items.get(key)
            if old is not None:
                self._unindex(key, old)
            self._items[key] = obj
            for name in self._indexers:
                self._index_one(name, key, obj)
            return old

    def delete(self, key: str) -> Obj | None:
        """Remove a key; returns the object it held, if any."""
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._unindex(key, old)
            return old

    def replace(self, items: Iterable[Obj]) -> Diff:
        """Make the cache exactly `items`; returns the difference to what it held."""
        diff = Diff()
        with self._lock:
            fresh = {key_of(o): o for o in items}
            for key in [k for k in self._items if k not in fresh]:
                old = self.delete(key)
                assert old is not None
                diff.deleted.append(old)
            for obj in fresh.values():
                old = self.upsert(obj)
                if old is None:
                    diff.added.append(obj)
                elif resource_version(old) != resource_version(obj):
                    diff.updated.append((old, obj))
        return diff

    def _index(self, name: str) -> dict[str, set[str]]:
        try:
            return self._indices[name]
        except KeyError:
            raise KeyError(f"no index named {name!r}") from None

    def _index_one(self, name: str, key: str, obj: Obj) -> None:
        index = self._indices[name]
        for value in self._indexers[name](obj):
            index.setdefault(value, set()).add(key)

    def _unindex(self, key: str, obj: Obj) -> None:
        for name, fn in self._indexers.items():
            index = self._indices[name]
            for value in fn(obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]


Store = Indexer

OnAdd = Callable[[Obj], Any]
OnUpdate = Callable[[Obj, Obj], Any]
OnDelete = Callable[[Obj], Any]


@dataclass(frozen=True)
class Handler:
    on_add: OnAdd | None = None
    on_update: OnUpdate | None = None
    on_delete: OnDelete | None = None


class SharedInformer:
    """One resource (namespace, selectors) cached and watched; see the module docstring."""

    def __init__(
        self,
        client: ListerWatcher,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resync_period: float = 0,
        indexers: Mapping[str, IndexFunc] | None = None,
    ) -> None:
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.resync_period = resync_period
        self.store = Indexer(indexers)
        self.reflector = Reflector(
            client,
            resource,
            namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            on_replace=self._on_replace,
            on_event=self._on_event,
        )
        self._handlers: list[Handler] = []
        self._synced = False
        self._synced_event = asyncio.Event()
        self._running = False
        self._replays: set[asyncio.Task[None]] = set()

    @property
    def name(self) -> str:
        return self.reflector.name

    def add_handler(
        self,
        on_add: OnAdd | None = None,
        on_update: OnUpdate | None = None,
        on_delete: OnDelete | None = None,
    ) -> Handler:
        """Register handlers (sync callables, or ones returning awaitables).

        Call it from the informer's event loop thread (or before the loop runs). If the
        informer has already synced, `on_add` is called at once for every cached object
        (awaitables it returns are awaited in a background task).
        """
        handler = Handler(on_add, on_update, on_delete)
        self._handlers.append(handler)
        if self._synced and on_add is not None:
            pending = []
            for obj in self.store.list():
                try:
                    result = on_add(obj)
                except Exception:
                    log.exception("%s: on_add handler failed for %s", self.name, key_of(obj))
                    continue
                if inspect.isawaitable(result):
                    pending.append(result)
            if pending:
                task = asyncio.ensure_future(_await_all(pending))
                self._replays.add(task)
                task.add_done_callback(self._replays.discard)
        return handler

    def remove_handler(self, handler: Handler) -> None:
        with contextlib.suppress(ValueError):
            self._handlers.remove(handler)

    def has_synced(self) -> bool:
        """True once the first full list is in the cache (and stays true)."""
        return self._synced

    async def wait_synced(self, timeout: float) -> bool:
        if self._synced:
            return True
        try:
            await asyncio.wait_for(self._synced_event.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def last_sync_resource_version(self) -> str:
        return self.reflector.last_resource_version

    async def run(self) -> None:
        """List, watch and dispatch until cancelled."""
        if self._running:
            raise RuntimeError(f"informer {self.name} is already running")
        self._running = True
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self.reflector.run(), name=f"reflector {self.name}")
                if self.resync_period > 0:
                    tasks.create_task(self._resync_loop(), name=f"resync {self.name}")
        finally:
            self._running = False

    # -- the reflector's callbacks -----------------------------------------------------
    async def _on_replace(self, items: Objects, rv: str) -> None:
        diff = self.store.replace(items)
        if self._synced:
            log.info(
                "%s: relisted at %s: %d added, %d changed, %d gone while not watching",
                self.name,
                rv,
                len(diff.added),
                len(diff.updated),
                len(diff.deleted),
            )
        for obj in diff.added:
            await self._dispatch_add(obj)
        for old, new in diff.updated:
            await self._dispatch_update(old, new)
        for old in diff.deleted:
            await self._dispatch_delete(old)
        self._synced = True
        self._synced_event.set()

    async def _on_event(self, etype: str, obj: Obj) -> None:
        if etype == DELETED:
            if self.store.delete(key_of(obj)) is not None:
                await self._dispatch_delete(obj)
            return
        old = self.store.upsert(obj)
        if old is None:
            await self._dispatch_add(obj)
        elif resource_version(old) != resource_version(obj):
            await self._dispatch_update(old, obj)

    async def _resync_loop(self) -> None:
        await self._synced_event.wait()
        loop = asyncio.get_running_loop()
        next_at = loop.time() + self.resync_period
        while True:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            next_at += self.resync_period
            for obj in self.store.list():
                await self._dispatch_update(obj, obj)

    # -- handler calls ------------------------------------------------------------------
    async def _dispatch_add(self, obj: Obj) -> None:
        for h in [*self._handlers]:
            if h.on_add is not None:
                await self._call("on_add", h.on_add, obj)

    async def _dispatch_update(self, old: Obj, new: Obj) -> None:
        for h in [*self._handlers]:
            if h.on_update is not None:
                await self._call("on_update", h.on_update, old, new)

    async def _dispatch_delete(self, obj: Obj) -> None:
        for h in [*self._handlers]:
            if h.on_delete is not None:
                await self._call("on_delete", h.on_delete, obj)

    async def _call(self, what: str, fn: Callable[..., Any], *args: Obj) -> None:
        try:
            await call_maybe_async(fn, *args)
        except Exception:
            log.exception("%s: %s handler failed for %s", self.name, what, key_of(args[-1]))


async def _await_all(pending: list[Awaitable[Any]]) -> None:
    for p in pending:
        try:
            await p
        except Exception:
            log.exception("an on_add handler failed during replay")


class InformerFactory:
    """One informer per (resource, namespace, selectors) per process, started together."""

    def __init__(self, client: ListerWatcher, resync_period: float = 0) -> None:
        self.client = client
        self.resync_period = resync_period
        self._informers: dict[tuple[str, str, str, str, str], SharedInformer] = {}
        self._tasks: dict[tuple[str, str, str, str, str], asyncio.Task[None]] = {}

    def informer(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        resync_period: float | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
    ) -> SharedInformer:
        """The shared informer for this resource and scope (created on first request;
        `resync_period` and `indexers` only count then)."""
        key = (
            resource.group_resource,
            resource.version,
            namespace or "",
            label_selector or "",
            field_selector or "",
        )
        informer = self._informers.get(key)
        if informer is None:
            informer = SharedInformer(
                self.client,
                resource,
                namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                resync_period=self.resync_period if resync_period is None else resync_period,
                indexers=indexers,
            )
            self._informers[key] = informer
        return informer

    @property
    def informers(self) -> list[SharedInformer]:
        return [*self._informers.values()]

    async def start(self) -> None:
        """Start every informer not yet running (call again after asking for more)."""
        for key, informer in self._informers.items():
            if key not in self._tasks:
                self._tasks[key] = asyncio.create_task(
                    informer.run(), name=f"informer {informer.name}"
                )

    async def stop(self) -> None:
        tasks = [*self._tasks.values()]
        self._tasks.clear()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def has_synced(self) -> bool:
        return all(i.has_synced() for i in self._informers.values())

    async def wait_synced(self, timeout: float) -> bool:
        """True if every informer synced within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        for informer in [*self._informers.values()]:
            if not await informer.wait_synced(max(0.0, deadline - time.monotonic())):
                return False
        return True
