"""The proxier: informers on Services, Endpoints and Nodes, and one sync loop.

Concurrency model: one event loop. Informer handlers only call `request_sync()`, which
sets an event. The sync loop waits for that event (or `sync_period`, the periodic full
sync), keeps `min_sync_period` between two syncs (so a burst of changes is one sync),
snapshots the three caches, and runs render + `iptables-restore` + routes in a worker
thread. A failed restore leaves the previous rules in the kernel; the loop retries after
`min_sync_period` (doubling up to `sync_period`) and re-reads the chains that exist.

    handlers ──► request_sync() ──► [event] ──► sync loop ──► to_thread(sync_once)
                                               (≥ min_sync_period apart, ≤ sync_period)
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import subprocess
import time
from dataclasses import dataclass
from typing import Any

from prometheus_client import Gauge, Histogram

from minik8s.api import resources
from minik8s.client.informer import InformerFactory, SharedInformer

from . import render
from .iptables import RestoreError, Tools

log = logging.getLogger("proxy")

SYNC_DURATION = Histogram(
    "kubeproxy_sync_proxy_rules_duration_seconds",
    "Time of one sync: render, iptables-restore and routes.",
    buckets=(0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30),
)
LAST_SYNC = Gauge(
    "kubeproxy_sync_proxy_rules_last_timestamp_seconds", "Unix time of the last successful sync."
)
RULES = Gauge(
    "kubeproxy_sync_proxy_rules_iptables_total", "Rules the agent wrote, per table.", ["table"]
)
SYNC_FAILURES = Gauge(
    "kubeproxy_sync_proxy_rules_failures", "Consecutive failed syncs (0 after a success)."
)


@dataclass(frozen=True)
class Options:
    config: render.ProxyConfig
    tools: Tools
    min_sync_period: float = 1.0
    sync_period: float = 30.0
    sink_bridge: str = "mk-svc-sink"  # "" = leave the service CIDR unrouted
    routes: bool = True


class Proxier:
    def __init__(self, factory: InformerFactory, options: Options) -> None:
        self.options = options
        self.tools = options.tools
        self.services: SharedInformer = factory.informer(_info("services"))
        self.endpoints: SharedInformer = factory.informer(_info("endpoints"))
        self.nodes: SharedInformer = factory.informer(_info("nodes"))
        for inf in (self.services, self.endpoints):
            inf.add_handler(self._on_add, self._on_update, self._on_delete)
        self.nodes.add_handler(self._on_add, self._on_node_update, self._on_delete)
        self._wanted = asyncio.Event()
        self._known_chains: dict[str, set[str]] | None = None  # None: read iptables-save
        self._jumps_ok = False
        self.last_success = 0.0  # monotonic
        self.syncs = 0

    # ---- handlers: only ask for a sync

    def _on_add(self, obj: Any) -> None:
        self.request_sync()

    def _on_update(self, old: Any, new: Any) -> None:
        if old is not new:
            self.request_sync()

    def _on_node_update(self, old: Any, new: Any) -> None:
        # kubelets rewrite their Node's status every few seconds: only what the routes
        # use (podCIDR, addresses) is worth a sync
        if _route_view(old) != _route_view(new):
            self.request_sync()

    def _on_delete(self, obj: Any) -> None:
        self.request_sync()

    def request_sync(self) -> None:
        self._wanted.set()

    # ---- health

    def healthy(self) -> bool:
        """False when the last successful sync is older than two sync periods (plus the
        time for one) — or when none happened within that much of the start."""
        limit = 2 * self.options.sync_period + 30
        return time.monotonic() - self.last_success < limit

    # ---- the loop

    async def run(self, stopping: asyncio.Event, synced_timeout: float = 3600) -> None:
        self.last_success = time.monotonic()  # grace for the first sync
        waiter = asyncio.create_task(stopping.wait())
        try:
            for inf in (self.services, self.endpoints, self.nodes):
                synced = asyncio.create_task(inf.wait_synced(synced_timeout))
                await asyncio.wait({synced, waiter}, return_when=asyncio.FIRST_COMPLETED)
                if stopping.is_set():
                    synced.cancel()
                    return
            backoff = self.options.min_sync_period
            last_start = -1e9
            loop = asyncio.get_running_loop()
            while not stopping.is_set():
                # batching: at most one sync per min_sync_period
                wait_min = last_start + self.options.min_sync_period - loop.time()
                if wait_min > 0:
                    await _wait_any(stopping, None, wait_min)
                    continue
                self._wanted.clear()
                last_start = loop.time()
                ok = await self.sync()
                if ok:
                    backoff = self.options.min_sync_period
                    await _wait_any(stopping, self._wanted, self.options.sync_period)
                    if not self._wanted.is_set():
                        # the periodic full sync also re-reads which chains exist, so
                        # stale chains of ours made by anyone are found and removed
                        self._known_chains = None
                else:
                    self._wanted.set()  # retry
                    await _wait_any(stopping, None, backoff)
                    backoff = min(backoff * 2, self.options.sync_period)
        finally:
            waiter.cancel()

    async def sync(self) -> bool:
        services = self.services.store.list()
        endpoints = self.endpoints.store.list()
        nodes = self.nodes.store.list()
        return await asyncio.to_thread(self.sync_once, services, endpoints, nodes)

    def sync_once(self, services: list[Any], endpoints: list[Any], nodes: list[Any]) -> bool:
        """Render and apply everything once; answers whether the rules are in place."""
        started = time.monotonic()
        try:
            nat, flt = render.render(services, endpoints, nodes, self.options.config)
            known = self._known_chains
            if known is None:
                known = {t: render.chains_in_save(self.tools.save(t), t) for t in ("nat", "filter")}
            declared = {"nat": render.declared_chains(nat), "filter": render.declared_chains(flt)}
            text = render.with_stale_removed(
                nat, known["nat"], declared["nat"]
            ) + render.with_stale_removed(flt, known["filter"], declared["filter"])
            self.tools.restore(text)
            self._known_chains = declared
            if not self._jumps_ok:
                self.tools.ensure_jumps()
                self._jumps_ok = True
            self._sync_routes(nodes)
        except RestoreError as exc:
            self._failed()
            log.error("iptables-restore failed, previous rules kept: %s\n%s", exc, exc.context)
            return False
        except (subprocess.SubprocessError, OSError) as exc:
            self._failed()
            detail = getattr(exc, "stderr", "") or ""
            log.error("sync failed: %s %s", exc, detail.strip())
            return False
        elapsed = time.monotonic() - started
        SYNC_DURATION.observe(elapsed)
        LAST_SYNC.set(time.time())
        SYNC_FAILURES.set(0)
        RULES.labels("nat").set(render.rule_count(nat))
        RULES.labels("filter").set(render.rule_count(flt))
        self.last_success = time.monotonic()
        self.syncs += 1
        log.debug("synced %d services in %.3fs", len(services), elapsed)
        return True

    def _failed(self) -> None:
        self._known_chains = None
        self._jumps_ok = False
        SYNC_FAILURES.inc()

    def _sync_routes(self, nodes: list[Any]) -> None:
        opts = self.options
        wanted: dict[str, str] = {}
        if opts.sink_bridge and opts.config.service_cidr:
            self.tools.ensure_sink(opts.sink_bridge)
            wanted[_net(opts.config.service_cidr)] = "dev:" + opts.sink_bridge
        if opts.routes:
            wanted.update(pod_routes(nodes, opts.config.node_name))
        have = self.tools.own_routes()
        for dest, via in sorted(wanted.items()):
            if have.get(dest) != via:
                log.info("route %s via %s", dest, via)
                try:
                    self.tools.replace_route(dest, via)
                except subprocess.CalledProcessError as exc:
                    # one unreachable node must not stop the others (nor the rules)
                    log.warning("route %s via %s failed: %s", dest, via, exc.stderr.strip())
        for dest in sorted(set(have) - set(wanted)):
            log.info("route %s removed", dest)
            self.tools.delete_route(dest)

    def cleanup(self) -> None:
        cleanup(self.tools, self.options.sink_bridge)


def pod_routes(nodes: list[Any], own_name: str) -> dict[str, str]:
    """podCIDR → InternalIP of every other node that has both (host-gw routing)."""
    routes = {}
    for node in nodes:
        meta = node.get("metadata") or {}
        if meta.get("name") == own_name:
            continue
        cidr = (node.get("spec") or {}).get("podCIDR")
        addrs = render.node_addresses(node)
        if cidr and addrs:
            try:
                routes[_net(cidr)] = addrs[0]
            except ValueError:
                log.warning("node %s: bad podCIDR %r", meta.get("name"), cidr)
    return routes


def _route_view(node: Any) -> tuple[Any, list[str]]:
    return (node.get("spec") or {}).get("podCIDR"), render.node_addresses(node)


def cleanup(tools: Tools, sink_bridge: str) -> None:
    """Every rule, chain and route the agent made, gone (`--cleanup`)."""
    tools.remove_all()
    for dest in tools.own_routes():
        tools.delete_route(dest)
    if sink_bridge:
        tools.remove_sink(sink_bridge)


def _net(cidr: str) -> str:
    return str(ipaddress.ip_network(cidr, strict=False))


def _info(plural: str) -> resources.ResourceInfo:
    info = resources.lookup("", "v1", plural)
    assert info is not None
    return info


async def _wait_any(stopping: asyncio.Event, other: asyncio.Event | None, timeout: float) -> None:
    events = [stopping] if other is None else [stopping, other]
    tasks = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(tasks, timeout=max(0.0, timeout), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in tasks:
            t.cancel()
