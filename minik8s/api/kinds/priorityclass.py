"""PriorityClass (scheduling.k8s.io/v1): a name for a pod priority.

Pods name a class in `spec.priorityClassName`; the API server's priority admission writes
the class's value and preemption policy into the pod. User classes go up to one billion;
the two system classes (`system-cluster-critical`, `system-node-critical`), which the API
server creates itself, have fixed values above that, and every other name starting with
`system-` is reserved. Neither `value` nor `preemptionPolicy` may change after creation;
the policy defaults to PreemptLowerPriority.
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.errors import forbidden, invalid, required
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.printing import AGE, NAME, age, column, name_of, text
from minik8s.api.schema import Field, KindSchema
from minik8s.api.validation import bool_field, int_field, one_of, str_field

# The classes the API server creates itself; other names starting "system-" are reserved.
SYSTEM_PRIORITY_CLASSES = {
    "system-cluster-critical": 2000000000,
    "system-node-critical": 2000001000,
}
HIGHEST_USER_PRIORITY = 1000000000
_PREEMPTION_POLICIES = ["Never", "PreemptLowerPriority"]

_SCHEMA = KindSchema(
    "A PriorityClass maps a class name to the integer priority of the pods that name it; "
    "the scheduler queues and preempts pods by that priority.",
    {
        "value": Field(
            "integer",
            "The priority given to pods of this class; higher runs first. At most one "
            "billion for user classes (system classes are higher). Required; immutable.",
            proto=2,
        ),
        "globalDefault": Field(
            "boolean",
            "True makes this the class of pods that name none; only one class may be the "
            "global default.",
            proto=3,
        ),
        "description": Field(
            "string",
            "Free text saying when this class should be used.",
            proto=4,
        ),
        "preemptionPolicy": Field(
            "string",
            "Whether pods of this class may evict lower-priority pods to be scheduled: "
            "PreemptLowerPriority (the default) or Never. Immutable.",
            proto=5,
            keep_zero=True,
        ),
    },
)


def _name(obj: Obj) -> str:
    meta = obj.get("metadata")
    return str(meta.get("name") or "") if isinstance(meta, dict) else ""


def _validate_value(obj: Obj, errs: Errs) -> None:
    """`value` is required, fixed for a system class and bounded for the others."""
    name = _name(obj)
    value = obj.get("value")
    if value is None:
        errs.append(required("value"))
    else:
        value = int_field(obj, "value", "", errs)
    if name in SYSTEM_PRIORITY_CLASSES:
        if value is not None and value != SYSTEM_PRIORITY_CLASSES[name]:
            errs.append(
                invalid("value", value, f"must be {SYSTEM_PRIORITY_CLASSES[name]} for {name}")
            )
    elif name.startswith("system-"):
        errs.append(
            invalid("metadata.name", name, "the prefix 'system-' is reserved for system classes")
        )
    elif value is not None and value > HIGHEST_USER_PRIORITY:
        errs.append(invalid("value", value, f"must not be greater than {HIGHEST_USER_PRIORITY}"))


class PriorityClassStrategy(Strategy):
    def default(self, obj: Obj) -> None:
        obj.setdefault("preemptionPolicy", "PreemptLowerPriority")

    def validate(self, obj: Obj, errs: Errs) -> None:
        _validate_value(obj, errs)
        bool_field(obj, "globalDefault", "", errs)
        str_field(obj, "description", "", errs)
        one_of(obj, "preemptionPolicy", "", errs, _PREEMPTION_POLICIES)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        if new.get("value") != old.get("value"):
            errs.append(forbidden("value", "may not be changed in an update."))
        if new.get("preemptionPolicy") != old.get("preemptionPolicy"):
            errs.append(forbidden("preemptionPolicy", "field is immutable"))


def _row(obj: Obj, now: datetime) -> Cells:
    default = obj.get("globalDefault") is True
    return [
        name_of(obj),
        obj.get("value", 0),
        str(default).lower(),
        age(obj, now),
        text(obj.get("preemptionPolicy")),
    ]


_COLUMNS = (
    NAME,
    column("Value", "The priority of pods of this class.", type_="integer"),
    column("Global-Default", "Whether pods without a class get this one."),
    AGE,
    column("PreemptionPolicy", "Whether pods of this class may preempt others."),
)


PRIORITY_CLASS = ResourceInfo(
    "scheduling.k8s.io",
    "v1",
    "PriorityClass",
    "priorityclasses",
    "priorityclass",
    False,
    ("pc",),
    schema=_SCHEMA,
    printer=Printer(_COLUMNS, _row),
    strategy=PriorityClassStrategy(),
)
