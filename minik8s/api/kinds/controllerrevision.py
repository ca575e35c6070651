"""ControllerRevision (apps/v1): its declaration."""

from __future__ import annotations

from minik8s.api import printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    Field,
    KindSchema,
)


class ControllerRevisionStrategy(Strategy):
    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_controller_revision(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation._validate_controller_revision_update(new, old, errs)


CONTROLLER_REVISION = ResourceInfo(
    "apps",
    "v1",
    "ControllerRevision",
    "controllerrevisions",
    "controllerrevision",
    True,
    schema=KindSchema(
        "ControllerRevision implements an immutable snapshot of state data.",
        {
            "data": Field(
                "object",
                "Data is the serialized representation of the state.",
            ),
            "revision": Field(
                "integer",
                "Revision indicates the revision of the state represented by Data.",
            ),
        },
        {},
    ),
    printer=Printer(tuple(printing._CONTROLLERREVISION_COLUMNS), printing._controllerrevision_row),
    strategy=ControllerRevisionStrategy(),
)
