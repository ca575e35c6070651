"""Queue ordering, backoff and parking, with a fake clock."""

from __future__ import annotations

import asyncio

from scheduler.queue import SchedulingQueue

from .fixtures import pod


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _queue() -> tuple[SchedulingQueue, Clock]:
    clock = Clock()
    return SchedulingQueue(initial_backoff=1, max_backoff=10, clock=clock), clock


def _pop(q: SchedulingQueue):  # type: ignore[no-untyped-def]
    return asyncio.run(asyncio.wait_for(q.pop(), 1))


def test_priority_then_age() -> None:
    q, clock = _queue()
    q.add(pod("old-low", priority=1))
    clock.now += 1
    q.add(pod("high", priority=100))
    clock.now += 1
    q.add(pod("new-low", priority=1))
    assert [_pop(q).info.name for _ in range(3)] == ["high", "old-low", "new-low"]


def test_backoff_doubles_and_caps() -> None:
    q, _ = _queue()
    assert [q.backoff_duration(n) for n in (1, 2, 3, 4, 5, 6)] == [1, 2, 4, 8, 10, 10]


def test_unschedulable_parks_until_event_then_respects_backoff() -> None:
    q, clock = _queue()
    q.add(pod("p"))
    item = _pop(q)
    q.add_unschedulable(item, q.scheduling_cycle)
    assert q.counts() == {"active": 0, "backoff": 0, "unschedulable": 1}
    q.move_all_to_active_or_backoff()  # within its 1 s backoff: to backoff
    assert q.counts()["backoff"] == 1
    q.flush(clock.now + 0.5)
    assert q.counts()["backoff"] == 1
    clock.now += 1.0
    assert _pop(q).info.name == "p"


def test_event_during_cycle_sends_to_backoff_not_parking() -> None:
    q, clock = _queue()
    q.add(pod("p"))
    item = _pop(q)
    cycle = q.scheduling_cycle
    q.move_all_to_active_or_backoff()  # a node arrived while "p" was being scheduled
    q.add_unschedulable(item, cycle)
    assert q.counts()["backoff"] == 1


def test_parked_pods_are_retried_after_max_unschedulable() -> None:
    q, clock = _queue()
    q.add(pod("p"))
    item = _pop(q)
    q.add_unschedulable(item, q.scheduling_cycle)
    clock.now += q.max_unschedulable
    q.flush(clock.now)
    assert q.counts()["active"] == 1


def test_delete_and_update() -> None:
    q, _ = _queue()
    q.add(pod("a", priority=1))
    q.add(pod("b", priority=2))
    q.update(pod("a", priority=5))
    q.delete("default/b")
    assert _pop(q).info.name == "a"
    assert q.counts() == {"active": 0, "backoff": 0, "unschedulable": 0}


def test_spec_change_wakes_a_parked_pod() -> None:
    q, clock = _queue()
    q.add(pod("p", cpu="8"))
    item = _pop(q)
    q.add_unschedulable(item, q.scheduling_cycle)
    clock.now += 5
    q.update(pod("p", cpu="1"))
    assert q.counts()["active"] == 1


def test_pop_waits_for_backoff_and_close_ends_it() -> None:
    async def scenario() -> list[str | None]:
        q = SchedulingQueue(initial_backoff=0.05, max_backoff=0.05)
        q.add(pod("p"))
        item = await q.pop()
        assert item is not None
        q.add_backoff(item)
        again = await asyncio.wait_for(q.pop(), 5)
        waiter = asyncio.ensure_future(q.pop())
        await asyncio.sleep(0)
        q.close()
        last = await asyncio.wait_for(waiter, 5)
        return [again.info.name if again else None, last.info.name if last else None]

    assert asyncio.run(scenario()) == ["p", None]
