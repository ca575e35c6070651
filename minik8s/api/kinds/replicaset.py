"""ReplicaSet (apps/v1): its declaration."""

from __future__ import annotations

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
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


class ReplicaSetStrategy(Strategy):
    reset_status_on_create = True

    def default(self, obj: Obj) -> None:
        defaults._default_replicaset(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_replicaset(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation.validate_selector_update(new, old, errs)


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
    printer=Printer(tuple(printing._REPLICASET_COLUMNS), printing._replicaset_row),
    selectable={
        "status.replicas": ("status.replicas", "0"),
    },
    strategy=ReplicaSetStrategy(),
)
