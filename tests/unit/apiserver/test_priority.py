"""Pod priority admission as a pure function (apiserver.priority)."""

from __future__ import annotations

import pytest

from apiserver.priority import SYSTEM_CLASSES, admit_pod, check_single_global_default
from minik8s.api import errors

GOLD = {"metadata": {"name": "gold"}, "value": 100, "preemptionPolicy": "Never"}
LOW_DEFAULT = {"metadata": {"name": "low"}, "value": 5, "globalDefault": True}


def test_named_class_sets_priority_and_policy() -> None:
    pod = {"metadata": {"name": "p"}, "spec": {"priorityClassName": "gold"}}
    admit_pod(pod, [GOLD, *SYSTEM_CLASSES])
    assert pod["spec"]["priority"] == 100 and pod["spec"]["preemptionPolicy"] == "Never"


def test_global_default_applies_to_pods_without_a_class() -> None:
    pod: dict = {"metadata": {"name": "p"}, "spec": {}}
    admit_pod(pod, [GOLD, LOW_DEFAULT])
    assert pod["spec"] == {
        "priorityClassName": "low",
        "priority": 5,
        "preemptionPolicy": "PreemptLowerPriority",
    }


def test_no_class_no_default_is_zero() -> None:
    pod: dict = {"metadata": {"name": "p"}, "spec": {}}
    admit_pod(pod, [GOLD])
    assert pod["spec"] == {"priority": 0}


def test_unknown_class_and_mismatched_priority_are_forbidden() -> None:
    with pytest.raises(errors.Forbidden, match="no PriorityClass with name x"):
        admit_pod({"metadata": {"name": "p"}, "spec": {"priorityClassName": "x"}}, [GOLD])
    with pytest.raises(errors.Forbidden, match="computed 100"):
        admit_pod(
            {"metadata": {"name": "p"}, "spec": {"priorityClassName": "gold", "priority": 1}},
            [GOLD],
        )


def test_second_global_default_is_invalid() -> None:
    new = {"metadata": {"name": "other"}, "value": 1, "globalDefault": True}
    with pytest.raises(errors.Invalid) as caught:
        check_single_global_default(new, [LOW_DEFAULT])
    assert caught.value.causes[0].field == "globalDefault"
    check_single_global_default(new, [GOLD])  # no other default: fine
