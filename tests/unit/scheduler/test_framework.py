import random

from scheduler.framework import Code, FitError, Status, default_normalize, unschedulable
from scheduler.scheduler import num_feasible_nodes_to_find, select_host

from .fixtures import pinfo


def test_default_normalize() -> None:
    scores = {"a": 10, "b": 5, "c": 0}
    default_normalize(scores)
    assert scores == {"a": 100, "b": 50, "c": 0}
    reverse = {"a": 2, "b": 0}
    default_normalize(reverse, reverse=True)
    assert reverse == {"a": 0, "b": 100}
    zeros = {"a": 0}
    default_normalize(zeros, reverse=True)
    assert zeros == {"a": 100}


def test_fit_error_message_like_kube() -> None:
    fit = FitError(pinfo(), 5)
    fit.statuses = {
        "a": unschedulable("F", "Insufficient cpu"),
        "b": unschedulable("F", "Insufficient cpu", "Insufficient memory"),
        "c": unschedulable("F", "Insufficient cpu"),
        "d": Status(Code.UNRESOLVABLE, ("node(s) had untolerated taint {a: b}",)),
        "e": Status(Code.UNRESOLVABLE, ("node(s) had untolerated taint {a: b}",)),
    }
    assert fit.message() == (
        "0/5 nodes are available: 1 Insufficient memory, 2 node(s) had untolerated taint "
        "{a: b}, 3 Insufficient cpu."
    )


def test_sampling_is_adaptive() -> None:
    assert num_feasible_nodes_to_find(50, 0) == 50
    assert num_feasible_nodes_to_find(1000, 0) == 420  # 50 - 1000/125 = 42%
    assert num_feasible_nodes_to_find(5000, 0) == 500  # 10%
    assert num_feasible_nodes_to_find(100000, 0) == 5000  # at least 5%
    assert num_feasible_nodes_to_find(1000, 100) == 1000
    assert num_feasible_nodes_to_find(1000, 1) == 100  # never under 100


def test_select_host_breaks_ties_at_random() -> None:
    rng = random.Random(1)
    picks = {select_host({"a": 5, "b": 9, "c": 9}, rng) for _ in range(50)}
    assert picks == {"b", "c"}
