"""The work queue: dedup, one worker per key, delays, rate-limited retries, shutdown.

Every test runs on a real event loop (`asyncio.run`); delays are measured with a fake
clock wherever the semantics allow, and waits are bounded by `asyncio.wait_for`.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from prometheus_client import REGISTRY

from minik8s.client.ratelimit import ExponentialRateLimiter
from minik8s.client.workqueue import WorkQueue, run_workers

R = TypeVar("R")
_names = itertools.count()


def run(coro: Coroutine[Any, Any, R]) -> R:
    """Runs a test coroutine on a fresh loop; a hang fails the test after 10 s."""
    return asyncio.run(asyncio.wait_for(coro, 10))


async def settle() -> None:
    """Lets every ready callback and task run (a few loop iterations, no wall time)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def take(queue: WorkQueue[str]) -> str | None:
    return await asyncio.wait_for(queue.get(), 2)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def unique_name() -> str:
    return f"test-queue-{next(_names)}-{random.getrandbits(32):x}"


# --- dedup and the processing / dirty states ------------------------------------------------


def test_an_item_is_queued_once_however_often_it_is_added() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue()
        for key in ["a", "b", "a", "a", "c", "b"]:
            queue.add(key)
        assert len(queue) == 3
        assert [await take(queue) for _ in range(3)] == ["a", "b", "c"]  # first-add order
        assert len(queue) == 0

    run(scenario())


def test_an_item_added_while_processing_is_requeued_once_after_done() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue()
        queue.add("a")
        assert await take(queue) == "a"
        queue.add("a")
        queue.add("a")
        assert len(queue) == 0  # dirty, but not handed to a second worker
        queue.done("a")
        assert len(queue) == 1
        assert await take(queue) == "a"
        queue.done("a")
        assert len(queue) == 0  # exactly once: the second processing left it clean

    run(scenario())


def test_done_for_an_item_not_processing_is_ignored() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue()
        queue.add("a")
        queue.done("a")  # queued, not processing
        queue.done("zzz")
        assert len(queue) == 1
        assert await take(queue) == "a"

    run(scenario())


def test_a_waiting_getter_is_woken_by_add() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue()
        getter = asyncio.create_task(queue.get())
        await settle()
        assert not getter.done()
        queue.add("a")
        assert await asyncio.wait_for(getter, 2) == "a"

    run(scenario())


def test_a_getter_cancelled_after_its_wakeup_passes_the_item_on() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue()
        first = asyncio.create_task(queue.get())
        second = asyncio.create_task(queue.get())
        await settle()
        queue.add("a")  # wakes `first`...
        first.cancel()  # ...which is cancelled before it runs
        assert await asyncio.wait_for(second, 2) == "a"
        assert first.cancelled()

    run(scenario())


def test_eight_workers_never_process_one_key_at_once_and_miss_no_add() -> None:
    """Adds race the workers; every key's last add is seen by a later processing."""

    async def scenario() -> None:
        queue: WorkQueue[int] = WorkQueue()
        rng = random.Random(7)
        in_progress: set[int] = set()
        added = dict.fromkeys(range(10), 0)  # key -> how many times it was added
        seen = dict.fromkeys(range(10), -1)  # key -> adds seen when processing last began
        overlaps: list[int] = []

        async def handle(key: int) -> None:
            if key in in_progress:
                overlaps.append(key)
            in_progress.add(key)
            seen[key] = added[key]
            for _ in range(rng.randint(0, 3)):
                await asyncio.sleep(0)
            in_progress.discard(key)

        async def produce() -> None:
            for _ in range(2000):
                key = rng.randrange(10)
                added[key] += 1
                queue.add(key)
                if rng.random() < 0.5:
                    await asyncio.sleep(0)
            queue.shut_down()

        await asyncio.gather(run_workers(queue, handle, 8), produce())
        assert overlaps == []
        assert seen == added
        assert len(queue) == 0

    run(scenario())


# --- delays ---------------------------------------------------------------------------------


def test_add_after_releases_items_in_ready_time_order() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        queue: WorkQueue[str] = WorkQueue(clock=clock)
        queue.add_after("a", 5)
        queue.add_after("b", 1)
        queue.add_after("c", 3)
        assert len(queue) == 0
        clock.advance(1)
        assert len(queue) == 1
        assert await take(queue) == "b"
        clock.advance(2)
        assert await take(queue) == "c"
        clock.advance(1.5)
        assert len(queue) == 0
        clock.advance(0.5)
        assert await take(queue) == "a"

    run(scenario())


