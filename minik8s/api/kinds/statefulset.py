"""StatefulSet (apps/v1): its declaration."""

from __future__ import annotations

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    APPS,
    LABEL_SELECTOR,
    POD_TEMPLATE,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
    condition,
    merged_by_type,
)

DEFINITIONS = {
    APPS + "StatefulSetSpec": Struct(
        {
            "replicas": "integer",
            "selector": LABEL_SELECTOR,
            "template": POD_TEMPLATE,
            "serviceName": "string",
            "podManagementPolicy": "string",
            "updateStrategy": "object",
            "volumeClaimTemplates": Array("object", list_type="atomic"),
            "revisionHistoryLimit": "integer",
            "minReadySeconds": "integer",
            "persistentVolumeClaimRetentionPolicy": "object",
            "ordinals": "object",
        }
    ),
    APPS + "StatefulSetStatus": Struct(
        {
            "observedGeneration": "integer",
            "replicas": "integer",
            "readyReplicas": "integer",
            "currentReplicas": "integer",
            "updatedReplicas": "integer",
            "availableReplicas": "integer",
            "currentRevision": "string",
            "updateRevision": "string",
            "collisionCount": "integer",
            "conditions": merged_by_type(APPS + "StatefulSetCondition"),
        }
    ),
    APPS + "StatefulSetCondition": condition(),
}


class StatefulSetStrategy(Strategy):
    reset_status_on_create = True

    def default(self, obj: Obj) -> None:
        defaults._default_statefulset(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_statefulset(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation._validate_statefulset_update(new, old, errs)


STATEFUL_SET = ResourceInfo(
    "apps",
    "v1",
    "StatefulSet",
    "statefulsets",
    "statefulset",
    True,
    ("sts",),
    ("status", "scale"),
    ("all",),
    schema=KindSchema(
        "StatefulSet represents a set of pods with consistent identities.",
        {
            "spec": Field(
                Ref(APPS + "StatefulSetSpec"),
                "Spec defines the desired identities of pods in this set.",
            ),
            "status": Field(
                Ref(APPS + "StatefulSetStatus"),
                "Status is the current status of Pods in this StatefulSet.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._STATEFULSET_COLUMNS), printing._statefulset_row),
    strategy=StatefulSetStrategy(),
)
