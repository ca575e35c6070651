"""The one storage interface of the API server: each read is served from the watch cache
or from etcd by the request's resourceVersion, never by the caller's choice.

Kubernetes puts its Cacher behind the storage interface for the same reason; the rules
are its resourceVersion semantics:

- get: `""` reads etcd (the most recent version); `"0"` takes the cache's copy (any
  version) and reads etcd only when the cache does not hold the object;
- list: `"0"` without `limit`/`continue` is the cache's snapshot; anything else reads
  etcd, every page at the same revision;
- watch: `""` starts with a consistent list from etcd; `"0"` with the cache's snapshot;
  `N` replays from the cache's window, or from etcd's own history when N is older (etcd
  answers "compacted" when it is gone, and the client gets 410);
- `guaranteed_update` (Kubernetes' GuaranteedUpdate with a cached suggestion) may start
  from the cache's copy and write only if etcd still holds that revision: one etcd
  transaction instead of a read and a transaction. A conflict, or a refusal the update
  function computed from a cached copy, is retried from etcd, so no answer is ever decided
  on a stale cache alone.

Concurrency: everything runs on the API server's event loop; objects the cache hands out
are shared with every watcher and are never mutated here (updates work on copies).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from minik8s.api import errors
from minik8s.api.kind import ResourceInfo

from ..pagination import decode_continue, encode_continue
from .cacher import CacheEvent, Subscriber, WatchCache, etcd_events, initial_event
from .etcd import Compacted, Etcd
from .store import Store, conflict

Obj = dict[str, Any]
Match = Callable[[Obj], bool]
# An update function: the object as it should be stored, from the current one (a copy the
# function may change). It raises an APIError to refuse.
Mutate = Callable[[Obj], Obj | Awaitable[Obj]]


@dataclass
class ListResult:
    items: list[Obj]
    resource_version: int
    continue_token: str = ""


@dataclass
class Preconditions:
    """What the stored object must still be for a write to proceed (409 otherwise)."""

    uid: str | None = None
    resource_version: str | None = None

    def check(self, info: ResourceInfo, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        name = str(meta.get("name") or "")
        if self.uid and self.uid != meta.get("uid"):
            raise errors.Conflict(
                f"Precondition failed: UID in precondition: {self.uid}, UID in object meta: "
                f"{meta.get('uid')}",
                name=name,
                group=info.group,
                kind=info.plural,
            )
        if self.resource_version and self.resource_version != meta.get("resourceVersion"):
            raise errors.Conflict(
                f"Precondition failed: ResourceVersion in precondition: {self.resource_version}, "
                f"ResourceVersion in object meta: {meta.get('resourceVersion')}",
                name=name,
                group=info.group,
                kind=info.plural,
            )


@dataclass
class WatchFeed:
    """Where one watch's events come from: initial ADDED events, then the cache's
    subscriber or, for a version older than the cache's window, etcd's own watch."""

    cache: WatchCache
    initial: list[CacheEvent]
    last_rv: int
    sub: Subscriber | None = None
    direct: AsyncIterator[CacheEvent] | None = field(default=None, repr=False)

    async def next(self, timeout: float) -> CacheEvent | None:
        """The next event, or None at the end of the stream; TimeoutError when idle."""
        if self.sub is not None:
            return await asyncio.wait_for(self.sub.queue.get(), timeout)
        assert self.direct is not None
        return await asyncio.wait_for(anext(self.direct, None), timeout)

    def queued(self) -> tuple[bool, CacheEvent | None]:
        """(True, an event already waiting or None at the end of the stream), or
        (False, None) when nothing is waiting."""
        if self.sub is None or self.sub.queue.empty():
            return False, None
        return True, self.sub.queue.get_nowait()

    def current_rv(self) -> int:
        """The newest revision this watch is known to be complete up to (for bookmarks)."""
        return max(self.last_rv, self.cache.rv if self.sub is not None else 0)

    def close(self) -> None:
        if self.sub is not None:
            self.cache.unsubscribe(self.sub)
            self.sub = None

    async def aclose(self) -> None:
        if self.direct is not None:
            await self.direct.aclose()  # type: ignore[attr-defined]
            self.direct = None
        self.close()


class CachedStorage:
    """Reads by resourceVersion (cache or etcd), writes through the store."""

    def __init__(self, store: Store, caches: Iterable[WatchCache]) -> None:
        self.store = store
        self.caches: dict[ResourceInfo, WatchCache] = {c.info: c for c in caches}

    @property
    def etcd(self) -> Etcd:
        return self.store.etcd

    def add_cache(self, cache: WatchCache) -> None:
        self.caches[cache.info] = cache

    def cache(self, info: ResourceInfo) -> WatchCache | None:
        """The kind's watch cache when it has synced, else None."""
        cache = self.caches.get(info)
        return cache if cache is not None and cache.ready.is_set() else None

    def synced(self) -> bool:
        return all(c.ready.is_set() for c in self.caches.values())

    # reads ---------------------------------------------------------------------------
    async def get(
        self, info: ResourceInfo, namespace: str | None, name: str, resource_version: str = ""
    ) -> Obj:
        """One object; the cache's copy is shared: never change it (see `editable`)."""
        if resource_version == "0":
            cache = self.cache(info)
            cached = cache.get(namespace, name) if cache is not None else None
            if cached is not None:
                return cached
        return await self.store.get(info, namespace, name)

    async def list(
        self,
        info: ResourceInfo,
        namespace: str | None,
        match: Match | None = None,
        *,
        limit: int = 0,
        continue_token: str = "",
        resource_version: str = "",
    ) -> ListResult:
        cache = self.cache(info)
        if resource_version == "0" and not continue_token and not limit and cache is not None:
            cached, rv = cache.snapshot(namespace)
            return ListResult([o for o in cached if match is None or match(o)], rv)
        start: bytes | None = None
        revision = 0
        if continue_token:
            start, revision = decode_continue(continue_token)
            if not start.startswith(self.store.resource_prefix(info, namespace)):
                raise errors.BadRequest("the continue token does not belong to this list")
        elif resource_version not in ("", "0"):
            try:
                revision = int(resource_version)
            except ValueError:
                raise errors.BadRequest(f"invalid resourceVersion: {resource_version}") from None
            if limit == 0:
                revision = 0  # "not older than": the latest read satisfies it
        items: list[Obj] = []
        page_size = max(limit, 100) if limit else 0
        try:
            while True:
                page, more, revision = await self.store.list_page(
                    info, namespace, start_after=start, limit=page_size, revision=revision
                )
                for idx, (key, obj) in enumerate(page):
                    if match is not None and not match(obj):
                        continue
                    items.append(obj)
                    if limit and len(items) == limit:
                        rest = more or idx < len(page) - 1
                        token = encode_continue(key, revision) if rest else ""
                        return ListResult(items, revision, token)
                if not more or not page:
                    return ListResult(items, revision)
                start = page[-1][0]
        except Compacted:
            raise errors.Gone(
                "The provided continue parameter is too old to display a consistent list "
                "result. You can start a new list without the continue parameter."
            ) from None

    async def watch(
        self, info: ResourceInfo, namespace: str | None, rv: int, match: Match | None = None
    ) -> WatchFeed:
        """Open a watch from `rv` (-1: "most recent", 0: "any"). Raises Compacted or Gone
        when etcd no longer has that version."""
        cache = self.caches[info]
        if rv == -1:
            listed = await self.list(info, namespace, match)
            initial = [initial_event(o) for o in listed.items]
            after = listed.resource_version
        elif rv == 0:
            await asyncio.wait_for(cache.ready.wait(), 10)
            items, after = cache.snapshot(namespace)
            initial = [initial_event(o) for o in items if match is None or match(o)]
        else:
            await self.etcd.check_revision(rv)
            initial, after = [], rv
        feed = WatchFeed(cache, initial, after)
        if cache.covers(after):
            feed.sub = cache.subscribe(after, namespace)
        else:
            feed.direct = etcd_events(self.store, info, namespace, after)
        return feed

    # writes --------------------------------------------------------------------------
    async def create(
        self,
        info: ResourceInfo,
        obj: Obj,
        *,
        extra_compare: Sequence[Any] = (),
        extra_ops: Sequence[Any] = (),
    ) -> Obj | None:
        return await self.store.create(info, obj, extra_compare=extra_compare, extra_ops=extra_ops)

    async def update(
        self,
        info: ResourceInfo,
        obj: Obj,
        expected_revision: int,
        *,
        extra_compare: Sequence[Any] = (),
        extra_ops: Sequence[Any] = (),
    ) -> Obj:
        return await self.store.update(
            info, obj, expected_revision, extra_compare=extra_compare, extra_ops=extra_ops
        )

    async def delete(
        self, info: ResourceInfo, obj: Obj, expected_revision: int, *, extra_ops: Sequence[Any] = ()
    ) -> int:
        return await self.store.delete(info, obj, expected_revision, extra_ops=extra_ops)

    async def guaranteed_update(
        self,
        info: ResourceInfo,
        namespace: str | None,
        name: str,
        mutate: Mutate,
        *,
        preconditions: Preconditions | None = None,
        use_cache: bool = False,
        attempts: int = 8,
    ) -> Obj:
        """Read, `mutate`, compare-and-swap; re-read and retry when someone wrote between.

        With `use_cache`, the first try starts from `editable()` of the watch cache's copy;
        anything refused (a precondition, the mutate function) is confirmed on etcd first.
        """
        cache = self.cache(info) if use_cache else None
        cached = cache.get(namespace, name) if cache is not None else None
        for _ in range(attempts):
            from_cache = cached is not None
            if cached is not None:
                current, cached = editable(cached), None
            else:
                current = await self.store.get(info, namespace, name)
            try:
                if preconditions is not None:
                    preconditions.check(info, current)
                wanted = mutate(current)
                new = await wanted if isinstance(wanted, Awaitable) else wanted
            except errors.APIError:
                if from_cache:
                    continue  # never refuse on the cache's word alone
                raise
            rv = int(current["metadata"]["resourceVersion"])
            try:
                return await self.store.update(info, new, rv)
            except errors.Conflict:
                continue
        raise conflict(info, name)


def editable(shared: Obj) -> Obj:
    """A copy of a cached object whose metadata, spec and status maps may be changed; what
    lies deeper stays shared with every watcher, so a mutate function that starts from the
    cache replaces deeper values rather than changing them in place."""
    return {
        **shared,
        "metadata": dict(shared.get("metadata") or {}),
        "spec": dict(shared.get("spec") or {}),
        "status": dict(shared.get("status") or {}),
    }
