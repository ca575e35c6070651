"""PersistentVolume (core/v1): its declaration."""

from __future__ import annotations

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    Field,
    KindSchema,
)


class PersistentVolumeStrategy(Strategy):
    reset_status_on_create = True

    def default(self, obj: Obj) -> None:
        defaults._default_persistent_volume(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_persistent_volume(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation._validate_persistent_volume_update(new, old, errs)


PERSISTENT_VOLUME = ResourceInfo(
    "",
    "v1",
    "PersistentVolume",
    "persistentvolumes",
    "persistentvolume",
    False,
    ("pv",),
    ("status",),
    schema=KindSchema(
        "PersistentVolume (PV) is a storage resource provisioned by an administrator.",
        {
            "spec": Field(
                "object",
                "Spec defines a specification of a persistent volume owned by the cluster.",
            ),
            "status": Field(
                "object",
                "Status represents the current information/status for the persistent volume.",
            ),
        },
        {},
    ),
    printer=Printer(tuple(printing._PERSISTENTVOLUME_COLUMNS), printing._persistentvolume_row),
    strategy=PersistentVolumeStrategy(),
)
