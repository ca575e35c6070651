"""ControllerRevision (apps/v1): one saved revision of a DaemonSet's or StatefulSet's state.

Those controllers store each pod template their set has had as a ControllerRevision
(owned by the set, `data` holding the serialized template, `revision` its number) so that
a rollback can bring an old template back. `data` and `revision` are required and
`revision` must not be negative; once created, `data` cannot change (the controllers only
renumber a revision when it becomes the newest again).
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.errors import required
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.printing import AGE, NAME, age, at, column, name_of
from minik8s.api.schema import Field, KindSchema, Ref
from minik8s.api.validation import immutable, non_negative

# Kubernetes' type for embedded serialized objects: JSON in JSON, raw bytes in protobuf.
RAW_EXTENSION = "io.k8s.apimachinery.pkg.runtime.RawExtension"

# --------------------------------------------------------------------------- rules


def _validate(obj: Obj, errs: Errs) -> None:
    if obj.get("data") is None:
        errs.append(required("data", "data is mandatory"))
    if obj.get("revision") is None:
        errs.append(required("revision"))
    non_negative(obj, "revision", "", errs)


class ControllerRevisionStrategy(Strategy):
    def validate(self, obj: Obj, errs: Errs) -> None:
        _validate(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        immutable(new.get("data"), old.get("data"), "data", errs)


# --------------------------------------------------------------------------- table


def _row(obj: Obj, now: datetime) -> Cells:
    refs = at(obj, "metadata", "ownerReferences")
    owners = [r for r in refs if isinstance(r, dict)] if isinstance(refs, list) else []
    owner = next((r for r in owners if r.get("controller")), None)
    controller = "<none>"
    if owner is not None:
        group = str(owner.get("apiVersion") or "").rpartition("/")[0]
        kind = str(owner.get("kind") or "").lower()
        controller = f"{kind}.{group}" if group else kind
        controller += f"/{owner.get('name', '')}"
    return [name_of(obj), controller, obj.get("revision", 0), age(obj, now)]


_COLUMNS = (
    NAME,
    column("Controller", "The object that owns this revision."),
    column("Revision", "The revision number.", type_="integer"),
    AGE,
)


CONTROLLER_REVISION = ResourceInfo(
    "apps",
    "v1",
    "ControllerRevision",
    "controllerrevisions",
    "controllerrevision",
    True,
    schema=KindSchema(
        "A ControllerRevision is an immutable snapshot of a controller's state, such as one "
        "pod template of a DaemonSet or StatefulSet, kept for rollbacks.",
        {
            "data": Field(
                Ref(RAW_EXTENSION),
                "The saved state as raw JSON; the DaemonSet and StatefulSet controllers store "
                "a strategic merge patch that replaces spec.template. Required; cannot be "
                "changed once created.",
                proto=2,
            ),
            "revision": Field(
                "integer",
                "The number of this revision among its owner's revisions; higher is newer. "
                "Required and not negative.",
                proto=3,
            ),
        },
        {},
    ),
    printer=Printer(_COLUMNS, _row),
    strategy=ControllerRevisionStrategy(),
)
