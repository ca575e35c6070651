"""What the apps/v1 workloads (Deployment, ReplicaSet, DaemonSet, StatefulSet) share.

Each of them keeps a set of pods made from one pod template: its `spec.selector` must be a
valid, non-empty label selector that selects the template's labels, and the template's
pods must restart `Always` and may not carry an `activeDeadlineSeconds` (a workload's pods
are meant to run forever). Deployments and DaemonSets roll out by the same `maxSurge` /
`maxUnavailable` pair, and three of the four default an update strategy the same way.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from minik8s.api.defaults import child, set_default
from minik8s.api.errors import forbidden, invalid, required
from minik8s.api.kind import Errs, Obj
from minik8s.api.schema import TIME, Field, Member, Struct, condition
from minik8s.api.validation import (
    as_object,
    int_or_percent,
    non_negative,
    selector_is_empty,
    validate_label_selector,
)

from .pod import check_template_matches, validate_template

# --------------------------------------------------------------------------- validation


def _selector(spec: Obj, errs: Errs, kind: str) -> Obj | None:
    """`spec.selector` when present, valid and non-empty (else None, with its errors)."""
    if spec.get("selector") is None:
        errs.append(required("spec.selector"))
        return None
    before = len(errs)
    validate_label_selector(spec["selector"], "spec.selector", errs)
    selector = spec["selector"]
    if len(errs) > before or not isinstance(selector, dict):
        return None
    if selector_is_empty(selector):
        errs.append(invalid("spec.selector", selector, f"empty selector is invalid for {kind}"))
        return None
    return selector


def validate_workload(spec: Obj, errs: Errs, kind: str) -> None:
    """Selector, template (restartPolicy Always) and their agreement; `kind` is the
    lower-case name Kubernetes puts in its messages ("deployment")."""
    selector = _selector(spec, errs, kind)
    labels = validate_template(spec.get("template"), "spec.template", errs, restart=["Always"])
    check_template_matches(selector, labels, "spec.template", errs)
    template = spec.get("template")
    pod_spec = template.get("spec") if isinstance(template, dict) else None
    if isinstance(pod_spec, dict) and pod_spec.get("activeDeadlineSeconds") is not None:
        errs.append(
            forbidden(
                "spec.template.spec.activeDeadlineSeconds",
                f"activeDeadlineSeconds in {kind} is not Supported",
            )
        )
    non_negative(spec, "minReadySeconds", "spec", errs)
    non_negative(spec, "revisionHistoryLimit", "spec", errs)


def validate_rolling_update(value: Any, path: str, errs: Errs) -> None:
    """maxSurge/maxUnavailable of a Deployment or DaemonSet rolling update."""
    params = as_object(value, path, errs)
    surge = int_or_percent(params.get("maxSurge"), f"{path}.maxSurge", errs)
    unavailable = int_or_percent(params.get("maxUnavailable"), f"{path}.maxUnavailable", errs)
    if unavailable is not None and unavailable[1] and unavailable[0] > 100:
        errs.append(
            invalid(
                f"{path}.maxUnavailable", params["maxUnavailable"], "must not be greater than 100%"
            )
        )
    if surge is not None and unavailable is not None and surge[0] == 0 == unavailable[0]:
        errs.append(
            invalid(
                f"{path}.maxUnavailable",
                params["maxUnavailable"],
                "may not be 0 when `maxSurge` is 0",
            )
        )


# --------------------------------------------------------------------------- defaults


def default_rolling_update(spec: Obj, key: str, rolling: dict[str, Any]) -> None:
    """`spec[key]` = {type, rollingUpdate}: the type defaults to RollingUpdate, and only a
    RollingUpdate strategy gets the `rolling` parameters."""
    strategy = child(spec, key)
    if strategy is None:
        return
    set_default(strategy, "type", "RollingUpdate")
    if strategy.get("type") != "RollingUpdate":
        return
    params = child(strategy, "rollingUpdate")
    if params is None:
        return
    for field, value in rolling.items():
        set_default(params, field, value)


# --------------------------------------------------------------------------- schema


# Protobuf numbers of a workload condition's members; DeploymentCondition's two times were
# numbered after its reason and message.
_CONDITION_NUMBERS = {"type": 1, "status": 2, "lastTransitionTime": 3, "reason": 4, "message": 5}
_DEPLOYMENT_CONDITION_NUMBERS = {
    "type": 1,
    "status": 2,
    "lastUpdateTime": 6,
    "lastTransitionTime": 7,
    "reason": 4,
    "message": 5,
}


def workload_condition(kind: str, *, last_update_time: bool = False) -> Struct:
    """The condition of a workload's status (`DeploymentCondition`, ...), its members in
    Kubernetes' order: type, status, the times, reason, message."""
    usual = {name: f for name, f in condition(()).fields.items() if isinstance(f, Field)}
    times: dict[str, Field] = {}
    if last_update_time:
        times["lastUpdateTime"] = Field(TIME, "When the condition was last updated.")
    times["lastTransitionTime"] = Field(
        TIME, "When the condition last changed its status from one value to another."
    )
    ordered = {
        "type": usual["type"],
        "status": usual["status"],
        **times,
        "reason": usual["reason"],
        "message": usual["message"],
    }
    numbers = _DEPLOYMENT_CONDITION_NUMBERS if last_update_time else _CONDITION_NUMBERS
    members: dict[str, Member] = {
        name: replace(member, proto=numbers[name]) for name, member in ordered.items()
    }
    return Struct(members, f"One aspect of the state of a {kind} at a point in time.")
