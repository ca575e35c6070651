"""Pod (core/v1): one or more containers that share a network namespace and volumes and
run together on one node.

The spec is checked and defaulted by the rules every pod template shares (`podspec`);
what is the Pod's own: a new pod starts `Pending` with its QoS class, whatever status the
client sent, and a container limit without a request requests the limit. Once created,
an update may change only container images, tolerations and `activeDeadlineSeconds`
(lowered, never removed). Deleting a pod that is bound to a node and not finished waits
for its kubelet (the requested grace period, else `terminationGracePeriodSeconds`, 30 s
by default); any other pod goes at once. The table is kube-apiserver's: READY counts
sidecar init containers, STATUS shows the reason a user most needs (an init step, a
waiting or failed container, Terminating).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from minik8s.api.defaults import child, dicts_at, set_default
from minik8s.api.errors import forbidden, invalid
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.kinds.podspec import (
    check_template_matches,
    default_pod_spec,
    default_template,
    validate_pod_spec,
    validate_template,
)
from minik8s.api.pods import compute_qos_class
from minik8s.api.printing import (
    AGE,
    NAME,
    age,
    as_dict,
    as_list,
    at,
    aware,
    column,
    condition_true,
    dicts,
    human_duration,
    integer,
    name_of,
    parse_time,
    text,
)
from minik8s.api.schema import CORE, Field, KindSchema, Ref

from .podschema import DEFINITIONS

# The pod template functions live in `podspec` with the rest of the pod spec's rules; the
# kinds with a pod template import them from here.
__all__ = [
    "DEFINITIONS",
    "POD",
    "PodStrategy",
    "check_template_matches",
    "default_template",
    "validate_template",
]


# ---------------------------------------------------------------- strategy

_POD_UPDATE_MSG = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
    "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
    "(allow it to be set to 1 if it was previously negative)"
)


def _copy_field(target: Obj, source: Obj, key: str) -> None:
    if key in source:
        target[key] = copy.deepcopy(source[key])
    else:
        target.pop(key, None)


def _mask_pod_spec(spec: Obj, old_spec: Obj) -> Obj:
    """`spec` with every field a pod update may change taken from `old_spec`."""
    masked = copy.deepcopy(spec)
    for key in ("containers", "initContainers"):
        new_list, old_list = masked.get(key), old_spec.get(key)
        if not isinstance(new_list, list) or not isinstance(old_list, list):
            continue
        for new_c, old_c in zip(new_list, old_list, strict=False):
            if isinstance(new_c, dict) and isinstance(old_c, dict):
                _copy_field(new_c, old_c, "image")
    for key in ("activeDeadlineSeconds", "tolerations"):
        _copy_field(masked, old_spec, key)
    return masked


def _validate_update(obj: Obj, old: Obj, errs: Errs) -> None:
    spec, old_spec = obj.get("spec"), old.get("spec")
    if not isinstance(spec, dict) or not isinstance(old_spec, dict):
        if spec != old_spec:
            errs.append(forbidden("spec", _POD_UPDATE_MSG))
        return
    if _mask_pod_spec(spec, old_spec) != old_spec:
        errs.append(forbidden("spec", _POD_UPDATE_MSG))
    old_deadline, deadline = (
        old_spec.get("activeDeadlineSeconds"),
        spec.get("activeDeadlineSeconds"),
    )
    if isinstance(old_deadline, int) and deadline is None:
        errs.append(
            invalid(
                "spec.activeDeadlineSeconds",
                None,
                "must not update from a positive integer to nil value",
            )
        )
    elif isinstance(old_deadline, int) and isinstance(deadline, int) and deadline > old_deadline:
        errs.append(
            invalid(
                "spec.activeDeadlineSeconds",
                deadline,
                "must be less than or equal to previous value",
            )
        )


def _requests_from_limits(spec: Obj) -> None:
    """A container with a limit but no request for a resource requests its limit."""
    for key in ("containers", "initContainers"):
        for container in dicts_at(spec, key):
            resources = child(container, "resources", create=False)
            if resources is None:
                continue
            limits = resources.get("limits")
            if not isinstance(limits, dict) or not limits:
                continue
            requests = child(resources, "requests")
            if requests is None:
                continue
            for name, value in limits.items():
                if name not in requests:
                    requests[name] = copy.deepcopy(value)


class PodStrategy(Strategy):
    reset_status_on_create = True  # the kubelet owns a pod's status

    def default(self, obj: Obj) -> None:
        spec = child(obj, "spec")
        if spec is None:
            return
        default_pod_spec(spec)
        _requests_from_limits(spec)
        set_default(spec, "priority", 0)
        status = child(obj, "status")
        if status is not None and status.get("phase") is None:
            status["phase"] = "Pending"
            status["qosClass"] = compute_qos_class(spec)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validate_pod_spec(obj.get("spec"), "spec", errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        _validate_update(new, old, errs)

    def grace_period(self, obj: Obj, requested: int | None) -> int:
        """0 means delete now: a pod not yet on a node, or already finished, has no kubelet
        to wait for."""
        spec = obj.get("spec") or {}
        if not spec.get("nodeName"):
            return 0
        if (obj.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return 0
        if requested is not None:
            return max(0, requested)
        grace = spec.get("terminationGracePeriodSeconds")
        return grace if isinstance(grace, int) and grace >= 0 else 30


# ---------------------------------------------------------------- printer
# kube-apiserver's `printPod`.


def _is_restartable_init(container: Any) -> bool:
    return as_dict(container).get("restartPolicy") == "Always"


def _terminated_reason(terminated: dict[str, Any], prefix: str) -> str:
    reason = text(terminated.get("reason"))
    if reason:
        return prefix + reason
    signal = integer(terminated.get("signal"))
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{integer(terminated.get('exitCode'))}"


def _last_termination(status: dict[str, Any]) -> datetime | None:
    finished = at(status, "lastState", "terminated", "finishedAt")
    return parse_time(finished) if at(status, "lastState", "terminated") is not None else None


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


@dataclass
class _PodSummary:
    """What the READY, STATUS and RESTARTS columns of a pod show."""

    reason: str
    ready: int
    total: int
    restarts: int
    last_restart: datetime | None


def _summarize_init(pod: Obj, summary: _PodSummary) -> tuple[bool, int, datetime | None]:
    """Walk init containers; returns (initializing, sidecar restarts, last sidecar restart)."""
    spec, status = as_dict(pod.get("spec")), as_dict(pod.get("status"))
    init_specs = {text(c.get("name")): c for c in dicts(spec.get("initContainers"))}
    init_statuses = dicts(status.get("initContainerStatuses"))
    total_inits = len(as_list(spec.get("initContainers")))
    sidecar_restarts, sidecar_last = 0, None
    for index, container in enumerate(init_statuses):
        count = integer(container.get("restartCount"))
        summary.restarts += count
        summary.last_restart = _later(summary.last_restart, _last_termination(container))
        sidecar = _is_restartable_init(init_specs.get(text(container.get("name"))))
        if sidecar:
            sidecar_restarts += count
            sidecar_last = _later(sidecar_last, _last_termination(container))
        state = as_dict(container.get("state"))
        terminated = state.get("terminated")
        waiting_reason = text(as_dict(state.get("waiting")).get("reason"))
        if isinstance(terminated, dict) and integer(terminated.get("exitCode")) == 0:
            continue
        if sidecar and container.get("started") is True:
            summary.ready += 1 if container.get("ready") is True else 0
            continue
        if isinstance(terminated, dict):
            summary.reason = _terminated_reason(terminated, "Init:")
        elif waiting_reason and waiting_reason != "PodInitializing":
            summary.reason = "Init:" + waiting_reason
        else:
            summary.reason = f"Init:{index}/{total_inits}"
        return True, sidecar_restarts, sidecar_last
    return False, sidecar_restarts, sidecar_last


def _summarize_containers(pod: Obj, summary: _PodSummary) -> None:
    status = as_dict(pod.get("status"))
    has_running = False
    for container in reversed(dicts(status.get("containerStatuses"))):
        summary.restarts += integer(container.get("restartCount"))
        summary.last_restart = _later(summary.last_restart, _last_termination(container))
        state = as_dict(container.get("state"))
        waiting_reason = text(as_dict(state.get("waiting")).get("reason"))
        terminated = state.get("terminated")
        if waiting_reason:
            summary.reason = waiting_reason
        elif isinstance(terminated, dict):
            summary.reason = _terminated_reason(terminated, "")
        elif container.get("ready") is True and isinstance(state.get("running"), dict):
            has_running = True
            summary.ready += 1
    if summary.reason == "Completed" and has_running:
        ready = condition_true(status.get("conditions"), "Ready")
        summary.reason = "Running" if ready else "NotReady"


def _summarize_pod(pod: Obj) -> _PodSummary:
    spec, status = as_dict(pod.get("spec")), as_dict(pod.get("status"))
    phase = text(status.get("phase")) or "Pending"
    total = len(as_list(spec.get("containers"))) + sum(
        1 for c in as_list(spec.get("initContainers")) if _is_restartable_init(c)
    )
    summary = _PodSummary(text(status.get("reason")) or phase, 0, total, 0, None)
    if any(
        c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated"
        for c in dicts(status.get("conditions"))
    ):
        summary.reason = "SchedulingGated"
    initializing, sidecar_restarts, sidecar_last = _summarize_init(pod, summary)
    if not initializing or condition_true(status.get("conditions"), "Initialized"):
        summary.restarts, summary.last_restart = sidecar_restarts, sidecar_last
        _summarize_containers(pod, summary)
    deleting = at(pod, "metadata", "deletionTimestamp") is not None
    if deleting and status.get("reason") == "NodeLost":
        summary.reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        summary.reason = "Terminating"
    return summary


def _pod_ip(status: dict[str, Any]) -> str:
    ips = dicts(status.get("podIPs"))
    ip = text(ips[0].get("ip")) if ips else text(status.get("podIP"))
    return ip or "<none>"


def _readiness_gates(spec: dict[str, Any], status: dict[str, Any]) -> str:
    gates = dicts(spec.get("readinessGates"))
    if not gates:
        return "<none>"
    passed = sum(
        1
        for gate in gates
        if condition_true(status.get("conditions"), text(gate.get("conditionType")))
    )
    return f"{passed}/{len(gates)}"


def _pod_row(pod: Obj, now: datetime) -> Cells:
    spec, status = as_dict(pod.get("spec")), as_dict(pod.get("status"))
    summary = _summarize_pod(pod)
    restarts = str(summary.restarts)
    if summary.restarts and summary.last_restart is not None:
        restarts += f" ({human_duration(aware(now) - summary.last_restart)} ago)"
    return [
        name_of(pod),
        f"{summary.ready}/{summary.total}",
        summary.reason,
        restarts,
        age(pod, now),
        _pod_ip(status),
        text(spec.get("nodeName")) or "<none>",
        text(status.get("nominatedNodeName")) or "<none>",
        _readiness_gates(spec, status),
    ]


def _pod_conditions(pod: Obj) -> list[dict[str, Any]]:
    """Row conditions kube-apiserver attaches to finished pods (`Completed`)."""
    phase = at(pod, "status", "phase")
    if phase == "Succeeded":
        message = "The pod has completed successfully."
    elif phase == "Failed":
        message = "The pod failed."
    else:
        return []
    return [{"type": "Completed", "status": "True", "reason": phase, "message": message}]


_COLUMNS = (
    NAME,
    column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    column("Status", "The aggregate status of the containers in this pod."),
    column(
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the "
        "last container in this pod has restarted.",
    ),
    AGE,
    column("IP", "The IP address allocated to the pod.", priority=1),
    column("Node", "The node the pod is bound to.", priority=1),
    column("Nominated Node", "The node the scheduler nominated for preemption.", priority=1),
    column("Readiness Gates", "Readiness gates that are true, of all declared.", priority=1),
)


POD = ResourceInfo(
    "",
    "v1",
    "Pod",
    "pods",
    "pod",
    True,
    ("po",),
    ("status", "binding", "log", "eviction", "exec", "attach", "portforward"),
    ("all",),
    schema=KindSchema(
        (
            "Pod is a collection of containers that can run on a host. This resource is created by "
            "clients and scheduled onto hosts."
        ),
        {
            "spec": Field(
                Ref(CORE + "PodSpec"),
                "What the pod should run: its containers, volumes, scheduling constraints and "
                "security settings. Most of it cannot change once the pod exists.",
                proto=2,
            ),
            "status": Field(
                Ref(CORE + "PodStatus"),
                "What was last observed of the pod: its phase, conditions, IPs and the state of "
                "each container. Written by the scheduler and the kubelet, read-only for users.",
                proto=3,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _pod_row, _pod_conditions),
    selectable={
        "spec.nodeName": ("spec.nodeName", ""),
        "spec.restartPolicy": ("spec.restartPolicy", ""),
        "spec.schedulerName": ("spec.schedulerName", ""),
        "spec.serviceAccountName": ("spec.serviceAccountName", ""),
        "spec.hostNetwork": ("spec.hostNetwork", "false"),
        "status.phase": ("status.phase", ""),
        "status.podIP": ("status.podIP", ""),
        "status.nominatedNodeName": ("status.nominatedNodeName", ""),
    },
    strategy=PodStrategy(),
)
