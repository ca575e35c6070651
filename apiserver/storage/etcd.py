"""A thin asyncio client for the etcd v3 API.

We speak etcd's gRPC API directly through the generated stubs that `aetcd` ships, on one
`grpc.aio` channel: the API server needs reads at a revision, limits, counts,
compare-and-swap transactions and watches that report compaction, and aetcd's high-level
client hides several of those. Every unary call carries a deadline; gRPC failures become
`EtcdUnavailable` (the server answers 503/504) so a dead etcd never hangs a request.

Concurrency: one channel is shared by every coroutine of the process; gRPC multiplexes the
calls. A watch is its own bidirectional stream, owned by the task that iterates it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from aetcd.rpc import rpc_pb2, rpc_pb2_grpc


class EtcdError(Exception):
    """Any failure talking to etcd."""


class EtcdUnavailable(EtcdError):
    """etcd did not answer in time or could not be reached."""

    def __init__(self, message: str, *, timeout: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout


class Compacted(EtcdError):
    """The requested revision is older than etcd's compaction point."""

    def __init__(self, compact_revision: int) -> None:
        super().__init__(f"required revision has been compacted (now {compact_revision})")
        self.compact_revision = compact_revision


class FutureRevision(EtcdError):
    """The requested revision is newer than etcd's current one."""


@dataclass(frozen=True, slots=True)
class KV:
    key: bytes
    value: bytes
    create_revision: int
    mod_revision: int


@dataclass(frozen=True, slots=True)
class Event:
    """One change: `kv` is the new state (value empty for a delete), `prev` the old state."""

    deleted: bool
    kv: KV
    prev: KV | None


@dataclass(frozen=True, slots=True)
class RangeResult:
    kvs: list[KV]
    more: bool
    count: int
    revision: int


@dataclass(frozen=True, slots=True)
class TxnResult:
    succeeded: bool
    revision: int
    responses: list[Any]


def prefix_end(prefix: bytes) -> bytes:
    """The smallest key greater than every key starting with `prefix`."""
    buf = bytearray(prefix)
    for i in range(len(buf) - 1, -1, -1):
        if buf[i] < 0xFF:
            buf[i] += 1
            return bytes(buf[: i + 1])
    return b"\0"


def _kv(pb: Any) -> KV:
    return KV(pb.key, pb.value, pb.create_revision, pb.mod_revision)


def _target(endpoints: Sequence[str]) -> str:
    hosts = []
    for ep in endpoints:
        ep = ep.strip()
        for scheme in ("http://", "https://"):
            if ep.startswith(scheme):
                ep = ep[len(scheme) :]
        hosts.append(ep.rstrip("/"))
    if len(hosts) == 1:
        return hosts[0]
    return "ipv4:" + ",".join(hosts)


# Comparisons and operations for `Etcd.txn`, built as protobuf messages.
def cmp_mod_revision(key: bytes, revision: int) -> Any:
    return rpc_pb2.Compare(
        result=rpc_pb2.Compare.EQUAL, target=rpc_pb2.Compare.MOD, key=key, mod_revision=revision
    )


def cmp_absent(key: bytes) -> Any:
    return rpc_pb2.Compare(
        result=rpc_pb2.Compare.EQUAL, target=rpc_pb2.Compare.CREATE, key=key, create_revision=0
    )


def op_put(key: bytes, value: bytes, lease: int = 0) -> Any:
    return rpc_pb2.RequestOp(request_put=rpc_pb2.PutRequest(key=key, value=value, lease=lease))


def op_delete(key: bytes) -> Any:
    return rpc_pb2.RequestOp(request_delete_range=rpc_pb2.DeleteRangeRequest(key=key))


def op_get(key: bytes) -> Any:
    return rpc_pb2.RequestOp(request_range=rpc_pb2.RangeRequest(key=key))


