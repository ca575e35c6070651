"""Rate limiters: per-item exponential backoff, the token bucket, and their maximum."""

from __future__ import annotations

import pytest

from minik8s.client.ratelimit import (
    BucketRateLimiter,
    ExponentialRateLimiter,
    MaxOfRateLimiter,
    default_controller_rate_limiter,
)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- exponential --------------------------------------------------------------------------------


def test_exponential_doubles_per_failure_and_caps() -> None:
    limiter = ExponentialRateLimiter(base=0.005, cap=0.1)
    delays = [limiter.when("a") for _ in range(7)]
    assert delays == pytest.approx([0.005, 0.01, 0.02, 0.04, 0.08, 0.1, 0.1])
    assert limiter.failures("a") == 7
    assert limiter.num_requeues("a") == 7


def test_exponential_items_are_independent() -> None:
    limiter = ExponentialRateLimiter(base=1, cap=100)
    limiter.when("a")
    limiter.when("a")
    assert limiter.when("b") == 1
    assert limiter.when("a") == 4
    assert limiter.failures("b") == 1


def test_exponential_forget_restarts_the_backoff() -> None:
    limiter = ExponentialRateLimiter(base=1, cap=100)
    for _ in range(5):
        limiter.when("a")
    limiter.forget("a")
    assert limiter.failures("a") == 0
    assert limiter.when("a") == 1
    limiter.forget("never-seen")  # no error


def test_exponential_never_overflows() -> None:
    limiter = ExponentialRateLimiter(base=0.005, cap=300)
    for _ in range(2000):
        delay = limiter.when("a")
    assert delay == 300


@pytest.mark.parametrize(("base", "cap"), [(0, 1), (-1, 1), (2, 1)])
def test_exponential_rejects_bad_settings(base: float, cap: float) -> None:
    with pytest.raises(ValueError):
        ExponentialRateLimiter(base=base, cap=cap)


# --- token bucket -------------------------------------------------------------------------------


def test_bucket_allows_a_burst_then_spaces_retries_by_qps() -> None:
    clock = FakeClock()
    limiter = BucketRateLimiter(qps=10, burst=3, clock=clock)
    assert [limiter.when(i) for i in range(3)] == [0, 0, 0]
    # The bucket is empty: each further caller reserves the next token, 0.1 s apart.
    assert [limiter.when(i) for i in range(3)] == pytest.approx([0.1, 0.2, 0.3])


def test_bucket_refills_with_time_up_to_the_burst() -> None:
    clock = FakeClock()
    limiter = BucketRateLimiter(qps=10, burst=3, clock=clock)
    for i in range(3):
        limiter.when(i)
    clock.advance(0.1)  # one token back
    assert limiter.when("x") == 0
    assert limiter.when("y") == pytest.approx(0.1)
    clock.advance(3600)  # refill stops at the burst
    assert [limiter.when(i) for i in range(4)] == pytest.approx([0, 0, 0, 0.1])


def test_bucket_reservations_are_paid_back_before_new_tokens() -> None:
    clock = FakeClock()
    limiter = BucketRateLimiter(qps=1, burst=1, clock=clock)
    assert limiter.when("a") == 0
    assert limiter.when("b") == 1  # borrowed one token from the future
    clock.advance(1)  # that second pays the debt back
    assert limiter.when("c") == 1


def test_bucket_forget_is_a_no_op_and_counts_nothing() -> None:
    limiter = BucketRateLimiter(qps=1, burst=1, clock=FakeClock())
    limiter.when("a")
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a") == 1


@pytest.mark.parametrize(("qps", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_bucket_rejects_bad_settings(qps: float, burst: int) -> None:
    with pytest.raises(ValueError):
        BucketRateLimiter(qps=qps, burst=burst, clock=FakeClock())


# --- max of -------------------------------------------------------------------------------------


def test_max_of_answers_the_longest_delay_and_every_limiter_counts() -> None:
    clock = FakeClock()
    exponential = ExponentialRateLimiter(base=0.5, cap=100)
    bucket = BucketRateLimiter(qps=1, burst=1, clock=clock)
    limiter = MaxOfRateLimiter(exponential, bucket)
    assert limiter.when("a") == 0.5  # exponential wins; the bucket had a token
    assert limiter.when("a") == 1  # both answer 1 s: exponential 2**1 * 0.5, a borrowed token
    assert limiter.when("a") == 2  # both answer 2 s
    assert limiter.when("b") == 3  # bucket: third borrowed token
    assert exponential.failures("a") == 3
    assert limiter.num_requeues("a") == 3
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0


def test_max_of_needs_a_limiter() -> None:
    with pytest.raises(ValueError):
        MaxOfRateLimiter()


def test_default_controller_rate_limiter_is_client_gos() -> None:
    clock = FakeClock()
    limiter = default_controller_rate_limiter(clock)
    # 100 different keys fail at once: each gets the 5 ms first backoff...
    assert {limiter.when(i) for i in range(100)} == {0.005}
    # ...and the 101st waits for the bucket (10 qps).
    assert limiter.when(100) == pytest.approx(0.1)
    # One key failing for ever ends at the 1000 s cap.
    clock.advance(10_000)
    for _ in range(40):
        delay = limiter.when("stuck")
    assert delay == 1000
