"""The CPU rate from two samples."""

from __future__ import annotations

from cridocker.stats import nano_cores


def test_nano_cores_from_two_samples() -> None:
    # 0.5 s of CPU over 1 s: half a core
    assert nano_cores((1_000_000_000, 0), 2_000_000_000, 500_000_000) == 500_000_000


def test_nano_cores_needs_a_previous_newer_sample() -> None:
    assert nano_cores(None, 1, 1) is None
    assert nano_cores((5, 10), 5, 20) is None  # same time
    assert nano_cores((5, 10), 6, 9) is None  # counter went back: a new container
