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
    merged_by_type,
)
from minik8s.api.validation import as_object, non_negative, validate_selector_update

from .pod import default_template
from .workload import validate_workload, workload_condition

DEFINITIONS = {
    APPS + "ReplicaSetSpec": Struct(
        {
            "replicas": Field(
                "integer",
                "How many pods the ReplicaSet should run. Defaults to 1; 0 is allowed.",
                proto=1,
                keep_zero=True,
            ),
            "minReadySeconds": Field(
                "integer",
                "Seconds a new pod must stay ready, with no container crashing, before it "
                "counts as available. Defaults to 0 (available as soon as it is ready).",
                proto=4,
            ),
            "selector": Field(
                LABEL_SELECTOR,
                "Label query over the pods this ReplicaSet counts and owns. Required, must not "
                "be empty, must match the template's labels, and cannot be changed.",
                proto=2,
            ),
            "template": Field(
                POD_TEMPLATE,
                "The pod created whenever fewer replicas than desired exist. Its restartPolicy "
                "may only be Always; changing it does not touch running pods.",
                proto=3,
            ),
        },
        "The desired state of a ReplicaSet.",
    ),
    APPS + "ReplicaSetStatus": Struct(
        {
            "replicas": Field(
                "integer",
                "Pods (not terminating) the controller last counted for this ReplicaSet.",
                proto=1,
            ),
            "fullyLabeledReplicas": Field(
                "integer",
                "Pods (not terminating) that carry every label of the pod template.",
                proto=2,
            ),
            "readyReplicas": Field(
                "integer",
                "Pods (not terminating) of this ReplicaSet whose Ready condition is True.",
                proto=4,
            ),
            "availableReplicas": Field(
                "integer",
                "Pods (not terminating) of this ReplicaSet ready for at least minReadySeconds.",
                proto=5,
            ),
            "observedGeneration": Field(
                "integer",
                "The metadata.generation the controller last acted on; the status is current "
                "when it equals metadata.generation.",
                proto=3,
            ),
            "conditions": Field(
                merged_by_type(APPS + "ReplicaSetCondition"),
                "The latest observations of the ReplicaSet's state (ReplicaFailure when a pod "
                "could not be created or deleted), one per type.",
                proto=6,
            ),
        },
        "The state of a ReplicaSet as its controller last observed it.",
    ),
    APPS + "ReplicaSetCondition": workload_condition("ReplicaSet"),
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
        "A ReplicaSet keeps a given number of pods made from one pod template running.",
        {
            "spec": Field(
                Ref(APPS + "ReplicaSetSpec"),
                "Which pods the ReplicaSet should run and how many.",
                proto=2,
            ),
            "status": Field(
                Ref(APPS + "ReplicaSetStatus"),
                "What the replicaset controller last observed; written by the controller.",
                proto=3,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    selectable={
        "status.replicas": ("status.replicas", "0"),
    },
    strategy=Strategy(
        default=_default,
        validate=_validate,
        validate_update=validate_selector_update,
        reset_status_on_create=True,
    ),
)
