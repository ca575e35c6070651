from scheduler.framework import Code
from scheduler.plugins.node_resources_fit import (
    MOST_ALLOCATED,
    NodeResourcesFit,
    allocation_score,
    factory,
    insufficient,
)

from ..fixtures import node, pinfo, place


def test_fits_and_reasons() -> None:
    n = place(node(cpu="2", memory="1Gi", pods=2), pinfo("a", "1500m", "512Mi"))
    assert insufficient(pinfo("b", "500m", "512Mi"), n) == []
    assert insufficient(pinfo("b", "600m", "600Mi"), n) == [
        "Insufficient cpu",
        "Insufficient memory",
    ]
    place(n, pinfo("c"))
    assert insufficient(pinfo("d"), n) == ["Too many pods"]


def test_filter_status_is_unschedulable() -> None:
    status = NodeResourcesFit().filter({}, pinfo("x", "5"), node(cpu="4"))
    assert status is not None and status.code == Code.UNSCHEDULABLE
    assert status.reasons == ("Insufficient cpu",)


def test_least_and_most_allocated() -> None:
    empty, half = (
        node(cpu="4", memory="4Gi"),
        place(node(cpu="4", memory="4Gi"), pinfo("a", "2", "2Gi")),
    )
    p = pinfo("p", "1", "1Gi")
    assert allocation_score(p, empty) == 75
    assert allocation_score(p, half) == 25
    assert allocation_score(p, empty, MOST_ALLOCATED) == 25
    assert allocation_score(p, half, MOST_ALLOCATED) == 75


def test_factory_reads_scoring_strategy() -> None:
    assert factory({"scoringStrategy": {"type": "MostAllocated"}}).strategy == MOST_ALLOCATED
