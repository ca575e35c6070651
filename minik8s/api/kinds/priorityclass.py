"""PriorityClass (scheduling.k8s.io/v1): its declaration."""

from __future__ import annotations

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    Field,
    KindSchema,
)


class PriorityClassStrategy(Strategy):
    def default(self, obj: Obj) -> None:
        defaults._default_priority_class(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_priority_class(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation._validate_priority_class_update(new, old, errs)


PRIORITY_CLASS = ResourceInfo(
    "scheduling.k8s.io",
    "v1",
    "PriorityClass",
    "priorityclasses",
    "priorityclass",
    False,
    ("pc",),
    schema=KindSchema(
        "PriorityClass defines mapping from a priority class name to the priority integer value.",
        {
            "value": Field(
                "integer",
                (
                    "The value of this priority class. This is the actual priority that pods "
                    "receive "
                    "when they have the name of this class in their pod spec."
                ),
            ),
            "globalDefault": Field(
                "boolean",
                (
                    "Whether this PriorityClass should be considered as the default priority for "
                    "pods "
                    "that do not have any priority class."
                ),
            ),
            "description": Field(
                "string",
                (
                    "An arbitrary string that usually provides guidelines on when this priority "
                    "class "
                    "should be used."
                ),
            ),
            "preemptionPolicy": Field(
                "string",
                (
                    "The Policy for preempting pods with lower priority. One of Never, "
                    "PreemptLowerPriority."
                ),
            ),
        },
        {},
    ),
    printer=Printer(tuple(printing._PRIORITYCLASS_COLUMNS), printing._priorityclass_row),
    strategy=PriorityClassStrategy(),
)
