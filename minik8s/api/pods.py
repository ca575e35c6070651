"""What a Pod is, by Kubernetes' rules: terminal, ready, available, its QoS class.

The API server (defaulting `status.qosClass`), the kubelet (reporting it and the phase), the
scheduler, the controllers and mkctl all ask these questions of pods; each rule lives here
once (Kubernetes keeps them in `pkg/api/v1/pod/util.go` and `pkg/apis/core/v1/helper/qos`)
so that no two components can disagree.

Pods are plain JSON dicts and may come from anywhere (a manifest, the cache, a hand-written
status), so every function tolerates missing fields and wrong types: a pod without a usable
Ready condition is not ready, a request that is not a quantity counts as none. All pure,
no state: safe from any thread or event loop.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from minik8s.api.quantity import parse_quantity
from minik8s.api.times import epoch_seconds

__all__ = [
    "GUARANTEED",
    "BURSTABLE",
    "BEST_EFFORT",
    "TERMINAL_PHASES",
    "compute_qos_class",
    "is_phase_terminal",
    "is_pod_available",
    "is_pod_ready",
    "is_pod_terminal",
    "pod_condition",
    "pod_phase",
    "qos_class",
]

Obj = dict[str, Any]

TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})

GUARANTEED = "Guaranteed"
BURSTABLE = "Burstable"
BEST_EFFORT = "BestEffort"
_QOS_CLASSES = frozenset({GUARANTEED, BURSTABLE, BEST_EFFORT})
_QOS_RESOURCES = ("cpu", "memory")


def _dict(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[Obj]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


# --------------------------------------------------------------------------- phase


def pod_phase(pod: Any) -> str:
    """`status.phase`, "" when there is none."""
    phase = _dict(_dict(pod).get("status")).get("phase")
    return phase if isinstance(phase, str) else ""


def is_phase_terminal(phase: Any) -> bool:
    """Succeeded or Failed: the pod's containers never run again."""
    return phase in TERMINAL_PHASES


def is_pod_terminal(pod: Any) -> bool:
    """`IsPodTerminal`: the pod reached Succeeded or Failed."""
    # the scheduler asks on every pod event: the common shape first, garbage after
    try:
        return pod["status"]["phase"] in TERMINAL_PHASES
    except (KeyError, TypeError):
        return False


# --------------------------------------------------------------------------- conditions


def pod_condition(pod: Any, ctype: str) -> Obj | None:
    """`GetPodCondition`: a copy of the pod's condition of that type, None when absent."""
    for cond in _dicts(_dict(_dict(pod).get("status")).get("conditions")):
        if cond.get("type") == ctype:
            return dict(cond)
    return None


def is_pod_ready(pod: Any) -> bool:
    """`IsPodReady`: the Ready condition is True."""
    cond = pod_condition(pod, "Ready")
    return cond is not None and cond.get("status") == "True"


def is_pod_available(pod: Any, min_ready_seconds: int, now: float) -> bool:
    """`IsPodAvailable`: ready, and ready for at least `min_ready_seconds` by the Ready
    condition's lastTransitionTime (`now` in seconds since the epoch)."""
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds <= 0:
        return True
    since = epoch_seconds((pod_condition(pod, "Ready") or {}).get("lastTransitionTime"))
    return since is not None and since + min_ready_seconds <= now


# --------------------------------------------------------------------------- QoS


def _add_positive(block: Any, totals: dict[str, Decimal]) -> set[str]:
    """Add the positive cpu/memory quantities of a requests or limits block to `totals`;
    the names added. Zero (and unparsable) amounts are no request at all."""
    found: set[str] = set()
    for name in _QOS_RESOURCES:
        value = _dict(block).get(name)
        if value is None:
            continue
        try:
            amount = parse_quantity(value)
        except ValueError:
            continue
        if amount > 0:
            totals[name] = totals.get(name, Decimal(0)) + amount
            found.add(name)
    return found


def compute_qos_class(spec: Any) -> str:
    """Kubernetes' `ComputePodQOS` of a pod spec: BestEffort, Burstable or Guaranteed.

    Requests and limits of cpu and memory are summed as quantities over the containers
    *and* the init containers, ignoring zero amounts. No request or limit at all:
    BestEffort. Every container limiting both cpu and memory, with the summed requests
    equal to the summed limits: Guaranteed. Anything else: Burstable.

    A limit without a request counts as that request, as the API server's defaulting
    makes it before Kubernetes computes the class: a spec that was never defaulted (a unit
    test, a manifest read by mkctl) gets the class the stored pod will have.
    """
    requests: dict[str, Decimal] = {}
    limits: dict[str, Decimal] = {}
    guaranteed = True
    spec = _dict(spec)
    for container in _dicts(spec.get("containers")) + _dicts(spec.get("initContainers")):
        resources = _dict(container.get("resources"))
        limit_block = _dict(resources.get("limits"))
        _add_positive({**limit_block, **_dict(resources.get("requests"))}, requests)
        if _add_positive(limit_block, limits) != set(_QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return BEST_EFFORT
    if guaranteed and requests == limits:
        return GUARANTEED
    return BURSTABLE


def qos_class(pod: Any) -> str:
    """`GetPodQOS`: the class the pod's status already records (the API server sets it at
    creation and it never changes), else the one its spec gives."""
    recorded = _dict(_dict(pod).get("status")).get("qosClass")
    if recorded in _QOS_CLASSES:
        return str(recorded)
    return compute_qos_class(_dict(pod).get("spec"))
