"""A fake client that records every write, and a context with seeded caches."""

from __future__ import annotations

import itertools
from typing import Any, cast

from controllers.base import ControllerContext, Options
from minik8s.api import errors
from minik8s.api.patch import json_merge_patch
from minik8s.api.resources import ResourceInfo
from minik8s.client import AsyncClient, EventRecorder, InformerFactory, key_of

Obj = dict[str, Any]
Write = tuple[Any, ...]


class FakeClient:
    """Answers writes like an API server would, records them in `writes`."""

    def __init__(self) -> None:
        self.writes: list[Write] = []
        self.objects: dict[tuple[str, str], Obj] = {}
        self.fail_creates_after: int | None = None
        self._names = itertools.count()

    async def create(self, r: ResourceInfo, obj: Obj, namespace: str | None = None) -> Obj:
        if self.fail_creates_after is not None:
            if self.fail_creates_after <= 0:
                raise errors.Forbidden("quota exceeded")
            self.fail_creates_after -= 1
        out = dict(obj)
        meta = dict(out.get("metadata") or {})
        if not meta.get("name"):
            meta["name"] = f"{meta.get('generateName', '')}{next(self._names)}"
        out["metadata"] = meta
        self.writes.append(("create", r.plural, namespace, out))
        return out

    async def update(
        self,
        r: ResourceInfo,
        obj: Obj,
        namespace: str | None = None,
        *,
        subresource: str | None = None,
    ) -> Obj:
        self.writes.append(("update", r.plural, subresource, obj))
        return obj

    async def patch(
        self,
        r: ResourceInfo,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: str = "merge",
        subresource: str | None = None,
    ) -> Obj:
        self.writes.append(("patch", r.plural, name, subresource, patch))
        key = (r.plural, f"{namespace}/{name}" if namespace else name)
        base = self.objects.get(key) or {"metadata": {"name": name, "namespace": namespace}}
        if patch_type == "merge":
            base = json_merge_patch(base, patch)
            self.objects[key] = base
        return base

    async def delete(
        self, r: ResourceInfo, name: str, namespace: str | None = None, **kw: Any
    ) -> Obj:
        self.writes.append(("delete", r.plural, name, kw.get("propagation_policy")))
        return {}

    async def get(self, r: ResourceInfo, name: str, namespace: str | None = None) -> Obj:
        obj = self.objects.get((r.plural, f"{namespace}/{name}" if namespace else name))
        if obj is None:
            raise errors.NotFound(f"{r.plural} {name} not found")
        return obj

    async def list_all(
        self, r: ResourceInfo, namespace: str | None = None, **kw: Any
    ) -> tuple[list[Obj], str]:
        items = [
            o
            for (plural, _), o in self.objects.items()
            if plural == r.plural and (o.get("metadata") or {}).get("namespace") == namespace
        ]
        return items, "1"

    async def delete_collection(
        self, r: ResourceInfo, namespace: str | None = None, **kw: Any
    ) -> Obj:
        self.writes.append(("deletecollection", r.plural, namespace))
        for key in [k for k in self.objects if k[0] == r.plural]:
            del self.objects[key]
        return {}


class FakeRecorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    async def event(self, obj: Obj, type_: str, reason: str, message: str) -> None:
        self.events.append((type_, reason, message))

    def emit(self, obj: Obj, type_: str, reason: str, message: str) -> None:
        self.events.append((type_, reason, message))


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def context(
    options: Options | None = None,
) -> tuple[ControllerContext, FakeClient, FakeRecorder, Clock]:
    client = FakeClient()
    recorder = FakeRecorder()
    clock = Clock()
    ctx = ControllerContext(
        client=cast(AsyncClient, client),
        factory=InformerFactory(cast(AsyncClient, client)),
        recorder=cast(EventRecorder, recorder),
        options=options or Options(),
        clock=clock,
        monotonic=clock,
    )
    return ctx, client, recorder, clock


def seed(ctx: ControllerContext, resource: str, *objs: Obj, namespace: str | None = None) -> None:
    """Put objects in the informer cache (and in the fake server, for patches)."""
    store = ctx.informer(resource, namespace).store
    client = cast(FakeClient, ctx.client)
    for obj in objs:
        store.upsert(obj)
        client.objects[(resource, key_of(obj))] = obj


def drop(ctx: ControllerContext, resource: str, obj: Obj) -> None:
    ctx.informer(resource).store.delete(key_of(obj))