def test_add_after_keeps_the_earliest_ready_time() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        queue: WorkQueue[str] = WorkQueue(clock=clock)
        queue.add_after("a", 10)
        queue.add_after("a", 2)  # earlier: wins
        queue.add_after("a", 20)  # later: ignored
        clock.advance(2)
        assert len(queue) == 1
        assert await take(queue) == "a"
        queue.done("a")
        clock.advance(100)  # the superseded entries do not fire again
        assert len(queue) == 0

    run(scenario())


def test_add_after_without_delay_adds_now() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue(clock=FakeClock())
        queue.add_after("a", 0)
        queue.add_after("b", -1)
        assert [await take(queue), await take(queue)] == ["a", "b"]

    run(scenario())


def test_a_parked_item_whose_time_came_wakes_a_waiting_getter() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        queue: WorkQueue[str] = WorkQueue(clock=clock)
        getter = asyncio.create_task(queue.get())
        queue.add_after("a", 60)
        await settle()
        assert not getter.done()
        clock.advance(60)
        assert len(queue) == 1  # promotes, and the promotion wakes the getter
        assert await asyncio.wait_for(getter, 2) == "a"

    run(scenario())


def test_the_loop_timer_releases_parked_items_with_the_real_clock() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue()
        queue.add_after("late", 0.06)
        queue.add_after("early", 0.02)
        assert await take(queue) == "early"
        assert await take(queue) == "late"

    run(scenario())


def test_parked_items_added_before_the_loop_runs_are_released() -> None:
    clock = FakeClock()
    queue: WorkQueue[str] = WorkQueue(clock=clock)
    queue.add_after("a", 1)  # no running loop: no timer yet
    clock.advance(1)
    assert run(take(queue)) == "a"


# --- rate-limited retries -------------------------------------------------------------------


def test_rate_limited_requeues_back_off_exponentially_and_reset_after_forget() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        limiter = ExponentialRateLimiter(base=1, cap=1000)
        queue: WorkQueue[str] = WorkQueue(rate_limiter=limiter, clock=clock)

        async def fail_once_and_measure() -> float:
            queue.add_rate_limited("a")
            waited = 0.0
            while len(queue) == 0:
                clock.advance(0.5)
                waited += 0.5
            assert await take(queue) == "a"
            queue.done("a")
            return waited

        assert [await fail_once_and_measure() for _ in range(4)] == [1, 2, 4, 8]
        assert queue.num_requeues("a") == 4
        queue.forget("a")
        assert queue.num_requeues("a") == 0
        assert await fail_once_and_measure() == 1

    run(scenario())


def test_the_default_rate_limiter_is_the_controller_one() -> None:
    clock = FakeClock()
    queue: WorkQueue[str] = WorkQueue(clock=clock)
    queue.add_rate_limited("a")
    clock.advance(0.004)
    assert len(queue) == 0
    clock.advance(0.001)
    assert len(queue) == 1


# --- shutdown -------------------------------------------------------------------------------


def test_shut_down_answers_none_to_every_waiting_getter() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue()
        getters = [asyncio.create_task(queue.get()) for _ in range(5)]
        await settle()
        queue.shut_down()
        assert await asyncio.wait_for(asyncio.gather(*getters), 2) == [None] * 5
        assert queue.shutting_down

    run(scenario())


def test_after_shut_down_queued_items_come_out_then_none_and_adds_are_ignored() -> None:
    async def scenario() -> None:
        clock = FakeClock()
        queue: WorkQueue[str] = WorkQueue(clock=clock)
        queue.add("a")
        queue.add("b")
        queue.add_after("parked", 1)
        queue.shut_down()
        queue.add("c")
        queue.add_after("d", 1)
        queue.add_rate_limited("e")
        clock.advance(10)
        assert [await take(queue) for _ in range(3)] == ["a", "b", None]
        assert await take(queue) is None  # and again, for every later caller

    run(scenario())


def test_an_item_dirtied_before_shut_down_is_still_handed_out() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue()
        queue.add("a")
        assert await take(queue) == "a"
        queue.add("a")  # dirty while processing
        queue.shut_down()
        queue.done("a")
        assert await take(queue) == "a"
        queue.done("a")
        assert await take(queue) is None

    run(scenario())


def test_shut_down_with_drain_waits_for_items_in_processing() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue()
        queue.add("a")
        queue.add("b")
        assert await take(queue) == "a"
        assert await take(queue) == "b"
        drain = asyncio.create_task(queue.shut_down_with_drain())
        await settle()
        assert queue.shutting_down
        queue.done("a")
        await settle()
        assert not drain.done()  # "b" is still processing
        queue.done("b")
        await asyncio.wait_for(drain, 2)

    run(scenario())


