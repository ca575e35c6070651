"""Deployment (apps/v1): replicas of a pod template, rolled out through ReplicaSets.

The deployment controller keeps one ReplicaSet per template revision and moves pods from
the old ones to the new one, either all at once (`Recreate`) or gradually within
`maxSurge` / `maxUnavailable` (`RollingUpdate`, the default, 25% each). Rules beyond those
every workload shares (`workload`): a `Recreate` strategy may not carry `rollingUpdate`
parameters, the two rolling-update bounds may not both be 0, `progressDeadlineSeconds`
(600 unless given) must exceed `minReadySeconds`, and the selector is immutable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from minik8s.api.defaults import child, set_default
from minik8s.api.errors import forbidden, invalid
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.printing import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    age,
    as_dict,
    at,
    column,
    containers_and_images,
    integer,
    name_of,
    replicas_of,
    selector_column,
    selector_string,
    template_spec,
)
from minik8s.api.schema import (
    APPS,
    INT_OR_STRING,
    LABEL_SELECTOR,
    POD_TEMPLATE,
    Field,
    KindSchema,
    Ref,
    Struct,
    condition,
    merged_by_type,
)
from minik8s.api.validation import (
    as_object,
    bool_field,
    int_field,
    non_negative,
    one_of,
    validate_selector_update,
)

from .pod import default_template
from .workload import (
    default_rolling_update,
    validate_rolling_update,
    validate_workload,
)

DEFINITIONS = {
    APPS + "DeploymentSpec": Struct(
        {
            "replicas": "integer",
            "selector": LABEL_SELECTOR,
            "template": POD_TEMPLATE,
            "strategy": Ref(APPS + "DeploymentStrategy", strategy="retainKeys"),
            "minReadySeconds": "integer",
            "revisionHistoryLimit": "integer",
            "paused": "boolean",
            "progressDeadlineSeconds": "integer",
        }
    ),
    APPS + "DeploymentStrategy": Struct(
        {
            "type": "string",
            "rollingUpdate": Ref(APPS + "RollingUpdateDeployment"),
        }
    ),
    APPS + "RollingUpdateDeployment": Struct(
        {
            "maxUnavailable": Ref(INT_OR_STRING),
            "maxSurge": Ref(INT_OR_STRING),
        }
    ),
    APPS + "DeploymentStatus": Struct(
        {
            "observedGeneration": "integer",
            "replicas": "integer",
            "updatedReplicas": "integer",
            "readyReplicas": "integer",
            "availableReplicas": "integer",
            "unavailableReplicas": "integer",
            "collisionCount": "integer",
            "conditions": merged_by_type(APPS + "DeploymentCondition"),
        }
    ),
    APPS + "DeploymentCondition": condition(("lastUpdateTime", "lastTransitionTime")),
}


# --------------------------------------------------------------------------- defaults


def _default(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    default_rolling_update(spec, "strategy", {"maxUnavailable": "25%", "maxSurge": "25%"})
    set_default(spec, "revisionHistoryLimit", 10)
    set_default(spec, "progressDeadlineSeconds", 600)
    default_template(spec)


# --------------------------------------------------------------------------- validation


def _validate_strategy(value: Any, errs: Errs) -> None:
    strategy = as_object(value, "spec.strategy", errs)
    kind = one_of(strategy, "type", "spec.strategy", errs, ["Recreate", "RollingUpdate"])
    if strategy.get("rollingUpdate") is None:
        return
    if kind == "Recreate":
        errs.append(
            forbidden(
                "spec.strategy.rollingUpdate",
                "may not be specified when strategy `type` is 'Recreate'",
            )
        )
    else:
        validate_rolling_update(strategy["rollingUpdate"], "spec.strategy.rollingUpdate", errs)


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    non_negative(spec, "replicas", "spec", errs)
    validate_workload(spec, errs, "deployment")
    _validate_strategy(spec.get("strategy"), errs)
    bool_field(spec, "paused", "spec", errs)
    deadline = int_field(spec, "progressDeadlineSeconds", "spec", errs)
    min_ready = spec.get("minReadySeconds")
    min_ready = min_ready if isinstance(min_ready, int) else 0
    if deadline is not None and deadline <= min_ready:
        errs.append(
            invalid(
                "spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"
            )
        )


class DeploymentStrategy(Strategy):
    reset_status_on_create = True

    def default(self, obj: Obj) -> None:
        _default(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        _validate(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validate_selector_update(new, old, errs)


# --------------------------------------------------------------------------- table


def _row(obj: Obj, now: datetime) -> Cells:
    status = as_dict(obj.get("status"))
    names, images = containers_and_images(template_spec(obj))
    return [
        name_of(obj),
        f"{integer(status.get('readyReplicas'))}/{replicas_of(obj)}",
        integer(status.get("updatedReplicas")),
        integer(status.get("availableReplicas")),
        age(obj, now),
        names,
        images,
        selector_string(at(obj, "spec", "selector")),
    ]


_COLUMNS = (
    NAME,
    column("Ready", "Number of the pod with ready state"),
    column("Up-to-date", "Total number of non-terminated pods that have the desired template."),
    column("Available", "Total number of available pods (ready for at least minReadySeconds)."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("pods"),
)


DEPLOYMENT = ResourceInfo(
    "apps",
    "v1",
    "Deployment",
    "deployments",
    "deployment",
    True,
    ("deploy",),
    ("status", "scale"),
    ("all",),
    schema=KindSchema(
        "Deployment enables declarative updates for Pods and ReplicaSets.",
        {
            "spec": Field(
                Ref(APPS + "DeploymentSpec"),
                "Specification of the desired behavior of the Deployment.",
            ),
            "status": Field(
                Ref(APPS + "DeploymentStatus"),
                "Most recently observed status of the Deployment.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    strategy=DeploymentStrategy(),
)
