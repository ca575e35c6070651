"""PersistentVolumeClaim (core/v1): its declaration."""

from __future__ import annotations

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    CORE,
    QUANTITY_MAP,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
    condition,
    merged_by_type,
)

DEFINITIONS = {
    CORE + "PersistentVolumeClaimStatus": Struct(
        {
            "phase": "string",
            "accessModes": Array("string", list_type="atomic"),
            "capacity": QUANTITY_MAP,
            "conditions": merged_by_type(CORE + "PersistentVolumeClaimCondition"),
        }
    ),
    CORE + "PersistentVolumeClaimCondition": condition(("lastProbeTime", "lastTransitionTime")),
}


class PersistentVolumeClaimStrategy(Strategy):
    reset_status_on_create = True

    def default(self, obj: Obj) -> None:
        defaults._default_persistent_volume_claim(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_persistent_volume_claim(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation._validate_persistent_volume_claim_update(new, old, errs)


PERSISTENT_VOLUME_CLAIM = ResourceInfo(
    "",
    "v1",
    "PersistentVolumeClaim",
    "persistentvolumeclaims",
    "persistentvolumeclaim",
    True,
    ("pvc",),
    ("status",),
    schema=KindSchema(
        "PersistentVolumeClaim is a user's request for and claim to a persistent volume.",
        {
            "spec": Field(
                "object",
                "Spec defines the desired characteristics of a volume requested by a pod author.",
            ),
            "status": Field(
                Ref(CORE + "PersistentVolumeClaimStatus"),
                "Status represents the current information/status of a persistent volume claim.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(
        tuple(printing._PERSISTENTVOLUMECLAIM_COLUMNS), printing._persistentvolumeclaim_row
    ),
    strategy=PersistentVolumeClaimStrategy(),
)
