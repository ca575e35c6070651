"""Periodic etcd compaction, as kube-apiserver does it.

etcd keeps every revision until it is compacted; a cluster that renews Leases every few
seconds would otherwise grow its database until etcd refuses writes. Every `interval` the
compactor compacts to the revision it saw one interval earlier, so watchers and paginated
lists keep at least one interval of history (older versions answer 410 Gone and clients
relist).

Several API servers may run it at once: they coordinate through one key
(`{prefix}/compact_rev_key`) updated with a compare-and-swap, so each interval only one of
them compacts; a lost race or an already compacted revision is not an error.
"""

from __future__ import annotations

import asyncio
import logging

from .etcd import Compacted, Etcd, EtcdError, cmp_mod_revision, op_put

log = logging.getLogger(__name__)


class Compactor:
    def __init__(self, etcd: Etcd, prefix: str, interval: float) -> None:
        self.etcd = etcd
        self.key = f"{prefix.rstrip('/')}/compact_rev_key".encode()
        self.interval = interval
        self.compacted = 0

    async def run(self) -> None:
        previous = 0  # the revision seen at the previous tick: compacted at the next one
        while True:
            await asyncio.sleep(self.interval)
            try:
                previous = await self.tick(previous)
            except EtcdError as e:
                log.warning("compaction skipped: %s", e)

    async def tick(self, target: int) -> int:
        """Compact to `target` if this server wins the interval; returns the current revision."""
        kv, current = await self.etcd.get(self.key)
        expected = kv.mod_revision if kv else 0
        won = await self.etcd.txn(
            [cmp_mod_revision(self.key, expected)], [op_put(self.key, str(target).encode())]
        )
        if won.succeeded and target > self.compacted:
            try:
                await self.etcd.compact(target)
                self.compacted = target
                log.info("compacted etcd to revision %d", target)
            except Compacted:
                self.compacted = target
        return won.revision if won.succeeded else current
