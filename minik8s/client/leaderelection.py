"""Leader election on a `coordination.k8s.io/v1` Lease, as client-go's leaderelection does.

Several replicas of a daemon run `LeaderElector.run()`; one at a time holds the Lease and
runs its `on_started_leading` work. The Lease records who holds it and when it was last
renewed::

    spec: {holderIdentity, leaseDurationSeconds, acquireTime, renewTime, leaseTransitions}

Timeline of one elector (L = lease_duration, D = renew_deadline, P = retry_period)::

    acquire: every P(+jitter) ── GET; NotFound → create; free, released ("" holder), ours,
             │                   or unchanged for L since we first saw it → PUT ours
             ▼ success
    leading: on_started_leading(lost) runs; every P: GET + PUT renewTime
             │ no successful renew for D, or someone else holds it
             ▼
    lost:    is_leader = False; `lost` is set; the leading task is cancelled;
             on_stopped_leading(); run() returns (a daemon usually exits then)
    cancel:  (shutdown) the same, and the Lease is released (holderIdentity "",
             leaseDurationSeconds 1) so a standby takes over at once.

Safety: every write is a PUT carrying the `resourceVersion` that was read (or a create),
so of two contenders writing the same version only one succeeds (the other gets 409).
Expiry is judged by the *local* clock from the moment a contender first saw the current
record (not by `renewTime`, so clocks of different machines need not agree), and a
leader gives up D after the start of its last successful renewal; since D < L a leader
has stopped before anyone else may take over. A standby therefore takes over at most
about L + 2P after the leader died (it may have seen the last renewal up to P late, and
checks every P).

Recovery: a Lease that disappears is created again. The leader does it at its next renewal
and keeps leading; a standby that saw another holder treats the missing record like an
unchanged one and creates the Lease only once that holder's duration has passed since it
last saw it change, so a deleted Lease never hands the leadership to a standby while the
leader is alive. When the Lease's namespace is missing (or being deleted), every contender
keeps trying every P and says once that it waits for the namespace (the API server
re-creates its system namespaces); a leader that cannot renew for D steps down as usual.

Concurrency model: `run()` is one asyncio task; while leading it runs two child tasks,
the caller's work and the renew loop, and whichever ends first ends the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
import os
import random
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo, lookup
from minik8s.api.times import now_rfc3339

from .rest import AsyncClient

__all__ = ["LeaderElectionConfig", "LeaderElector", "decide", "default_identity"]

log = logging.getLogger(__name__)

_leases = lookup("coordination.k8s.io", "v1", "leases")
assert _leases is not None
LEASES: ResourceInfo = _leases


def default_identity() -> str:
    return f"{socket.gethostname()}_{os.getpid()}_{secrets.token_hex(4)}"


@dataclass
class LeaderElectionConfig:
    lock_name: str
    namespace: str = "kube-system"
    identity: str = field(default_factory=default_identity)
    lease_duration: float = 15
    renew_deadline: float = 10
    retry_period: float = 2
    release_on_cancel: bool = True

    def __post_init__(self) -> None:
        if not self.lock_name:
            raise ValueError("leader election needs a lock name")
        if not self.identity:
            raise ValueError("leader election needs a non-empty identity")
        if not self.lease_duration > self.renew_deadline > self.retry_period > 0:
            raise ValueError(
                "leader election needs lease_duration > renew_deadline > retry_period > 0, got "
                f"{self.lease_duration}, {self.renew_deadline}, {self.retry_period}"
            )


def decide(
    spec: dict[str, Any], identity: str, expired: bool, now: str, duration: int
) -> dict[str, Any] | None:
    """The Lease spec to write to hold the lease, or None while another holder's is valid.

    Pure: `expired` says whether the current record has stood unchanged for its duration.
    Renewing our own lease keeps `acquireTime` and `leaseTransitions`; taking it over
    (free, released or expired) sets `acquireTime` and counts one more transition.
    """
    holder = spec.get("holderIdentity") or ""
    if holder and holder != identity and not expired:
        return None
    transitions = int(spec.get("leaseTransitions") or 0)
    ours = holder == identity
    return {
        "holderIdentity": identity,
        "leaseDurationSeconds": duration,
        "acquireTime": (spec.get("acquireTime") or now) if ours else now,
        "renewTime": now,
        "leaseTransitions": transitions if ours else transitions + 1,
    }


def _record_key(spec: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(
        spec.get(k) for k in ("holderIdentity", "renewTime", "acquireTime", "leaseTransitions")
    )


class LeaderElector:
    """Contends for one Lease; see the module docstring for the protocol."""

    def __init__(self, client: AsyncClient, config: LeaderElectionConfig) -> None:
        self.client = client
        self.config = config
        self.is_leader = False
        self.observed_leader = ""  # the holder of the lease as last seen ("" if none)
        self._clock: Callable[[], float] = time.monotonic
        self._lease: dict[str, Any] | None = None  # the Lease as last read or written
        self._observed_key: tuple[Any, ...] | None = None
        self._observed_at = 0.0
        self._observed_duration = 0.0
        self._waiting_for_namespace = False
        self._renewed_at = 0.0  # when the last successful acquire/renew started
        self._on_new_leader: Callable[[str], Any] | None = None

    @property
    def identity(self) -> str:
        return self.config.identity

    async def run(
        self,
        on_started_leading: Callable[[asyncio.Event], Awaitable[None]],
        on_stopped_leading: Callable[[], Any] | None = None,
        *,
        on_new_leader: Callable[[str], Any] | None = None,
    ) -> None:
        """Acquire, lead until leadership is lost, the work returns, or cancellation.

        `on_started_leading(lost)` gets an event that is set when leadership ends; it is
        also cancelled then. `on_new_leader(identity)` is called whenever another holder
        (or we) is first seen holding the lease.
        """
        self._on_new_leader = on_new_leader
        await self._acquire()
        log.info("%s: became leader of lease %s", self.identity, self._lease_name)
        lost = asyncio.Event()
        leading: asyncio.Future[None] = asyncio.ensure_future(on_started_leading(lost))
        renewing = asyncio.create_task(self._renew_loop(), name="renew-lease")
        lost_leadership = False
        try:
            done, _ = await asyncio.wait({leading, renewing}, return_when=asyncio.FIRST_COMPLETED)
            lost_leadership = renewing in done
        finally:
            self.is_leader = False
            lost.set()
            for task in (leading, renewing):
                task.cancel()
            await asyncio.gather(leading, renewing, return_exceptions=True)
            if lost_leadership:
                log.warning("%s: lost leadership of lease %s", self.identity, self._lease_name)
            elif self.config.release_on_cancel:
                await self._release()
            if on_stopped_leading is not None:
                try:
                    result = on_stopped_leading()
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    log.exception("%s: on_stopped_leading failed", self.identity)
        failure = None if leading.cancelled() else leading.exception()
        if failure is not None:
            raise failure

    @property
    def _lease_name(self) -> str:
        return f"{self.config.namespace}/{self.config.lock_name}"

    def _duration(self) -> int:
        return max(1, math.ceil(self.config.lease_duration))

    async def _acquire(self) -> None:
        while True:
            started = self._clock()
            if await self._attempt(self.config.lease_duration):
                self._renewed_at = started
                self.is_leader = True
                return
            await asyncio.sleep(self.config.retry_period * (1 + 0.2 * random.random()))

    async def _renew_loop(self) -> None:
        """Returns when leadership is lost."""
        cfg = self.config
        while True:
            await asyncio.sleep(cfg.retry_period)
            started = self._clock()
            left = self._renewed_at + cfg.renew_deadline - started
            if left <= 0:
                return
            if await self._attempt(left):
                self._renewed_at = started
                continue
            if self.observed_leader not in ("", self.identity):
                return
            if self._clock() >= self._renewed_at + cfg.renew_deadline:
                return

    async def _attempt(self, timeout: float) -> bool:
        try:
            return await asyncio.wait_for(self._try_acquire_or_renew(), timeout)
        except TimeoutError:
            log.warning(
                "%s: lease %s: no answer in %.1fs", self.identity, self._lease_name, timeout
            )
        except errors.APIError as e:
            log.warning("%s: lease %s: %s", self.identity, self._lease_name, e)
        return False

    def _observe(self, lease: dict[str, Any]) -> None:
        spec = lease.get("spec") or {}
        key = _record_key(spec)
        if key != self._observed_key:
            self._observed_key = key
            self._observed_at = self._clock()
        self._observed_duration = float(spec.get("leaseDurationSeconds") or self._duration())
        holder = spec.get("holderIdentity") or ""
        if holder and holder != self.observed_leader and self._on_new_leader is not None:
            try:
                self._on_new_leader(holder)
            except Exception:
                log.exception("%s: on_new_leader failed", self.identity)
        self.observed_leader = holder

    async def _try_acquire_or_renew(self) -> bool:
        cfg = self.config
        try:
            lease = await self.client.get(LEASES, cfg.lock_name, cfg.namespace)
        except errors.NotFound:
            if self._other_holder_may_be_alive():
                return False
            spec = decide({}, self.identity, True, now_rfc3339(micro=True), self._duration())
            assert spec is not None
            body = {
                "apiVersion": LEASES.api_version,
                "kind": LEASES.kind,
                "metadata": {"name": cfg.lock_name, "namespace": cfg.namespace},
                "spec": {**spec, "leaseTransitions": 0},
            }
            try:
                created = await self.client.create(LEASES, body, cfg.namespace)
            except errors.AlreadyExists:
                return False
            except (errors.NotFound, errors.Forbidden) as e:
                if e.kind != "namespaces":
                    raise
                if not self._waiting_for_namespace:
                    log.warning("%s: waiting for namespace %s: %s", self.identity, cfg.namespace, e)
                self._waiting_for_namespace = True
                return False
            if self._waiting_for_namespace:
                log.info("%s: namespace %s is back", self.identity, cfg.namespace)
                self._waiting_for_namespace = False
            self._lease = created
            self._observe(created)
            return True
        self._observe(lease)
        spec = lease.get("spec") or {}
        duration = spec.get("leaseDurationSeconds") or self._duration()
        expired = self._clock() >= self._observed_at + float(duration)
        new_spec = decide(spec, self.identity, expired, now_rfc3339(micro=True), self._duration())
        if new_spec is None:
            return False
        try:
            updated = await self.client.update(
                LEASES, {**lease, "spec": {**spec, **new_spec}}, cfg.namespace
            )
        except errors.Conflict:
            return False
        self._lease = updated
        self._observe(updated)
        return True

    def _other_holder_may_be_alive(self) -> bool:
        """The Lease is gone: may someone else still be leading on the record we last saw?"""
        if self.is_leader or self._observed_key is None:
            return False
        holder = self._observed_key[0] or ""
        if holder in ("", self.identity):
            return False
        return self._clock() < self._observed_at + self._observed_duration

    async def _release(self) -> None:
        lease = self._lease
        if lease is None or (lease.get("spec") or {}).get("holderIdentity") != self.identity:
            return
        now = now_rfc3339(micro=True)
        spec = {
            **(lease.get("spec") or {}),
            "holderIdentity": "",
            "leaseDurationSeconds": 1,
            "acquireTime": now,
            "renewTime": now,
        }
        with contextlib.suppress(errors.APIError, TimeoutError):
            self._lease = await asyncio.wait_for(
                self.client.update(LEASES, {**lease, "spec": spec}, self.config.namespace),
                self.config.retry_period,
            )
            log.info("%s: released lease %s", self.identity, self._lease_name)
