"""ReplicaSet (apps/v1): a number of identical pods made from one pod template.

The replicaset controller creates or deletes pods until as many as `spec.replicas`
(default 1) match the selector; Deployments own ReplicaSets and resize them during a
rollout. It has no rules beyond those every workload shares (`workload`), and, like
every workload, its selector cannot be changed. `status.replicas` is a selectable field.
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.defaults import child, set_default
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
    format_selector,
    integer,
    name_of,
    replicas_of,
    selector_column,
    template_spec,
)
from minik8s.api.schema import (
    APPS,
    LABEL_SELECTOR,
    POD_TEMPLATE,
    Field,
    KindSchema,
    Ref,
    Struct,
    condition,
    merged_by_type,
)
from minik8s.api.validation import as_object, non_negative, validate_selector_update

from .pod import default_template
from .workload import validate_workload

DEFINITIONS = {
    APPS + "ReplicaSetSpec": Struct(
        {
            "replicas": "integer",
            "minReadySeconds": "integer",
            "selector": LABEL_SELECTOR,
            "template": POD_TEMPLATE,
        }
    ),
    APPS + "ReplicaSetStatus": Struct(
        {
            "replicas": "integer",
            "fullyLabeledReplicas": "integer",
            "readyReplicas": "integer",
            "availableReplicas": "integer",
            "observedGeneration": "integer",
            "conditions": merged_by_type(APPS + "ReplicaSetCondition"),
        }
    ),
    APPS + "ReplicaSetCondition": condition(),
}


# --------------------------------------------------------------------------- rules


def _default(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    set_default(spec, "replicas", 1)
    default_template(spec)


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    non_negative(spec, "replicas", "spec", errs)
    validate_workload(spec, errs, "replicaset")


class ReplicaSetStrategy(Strategy):
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
        replicas_of(obj),
        integer(status.get("replicas")),
        integer(status.get("readyReplicas")),
        age(obj, now),
        names,
        images,
        format_selector(at(obj, "spec", "selector")),
    ]


_COLUMNS = (
    NAME,
    column("Desired", "Number of desired pods.", type_="integer"),
    column("Current", "The most recently observed number of replicas.", type_="integer"),
    column("Ready", "The number of pods with a Ready condition.", type_="integer"),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("pods"),
)


REPLICA_SET = ResourceInfo(
    "apps",
    "v1",
    "ReplicaSet",
    "replicasets",
    "replicaset",
    True,
    ("rs",),
    ("status", "scale"),
    ("all",),
    schema=KindSchema(
        "ReplicaSet ensures that a specified number of pod replicas are running at any given time.",
        {
            "spec": Field(
                Ref(APPS + "ReplicaSetSpec"),
                "Spec defines the specification of the desired behavior of the ReplicaSet.",
            ),
            "status": Field(
                Ref(APPS + "ReplicaSetStatus"),
                "Status is the most recently observed status of the ReplicaSet.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    selectable={
        "status.replicas": ("status.replicas", "0"),
    },
    strategy=ReplicaSetStrategy(),
)
