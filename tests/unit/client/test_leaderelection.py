"""Leader election logic: the pure decision, and electors contending on an in-memory Lease."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest

from minik8s.api import errors
from minik8s.client import LeaderElectionConfig, LeaderElector
from minik8s.client.leaderelection import decide

NOW = "2026-01-01T00:00:00.000000Z"


def test_decide_creates_renews_and_takes_over() -> None:
    fresh = decide({}, "me", False, NOW, 15)
    assert fresh == {
        "holderIdentity": "me",
        "leaseDurationSeconds": 15,
        "acquireTime": NOW,
        "renewTime": NOW,
        "leaseTransitions": 1,
    }
    held = {
        "holderIdentity": "other",
        "acquireTime": "t0",
        "renewTime": "t1",
        "leaseTransitions": 3,
    }
    assert decide(held, "me", False, NOW, 15) is None
    took = decide(held, "me", True, NOW, 15)
    assert took is not None
    assert (took["holderIdentity"], took["acquireTime"], took["leaseTransitions"]) == ("me", NOW, 4)
    mine = {**held, "holderIdentity": "me"}
    renewed = decide(mine, "me", False, NOW, 15)
    assert renewed is not None
    assert (renewed["acquireTime"], renewed["renewTime"], renewed["leaseTransitions"]) == (
        "t0",
        NOW,
        3,
    )
    released = {**held, "holderIdentity": ""}
    assert decide(released, "me", False, NOW, 15) is not None  # free at once


def test_config_checks_the_durations() -> None:
    with pytest.raises(ValueError, match="lease_duration > renew_deadline > retry_period"):
        LeaderElectionConfig("lock", lease_duration=2, renew_deadline=3)
    assert LeaderElectionConfig("lock").identity  # hostname_pid_random by default


class FakeLeases:
    """Just enough of AsyncClient for Leases: get/create/update with resourceVersion checks."""

    def __init__(self) -> None:
        self.lease: dict[str, Any] | None = None
        self.rv = 0
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise errors.ServiceUnavailable("api down")

    async def get(self, resource: Any, name: str, namespace: str | None = None) -> dict[str, Any]:
        self._check()
        if self.lease is None:
            raise errors.NotFound("not found")
        return copy.deepcopy(self.lease)

    async def create(self, resource: Any, obj: dict[str, Any], namespace: Any = None) -> Any:
        self._check()
        if self.lease is not None:
            raise errors.AlreadyExists("exists")
        return self._store(obj)

    async def update(self, resource: Any, obj: dict[str, Any], namespace: Any = None) -> Any:
        self._check()
        assert self.lease is not None
        if obj["metadata"]["resourceVersion"] != self.lease["metadata"]["resourceVersion"]:
            raise errors.Conflict("conflict")
        return self._store(obj)

    def _store(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.rv += 1
        self.lease = copy.deepcopy(obj)
        self.lease["metadata"]["resourceVersion"] = str(self.rv)
        return copy.deepcopy(self.lease)


async def eventually(cond: Any, what: str, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


def elector(api: FakeLeases, name: str) -> LeaderElector:
    cfg = LeaderElectionConfig(
        "lock", identity=name, lease_duration=0.6, renew_deadline=0.4, retry_period=0.05
    )
    return LeaderElector(api, cfg)  # type: ignore[arg-type]


def test_one_leads_the_other_takes_over_when_renewals_stop() -> None:
    async def scenario() -> None:
        api = FakeLeases()
        leading: list[str] = []
        stopped: list[str] = []

        def work(name: str) -> Any:
            async def lead(lost: asyncio.Event) -> None:
                leading.append(name)
                await lost.wait()

            return lead

        a, b = elector(api, "a"), elector(api, "b")
        ta = asyncio.create_task(a.run(work("a"), lambda: stopped.append("a")))
        await eventually(lambda: leading == ["a"], "a leads")
        tb = asyncio.create_task(b.run(work("b"), lambda: stopped.append("b")))
        await eventually(lambda: b.observed_leader == "a", "b sees a")
        assert leading == ["a"] and a.is_leader and not b.is_leader
        # a's API goes away: a must give up within its renew deadline, and b takes over.
        renewals = api.rv
        await eventually(lambda: api.rv >= renewals + 3, "a renews")
        assert leading == ["a"]
        api.down = True
        await eventually(lambda: stopped == ["a"], "a gives up")
        assert not a.is_leader
        await ta  # run() returns after losing leadership
        api.down = False
        await eventually(lambda: leading == ["a", "b"], "b leads")
        assert api.lease is not None and api.lease["spec"]["leaseTransitions"] == 1
        tb.cancel()
        with pytest.raises(asyncio.CancelledError):
            await tb
        assert stopped == ["a", "b"]
        assert api.lease["spec"]["holderIdentity"] == ""  # released on cancel

    asyncio.run(asyncio.wait_for(scenario(), 20))
