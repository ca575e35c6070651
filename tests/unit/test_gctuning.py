"""The daemons' collector settings: startup objects frozen, young collections rarer."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from minik8s import gctuning


@pytest.fixture
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_tune_freezes_the_startup_heap_and_raises_gen0(restore_gc: None) -> None:
    _, gen1, gen2 = gc.get_threshold()
    startup = [{"object": i} for i in range(100)]  # tracked containers alive at startup
    gctuning.tune()
    assert gc.get_freeze_count() >= len(startup)
    assert gc.get_threshold() == (gctuning.GEN0_THRESHOLD, gen1, gen2)
    # Objects that exist later are still collected when they form cycles.
    cycle: list[object] = []
    cycle.append(cycle)
    del cycle
    assert gc.collect() >= 1