def test_shut_down_with_drain_returns_at_once_when_idle() -> None:
    run(WorkQueue[str]().shut_down_with_drain(timeout=1))


def test_shut_down_with_drain_gives_up_after_its_timeout(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue(name="stuck")
        queue.add("a")
        assert await take(queue) == "a"
        await queue.shut_down_with_drain(timeout=0.01)  # "a" is never done

    run(scenario())
    assert "1 item(s) still processing" in caplog.text


# --- run_workers ----------------------------------------------------------------------------


def test_run_workers_retries_failures_with_backoff_and_forgets_on_success() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue(rate_limiter=ExponentialRateLimiter(base=0.001))
        attempts: list[int] = []
        errors: list[tuple[str, str]] = []

        async def handle(key: str) -> None:
            attempts.append(queue.num_requeues(key))
            if len(attempts) < 3:
                raise RuntimeError(f"boom {len(attempts)}")
            queue.shut_down()

        queue.add("a")
        await run_workers(queue, handle, 2, on_error=lambda k, e: errors.append((k, str(e))))
        assert attempts == [0, 1, 2]  # the retry count seen by each attempt
        assert errors == [("a", "boom 1"), ("a", "boom 2")]
        assert queue.num_requeues("a") == 0  # forgotten after the success

    run(scenario())


def test_run_workers_requeues_after_the_delay_a_handler_returns() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue()
        calls: list[str] = []

        async def handle(key: str) -> float | None:
            calls.append(key)
            if len(calls) == 1:
                return 0.01
            queue.shut_down()
            return None

        queue.add("a")
        await run_workers(queue, handle, 1)
        assert calls == ["a", "a"]

    run(scenario())


def test_run_workers_logs_errors_by_default_and_survives_a_bad_error_handler(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario(on_error: Any) -> None:
        queue: WorkQueue[str] = WorkQueue(rate_limiter=ExponentialRateLimiter(base=0.001))

        async def handle(key: str) -> None:
            if queue.num_requeues(key) == 0:
                raise ValueError("bad object")
            queue.shut_down()

        queue.add("ns/web")
        await run_workers(queue, handle, 1, on_error=on_error)

    run(scenario(None))
    assert "error processing 'ns/web', will retry: bad object" in caplog.text

    def broken(key: str, exc: Exception) -> None:
        raise RuntimeError("handler bug")

    run(scenario(broken))
    assert "error handler failed" in caplog.text


def test_run_workers_marks_the_item_done_when_cancelled() -> None:
    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue()
        started = asyncio.Event()

        async def handle(key: str) -> None:
            started.set()
            await asyncio.Event().wait()

        queue.add("a")
        workers = asyncio.create_task(run_workers(queue, handle, 3))
        await asyncio.wait_for(started.wait(), 2)
        workers.cancel()
        with pytest.raises(asyncio.CancelledError):
            await workers
        await asyncio.wait_for(queue.shut_down_with_drain(), 2)  # nothing left processing

    run(scenario())


def test_run_workers_needs_a_worker() -> None:
    with pytest.raises(ValueError):
        run(run_workers(WorkQueue[str](), _noop, 0))


async def _noop(key: str) -> None:
    return None


# --- metrics --------------------------------------------------------------------------------


def sample(metric: str, name: str) -> float | None:
    value: float | None = REGISTRY.get_sample_value(metric, {"name": name})
    return value


def test_named_queues_export_metrics() -> None:
    name = unique_name()

    async def scenario() -> None:
        queue: WorkQueue[str] = WorkQueue(name, rate_limiter=ExponentialRateLimiter(base=0.001))
        queue.add("a")
        queue.add("a")
        queue.add("b")
        assert sample("workqueue_adds_total", name) == 2
        assert sample("workqueue_depth", name) == 2
        assert await take(queue) == "a"
        assert sample("workqueue_depth", name) == 1
        queue.done("a")
        queue.add_rate_limited("a")
        assert sample("workqueue_retries_total", name) == 1
        assert sample("workqueue_queue_duration_seconds_count", name) == 1
        assert sample("workqueue_work_duration_seconds_count", name) == 1

    run(scenario())


def test_unnamed_or_opted_out_queues_export_nothing() -> None:
    name = unique_name()
    quiet: WorkQueue[str] = WorkQueue(name, metrics=False)
    quiet.add("a")
    assert sample("workqueue_adds_total", name) is None
    unnamed: WorkQueue[str] = WorkQueue()
    unnamed.add("a")
    assert sample("workqueue_adds_total", "") is None