class Etcd:
    """An etcd v3 client bound to the running event loop (create it inside the loop)."""

    def __init__(self, endpoints: Sequence[str], *, timeout: float = 5.0) -> None:
        self.endpoints = list(endpoints)
        self.timeout = timeout
        self._channel = grpc.aio.insecure_channel(
            _target(self.endpoints),
            options=[
                ("grpc.max_receive_message_length", 64 * 1024 * 1024),
                ("grpc.max_send_message_length", 8 * 1024 * 1024),
                ("grpc.keepalive_time_ms", 10_000),
                ("grpc.keepalive_timeout_ms", 5_000),
                ("grpc.initial_reconnect_backoff_ms", 200),
                ("grpc.max_reconnect_backoff_ms", 2_000),
            ],
        )
        self._kv = rpc_pb2_grpc.KVStub(self._channel)
        self._watch = rpc_pb2_grpc.WatchStub(self._channel)
        self._maint = rpc_pb2_grpc.MaintenanceStub(self._channel)
        self._lease = rpc_pb2_grpc.LeaseStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()

    async def _call(self, method: Any, request: Any, timeout: float | None = None) -> Any:
        try:
            return await method(request, timeout=timeout or self.timeout)
        except grpc.aio.AioRpcError as e:
            raise _translate(e) from None

    async def status(self, timeout: float = 2.0) -> Any:
        return await self._call(self._maint.Status, rpc_pb2.StatusRequest(), timeout=timeout)

    async def get(self, key: bytes, *, revision: int = 0) -> tuple[KV | None, int]:
        resp = await self._call(self._kv.Range, rpc_pb2.RangeRequest(key=key, revision=revision))
        kv = _kv(resp.kvs[0]) if resp.kvs else None
        return kv, resp.header.revision

    async def range(
        self,
        start: bytes,
        end: bytes,
        *,
        limit: int = 0,
        revision: int = 0,
        count_only: bool = False,
        keys_only: bool = False,
    ) -> RangeResult:
        req = rpc_pb2.RangeRequest(
            key=start,
            range_end=end,
            limit=limit,
            revision=revision,
            count_only=count_only,
            keys_only=keys_only,
        )
        resp = await self._call(self._kv.Range, req)
        return RangeResult([_kv(k) for k in resp.kvs], resp.more, resp.count, resp.header.revision)

    async def txn(
        self, compare: Sequence[Any], success: Sequence[Any], failure: Sequence[Any] = ()
    ) -> TxnResult:
        req = rpc_pb2.TxnRequest(compare=compare, success=success, failure=failure)
        resp = await self._call(self._kv.Txn, req)
        return TxnResult(resp.succeeded, resp.header.revision, list(resp.responses))

    async def put(self, key: bytes, value: bytes) -> int:
        resp = await self._call(self._kv.Put, rpc_pb2.PutRequest(key=key, value=value))
        return int(resp.header.revision)

    async def delete_prefix(self, prefix: bytes) -> int:
        req = rpc_pb2.DeleteRangeRequest(key=prefix, range_end=prefix_end(prefix))
        resp = await self._call(self._kv.DeleteRange, req)
        return int(resp.deleted)

    async def lease_grant(self, ttl: int) -> int:
        """A new lease; keys attached to it vanish `ttl` seconds later."""
        resp = await self._call(self._lease.LeaseGrant, rpc_pb2.LeaseGrantRequest(TTL=ttl))
        if resp.error:
            raise EtcdError(f"lease grant failed: {resp.error}")
        return int(resp.ID)

    async def compact(self, revision: int, *, physical: bool = True) -> None:
        req = rpc_pb2.CompactionRequest(revision=revision, physical=physical)
        await self._call(self._kv.Compact, req, timeout=max(self.timeout, 30.0))

    async def check_revision(self, revision: int) -> None:
        """Raise `Compacted` if history at `revision` is gone; a future revision is fine."""
        try:
            await self.range(b"\0", b"\0", revision=revision, count_only=True, limit=1)
        except FutureRevision:
            return

    async def watch(
        self, prefix: bytes, start_revision: int, *, progress_notify: bool = True
    ) -> AsyncIterator[tuple[int, list[Event]]]:
        """Yield `(header revision, events)` batches for every key under `prefix`.

        Ends only by raising: `Compacted` when `start_revision` is too old, `EtcdUnavailable`
        when the stream breaks. Empty batches are progress notifications.
        """
        create = rpc_pb2.WatchCreateRequest(
            key=prefix,
            range_end=prefix_end(prefix),
            start_revision=start_revision,
            progress_notify=progress_notify,
            prev_kv=True,
        )
        requests: asyncio.Queue[Any] = asyncio.Queue()
        requests.put_nowait(rpc_pb2.WatchRequest(create_request=create))

        async def request_stream() -> AsyncIterator[Any]:
            while True:
                item = await requests.get()
                if item is None:
                    return
                yield item

        call = self._watch.Watch(request_stream())
        try:
            async for resp in call:
                if resp.compact_revision:
                    raise Compacted(resp.compact_revision)
                if resp.canceled:
                    raise EtcdUnavailable(f"watch canceled: {resp.cancel_reason}")
                if resp.created and not resp.events:
                    continue
                events = [
                    Event(
                        e.type == 1,
                        _kv(e.kv),
                        _kv(e.prev_kv) if e.HasField("prev_kv") else None,
                    )
                    for e in resp.events
                ]
                yield resp.header.revision, events
            raise EtcdUnavailable("watch stream ended")
        except grpc.aio.AioRpcError as e:
            raise _translate(e) from None
        finally:
            requests.put_nowait(None)
            call.cancel()


def _translate(e: grpc.aio.AioRpcError) -> EtcdError:
    details = e.details() or ""
    if "compacted" in details:
        return Compacted(0)
    if "future revision" in details:
        return FutureRevision(details)
    code = e.code()
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return EtcdUnavailable(f"etcd did not answer in time: {details}", timeout=True)
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED):
        return EtcdUnavailable(f"etcd is unavailable: {details}")
    return EtcdError(f"etcd error {code.name}: {details}")
