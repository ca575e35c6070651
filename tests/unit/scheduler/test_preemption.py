from scheduler.config import default_config
from scheduler.framework import unresolvable, unschedulable
from scheduler.preemption import NOT_HELPFUL, preempt

from .fixtures import node, pinfo, place

PROFILE = default_config().profiles["default-scheduler"]


def test_picks_cheapest_node_and_reprieves() -> None:
    a = place(node("a", cpu="2"), pinfo("a-low", "1", priority=1), pinfo("a-mid", "1", priority=5))
    b = place(node("b", cpu="2"), pinfo("b-mid", "1", priority=5), pinfo("b-mid2", "1", priority=5))
    preemptor = pinfo("p", "1", priority=10)
    statuses = {n: unschedulable("NodeResourcesFit", "Insufficient cpu") for n in ("a", "b")}
    candidate, _ = preempt(PROFILE, preemptor, [a, b], statuses)
    assert candidate is not None and candidate.node == "a"
    assert [v.name for v in candidate.victims] == ["a-low"]  # a-mid reprieved


def test_never_higher_or_equal_priority_and_not_on_unresolvable() -> None:
    a = place(node("a", cpu="1"), pinfo("same", "1", priority=10))
    b = place(node("b", cpu="1"), pinfo("low", "1", priority=1))
    preemptor = pinfo("p", "1", priority=10)
    statuses = {"a": unschedulable("F", "Insufficient cpu"), "b": unresolvable("T", "taint")}
    candidate, message = preempt(PROFILE, preemptor, [a, b], statuses)
    assert candidate is None
    assert message == (
        "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, "
        f"1 {NOT_HELPFUL}."
    )


def test_a_pod_with_preemption_policy_never_preempts_nobody() -> None:
    a = place(node("a", cpu="1"), pinfo("low", "1", priority=1))
    preemptor = pinfo("p", "1", priority=10)
    preemptor.pod["spec"]["preemptionPolicy"] = "Never"
    statuses = {"a": unschedulable("NodeResourcesFit", "Insufficient cpu")}
    candidate, message = preempt(PROFILE, preemptor, [a], statuses)
    assert candidate is None and "preemptionPolicy=Never" in message
