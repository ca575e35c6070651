"""The object store: Kubernetes objects as JSON values under `/registry` in etcd.

Keys are `/registry/{plural}/{namespace}/{name}` (cluster-scoped kinds drop the namespace).
The stored JSON never carries `metadata.resourceVersion`: it is the key's etcd
`mod_revision`, filled in on every read, so it can never disagree with etcd. Updates and
deletes are compare-and-swap transactions on that revision; a stale one is a 409 Conflict.
Every object is written in its kind's canonical key order (`minik8s.api.canonical`) as Go
writes JSON (`minik8s.api.gojson`), once, here: every write of every kind passes through
`create` or `update`, and whatever reads the stored JSON back (gets, lists, the watch
cache, watch lines that splice it) inherits Kubernetes' order for free.
Extra compares and operations let callers (the ClusterIP/NodePort allocators) change other
keys in the same transaction, so nothing is ever half-written.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from minik8s.api import errors, gojson
from minik8s.api.canonical import canonical, with_resource_version
from minik8s.api.resources import ResourceInfo

from .etcd import KV, Etcd, cmp_absent, cmp_mod_revision, op_delete, op_put, prefix_end


def encode(obj: dict[str, Any]) -> bytes:
    """Serialise an object for etcd, without its resourceVersion."""
    meta = obj.get("metadata")
    if isinstance(meta, dict) and "resourceVersion" in meta:
        obj = dict(obj)
        meta = dict(meta)
        del meta["resourceVersion"]
        obj["metadata"] = meta
    return gojson.dumps(obj).encode()


def decode(value: bytes, revision: int) -> dict[str, Any]:
    obj: dict[str, Any] = json.loads(value)
    meta = obj.get("metadata")
    obj["metadata"] = with_resource_version(meta if isinstance(meta, dict) else {}, str(revision))
    return obj


def stamped(obj: dict[str, Any], revision: int) -> dict[str, Any]:
    """`obj` as written at `revision`: its resourceVersion set, in its place."""
    obj["metadata"] = with_resource_version(obj["metadata"], str(revision))
    return obj


def decode_kv(kv: KV) -> dict[str, Any]:
    return decode(kv.value, kv.mod_revision)


def conflict(info: ResourceInfo, name: str) -> errors.Conflict:
    return errors.Conflict(
        f'Operation cannot be fulfilled on {info.group_resource} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        name=name,
        group=info.group,
        kind=info.plural,
    )


def not_found(info: ResourceInfo, name: str) -> errors.NotFound:
    return errors.NotFound(
        f'{info.group_resource} "{name}" not found', name=name, group=info.group, kind=info.plural
    )


def already_exists(info: ResourceInfo, name: str) -> errors.AlreadyExists:
    return errors.AlreadyExists(
        f'{info.group_resource} "{name}" already exists',
        name=name,
        group=info.group,
        kind=info.plural,
    )


class EventLeases:
    """Events expire like Kubernetes': each is written with an etcd lease of `ttl` seconds.

    Events written within one window (a minute, or the TTL if shorter) share a lease granted
    for TTL + window, so a burst of events costs one lease grant, not one per event, and
    every event lives at least TTL seconds.
    """

    def __init__(self, etcd: Etcd, ttl: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.etcd = etcd
        self.ttl = ttl
        self.clock = clock
        self.window = max(1, min(60, ttl))
        self._bucket = -1
        self._lease = 0
        self._lock = asyncio.Lock()

    async def current(self) -> int:
        bucket = int(self.clock() // self.window)
        if bucket == self._bucket:
            return self._lease
        async with self._lock:
            if bucket != self._bucket:
                self._lease = await self.etcd.lease_grant(self.ttl + self.window)
                self._bucket = bucket
        return self._lease


class Store:
    """CRUD of objects in etcd; knows keys and encoding, nothing about validation."""

    def __init__(self, etcd: Etcd, prefix: str = "/registry", event_ttl: int = 3600) -> None:
        self.etcd = etcd
        self.prefix = prefix.rstrip("/")
        self.event_leases = EventLeases(etcd, event_ttl) if event_ttl > 0 else None

    async def _lease_for(self, info: ResourceInfo) -> int:
        if info.strategy.expires and self.event_leases is not None:
            return await self.event_leases.current()
        return 0

    def key(self, info: ResourceInfo, namespace: str | None, name: str) -> bytes:
        if info.namespaced:
            return f"{self.prefix}/{info.plural}/{namespace}/{name}".encode()
        return f"{self.prefix}/{info.plural}/{name}".encode()

    def resource_prefix(self, info: ResourceInfo, namespace: str | None = None) -> bytes:
        if info.namespaced and namespace:
            return f"{self.prefix}/{info.plural}/{namespace}/".encode()
        return f"{self.prefix}/{info.plural}/".encode()

    async def get(self, info: ResourceInfo, namespace: str | None, name: str) -> dict[str, Any]:
        kv, _ = await self.etcd.get(self.key(info, namespace, name))
        if kv is None:
            raise not_found(info, name)
        return decode_kv(kv)

    async def create(
        self,
        info: ResourceInfo,
        obj: dict[str, Any],
        *,
        extra_compare: Sequence[Any] = (),
        extra_ops: Sequence[Any] = (),
    ) -> dict[str, Any] | None:
        """Create `obj`; None when one of `extra_compare` failed (the caller retries).
        Answers the object as stored (in canonical order, with its resourceVersion)."""
        obj = canonical(info, obj)
        meta = obj["metadata"]
        key = self.key(info, meta.get("namespace"), meta["name"])
        lease = await self._lease_for(info)
        result = await self.etcd.txn(
            [cmp_absent(key), *extra_compare], [op_put(key, encode(obj), lease), *extra_ops]
        )
        if not result.succeeded:
            kv, _ = await self.etcd.get(key)
            if kv is not None:
                raise already_exists(info, meta["name"])
            return None
        return stamped(obj, result.revision)

    async def update(
        self,
        info: ResourceInfo,
        obj: dict[str, Any],
        expected_revision: int,
        *,
        extra_compare: Sequence[Any] = (),
        extra_ops: Sequence[Any] = (),
    ) -> dict[str, Any]:
        """Replace the object if it is still at `expected_revision`; answers it as stored."""
        obj = canonical(info, obj)
        meta = obj["metadata"]
        key = self.key(info, meta.get("namespace"), meta["name"])
        lease = await self._lease_for(info)
        result = await self.etcd.txn(
            [cmp_mod_revision(key, expected_revision), *extra_compare],
            [op_put(key, encode(obj), lease), *extra_ops],
        )
        if not result.succeeded:
            kv, _ = await self.etcd.get(key)
            if kv is None:
                raise not_found(info, meta["name"])
            raise conflict(info, meta["name"])
        return stamped(obj, result.revision)

    async def delete(
        self,
        info: ResourceInfo,
        obj: dict[str, Any],
        expected_revision: int,
        *,
        extra_ops: Sequence[Any] = (),
    ) -> int:
        """Delete `obj` if it is still at `expected_revision`; returns the deletion revision."""
        meta = obj["metadata"]
        key = self.key(info, meta.get("namespace"), meta["name"])
        result = await self.etcd.txn(
            [cmp_mod_revision(key, expected_revision)], [op_delete(key), *extra_ops]
        )
        if not result.succeeded:
            kv, _ = await self.etcd.get(key)
            if kv is None:
                raise not_found(info, meta["name"])
            raise conflict(info, meta["name"])
        return result.revision

    async def list_page(
        self,
        info: ResourceInfo,
        namespace: str | None,
        *,
        start_after: bytes | None = None,
        limit: int = 0,
        revision: int = 0,
    ) -> tuple[list[tuple[bytes, dict[str, Any]]], bool, int]:
        """One page of (key, object) pairs in key order, whether more remain, and the revision."""
        prefix = self.resource_prefix(info, namespace)
        start = start_after + b"\0" if start_after else prefix
        result = await self.etcd.range(start, prefix_end(prefix), limit=limit, revision=revision)
        # etcd's header carries its current revision even for a read at an older one.
        read_at = revision or result.revision
        return [(kv.key, decode_kv(kv)) for kv in result.kvs], result.more, read_at
