"""Pod predicates and the QoS class: Kubernetes' rules, once, for every component."""

from __future__ import annotations

from typing import Any

import pytest

from minik8s.api.pods import (
    compute_qos_class,
    is_pod_available,
    is_pod_ready,
    is_pod_terminal,
    pod_condition,
    pod_phase,
    qos_class,
)

Obj = dict[str, Any]
NOW = 1_714_564_800.0  # 2024-05-01T12:00:00Z


def _pod(phase: str | None = None, ready: str | None = None, since: str = "") -> Obj:
    status: Obj = {}
    if phase is not None:
        status["phase"] = phase
    if ready is not None:
        status["conditions"] = [
            {"type": "PodScheduled", "status": "True"},
            {"type": "Ready", "status": ready, "lastTransitionTime": since},
        ]
    return {"metadata": {"name": "p"}, "status": status}


def test_terminal_phases() -> None:
    assert is_pod_terminal(_pod("Succeeded")) and is_pod_terminal(_pod("Failed"))
    for phase in ("Pending", "Running", "Unknown", None):
        assert not is_pod_terminal(_pod(phase))
    assert pod_phase(_pod("Running")) == "Running" and pod_phase({}) == ""


def test_ready_and_available() -> None:
    ready = _pod("Running", "True", "2024-05-01T11:59:50Z")
    assert is_pod_ready(ready)
    assert (pod_condition(ready, "Ready") or {}).get("status") == "True"
    assert is_pod_available(ready, 0, NOW)
    assert is_pod_available(ready, 10, NOW)  # ready for exactly minReadySeconds
    assert not is_pod_available(ready, 11, NOW)
    assert not is_pod_ready(_pod("Running", "False"))
    assert not is_pod_available(_pod("Running", "True"), 5, NOW)  # no transition time


@pytest.mark.parametrize(
    "pod",
    [
        None,
        "x",
        {},
        {"status": "x"},
        {"status": {"conditions": "x"}},
        {"status": {"conditions": [1]}},
    ],
)
def test_predicates_survive_garbage(pod: Any) -> None:
    assert not is_pod_ready(pod) and not is_pod_terminal(pod)
    assert pod_condition(pod, "Ready") is None


def _spec(*containers: Obj, init: tuple[Obj, ...] = ()) -> Obj:
    spec: Obj = {
        "containers": [{"name": f"c{i}", "resources": r} for i, r in enumerate(containers)]
    }
    if init:
        spec["initContainers"] = [{"name": f"i{i}", "resources": r} for i, r in enumerate(init)]
    return spec


BOTH = {"cpu": "1", "memory": "1Gi"}


@pytest.mark.parametrize(
    ("spec", "qos"),
    [
        (_spec({}), "BestEffort"),
        (_spec({"requests": {"cpu": "0", "memory": "0"}}), "BestEffort"),  # zero is none
        (_spec({"requests": {"nvidia.com/gpu": "1"}}), "BestEffort"),  # only cpu and memory
        (_spec({"limits": BOTH, "requests": BOTH}), "Guaranteed"),
        (_spec({"limits": BOTH}), "Guaranteed"),  # a missing request is its limit
        (_spec({"limits": BOTH, "requests": {"cpu": "1000m", "memory": "1024Mi"}}), "Guaranteed"),
        (_spec({"limits": BOTH, "requests": {"cpu": "500m"}}), "Burstable"),
        (_spec({"limits": {"cpu": "1"}}), "Burstable"),
        (_spec({"requests": {"memory": "1Gi"}}), "Burstable"),
        (_spec({"limits": BOTH}, {}), "Burstable"),  # one container without limits
        (_spec({"limits": BOTH}, init=({"limits": BOTH},)), "Guaranteed"),
        (_spec({"limits": BOTH}, init=({},)), "Burstable"),  # the init container counts
        (_spec({}, init=({"requests": {"cpu": "100m"}},)), "Burstable"),
        (_spec({"limits": {"cpu": "lots"}}), "BestEffort"),  # not a quantity: none
    ],
)
def test_compute_qos_class(spec: Obj, qos: str) -> None:
    assert compute_qos_class(spec) == qos


def test_qos_class_keeps_the_recorded_class() -> None:
    pod: Obj = {"spec": _spec({"limits": BOTH}), "status": {}}
    assert qos_class(pod) == "Guaranteed"
    pod["status"]["qosClass"] = "Burstable"  # set at creation, never recomputed
    assert qos_class(pod) == "Burstable"
    pod["status"]["qosClass"] = "nonsense"
    assert qos_class(pod) == "Guaranteed"
    assert qos_class("nonsense") == "BestEffort"
