"""The reflector: list, then watch from the list's version, forever, missing nothing.

    ┌─► list ──► on_replace(items, rv) ──► watch from rv ──► on_event(type, obj) … ─┐
    │     ▲                                  │  BOOKMARK: only advances rv          │
    │     └──── 410 Gone (rv compacted) ─────┤                                     │
    │                                        └─ broken / ended: watch again from rv ┘
    └── (backoff with jitter between failed attempts; reset once a watch delivers)

`last_resource_version` is the version of the last list, event or bookmark handed on, so
a watch that breaks (API server restart, network) resumes exactly after the last event
the caller saw: nothing is missed and nothing repeated. When that version is too old for
the server (etcd compacted it) the server answers 410 and the reflector lists again; the
caller (the informer) diffs the new full list against what it has, which is how it learns
about objects that changed or vanished while it was not watching.

Concurrency model: `run()` is one asyncio task and calls `on_replace` / `on_event` one at
a time, in order, awaiting them if they return awaitables — a slow callback slows the
reading of the stream, nothing is buffered. Cancelling the task closes the watch. Errors
of the API (including `Unreachable`) and exceptions of the callbacks never end `run()`:
they are logged, and the reflector backs off and continues (after a callback error it
relists, since the caller's state may be half updated).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, Protocol

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo

__all__ = ["ADDED", "BOOKMARK", "DELETED", "MODIFIED", "ListerWatcher", "Reflector"]

log = logging.getLogger(__name__)

ADDED, MODIFIED, DELETED, BOOKMARK = "ADDED", "MODIFIED", "DELETED", "BOOKMARK"

OnReplace = Callable[[list[dict[str, Any]], str], Awaitable[None] | None]
OnEvent = Callable[[str, dict[str, Any]], Awaitable[None] | None]


class ListerWatcher(Protocol):
    """What the reflector needs of a client (`AsyncClient` has it; tests fake it)."""

    async def list_all(
        self, resource: ResourceInfo, namespace: str | None = None, **kw: Any
    ) -> tuple[list[dict[str, Any]], str]: ...

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
    ) -> AsyncGenerator[dict[str, Any], None]: ...


async def call_maybe_async(fn: Callable[..., Any], *args: Any) -> None:
    """Call `fn`; await what it returns if that is awaitable."""
    result = fn(*args)
    if inspect.isawaitable(result):
        await result


def resource_version(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


class Reflector:
    """Keeps a caller up to date with one resource (optionally a namespace and selectors)."""

    def __init__(
        self,
        client: ListerWatcher,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        on_replace: OnReplace,
        on_event: OnEvent,
        min_backoff: float = 0.1,
        max_backoff: float = 10.0,
        watch_timeout: tuple[int, int] = (300, 600),
    ) -> None:
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.on_replace = on_replace
        self.on_event = on_event
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        # Each watch asks the server to end it after a random time in this range, so
        # the watches of many clients do not all restart at once.
        self.watch_timeout = watch_timeout
        self.last_resource_version = ""
        self.lists = 0  # how many full lists were made (observability, tests)
        self._progress = False
        scope = (namespace or "*") if resource.namespaced else "-"
        self.name = f"{resource.group_resource}[{scope}]"

    async def run(self) -> None:
        """List and watch until cancelled."""
        backoff = self.min_backoff
        need_list = True
        while True:
            self._progress = False
            try:
                if need_list:
                    await self._list()
                    need_list = False
                await self._watch()
                continue  # the server ended the watch (its timeout): watch again at once
            except errors.Gone:
                log.info(
                    "%s: resourceVersion %s is too old, relisting",
                    self.name,
                    self.last_resource_version,
                )
                need_list = True
            except errors.APIError as e:
                log.warning(
                    "%s: watch failed at resourceVersion %s: %s",
                    self.name,
                    self.last_resource_version or "-",
                    e,
                )
            except Exception:
                log.exception("%s: a callback failed; relisting", self.name)
                need_list = True
            if self._progress:
                backoff = self.min_backoff
            await asyncio.sleep(backoff * (0.5 + random.random() / 2))
            backoff = min(backoff * 2, self.max_backoff)

    async def _list(self) -> None:
        items, rv = await self.client.list_all(
            self.resource,
            self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
        )
        self.lists += 1
        log.debug("%s: listed %d objects at resourceVersion %s", self.name, len(items), rv)
        await call_maybe_async(self.on_replace, items, rv)
        self.last_resource_version = rv
        self._progress = True

    async def _watch(self) -> None:
        events = self.client.watch(
            self.resource,
            self.namespace,
            resource_version=self.last_resource_version or None,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            timeout_seconds=random.randint(*self.watch_timeout),
            allow_bookmarks=True,
        )
        async with contextlib.aclosing(events):
            async for event in events:
                self._progress = True
                etype = event.get("type")
                obj = event.get("object") or {}
                rv = resource_version(obj)
                if etype == BOOKMARK:
                    if rv:
                        self.last_resource_version = rv
                    continue
                if etype not in (ADDED, MODIFIED, DELETED):
                    log.warning("%s: ignoring a watch event of type %r", self.name, etype)
                    continue
                await call_maybe_async(self.on_event, etype, obj)
                if rv:
                    self.last_resource_version = rv
