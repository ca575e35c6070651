"""Namespace (core/v1): a scope for the names of namespaced objects.

A namespace's name is a DNS-1123 label. A new namespace gets `spec.finalizers: [kubernetes]`
and `status.phase: Active`. Deleting it only marks it (phase Terminating) while
`spec.finalizers` is not empty: the namespace controller deletes everything inside, then
clears its finalizer through the `finalize` subresource, and the namespace goes once both
kinds of finalizers are gone.
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.defaults import child, set_default
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.names import dns1123_label_errors, qualified_name_errors
from minik8s.api.printing import AGE, NAME, age, at, column, name_of, text
from minik8s.api.schema import (
    CORE,
    TIME,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
    merged_by_type,
)
from minik8s.api.validation import as_object, check, one_of, string_list

DEFINITIONS = {
    CORE + "NamespaceSpec": Struct(
        {
            "finalizers": Field(
                Array("string", list_type="atomic"),
                "The components that must empty the namespace before it is removed; "
                "`kubernetes` (the namespace controller) by default. They are removed through "
                "the `finalize` subresource.",
                proto=1,
            ),
        },
        "The desired state of a namespace.",
    ),
    CORE + "NamespaceStatus": Struct(
        {
            "phase": Field(
                "string",
                "Active, or Terminating once the namespace is being deleted (it then accepts "
                "no new objects).",
                proto=1,
            ),
            "conditions": Field(
                merged_by_type(CORE + "NamespaceCondition"),
                "How the namespace's deletion is going, one condition per type.",
                proto=2,
            ),
        },
        "The observed state of a namespace.",
    ),
    CORE + "NamespaceCondition": Struct(
        {
            "type": Field(
                "string",
                "The aspect reported, such as NamespaceDeletionDiscoveryFailure, "
                "NamespaceDeletionContentFailure, NamespaceContentRemaining or "
                "NamespaceFinalizersRemaining.",
                proto=1,
                keep_zero=True,
            ),
            "status": Field("string", "True, False or Unknown.", proto=2, keep_zero=True),
            "lastTransitionTime": Field(TIME, "When the status last changed.", proto=4),
            "reason": Field("string", "A CamelCase word for why the status last changed.", proto=5),
            "message": Field("string", "A human-readable explanation of the status.", proto=6),
        },
        "One aspect of a namespace's state.",
    ),
}


# --------------------------------------------------------------------------- validation


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    for i, name in enumerate(string_list(spec, "finalizers", "spec", errs)):
        check(errs, f"spec.finalizers[{i}]", name, qualified_name_errors(name))
    status = as_object(obj.get("status"), "status", errs)
    one_of(status, "phase", "status", errs, ["Active", "Terminating"])


# --------------------------------------------------------------------------- defaults


def _default(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is not None:
        set_default(spec, "finalizers", ["kubernetes"])
    status = child(obj, "status")
    if status is not None:
        set_default(status, "phase", "Active")


# --------------------------------------------------------------------------- table


def _row(obj: Obj, now: datetime) -> Cells:
    return [name_of(obj), text(at(obj, "status", "phase")) or "Active", age(obj, now)]


_COLUMNS = (NAME, column("Status", "The status of the namespace"), AGE)


# --------------------------------------------------------------------------- the kind


class NamespaceStrategy(Strategy):
    def name_errors(self, name: str) -> list[str]:
        return dns1123_label_errors(name)

    def default(self, obj: Obj) -> None:
        _default(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        _validate(obj, errs)

    def holds_deletion(self, obj: Obj) -> bool:
        # The namespace controller empties it and clears spec.finalizers through /finalize.
        spec = obj.get("spec")
        return isinstance(spec, dict) and bool(spec.get("finalizers"))

    def on_mark_for_deletion(self, obj: Obj) -> None:
        status = obj.get("status")
        if not isinstance(status, dict):
            status = obj["status"] = {}
        status["phase"] = "Terminating"


NAMESPACE = ResourceInfo(
    "",
    "v1",
    "Namespace",
    "namespaces",
    "namespace",
    False,
    ("ns",),
    ("status", "finalize"),
    schema=KindSchema(
        "Namespace is a scope for names: namespaced objects' names are unique within their "
        "namespace, and deleting a namespace deletes everything in it.",
        {
            "spec": Field(
                Ref(CORE + "NamespaceSpec"),
                "The desired state of the namespace: what must happen before it is removed.",
                proto=2,
            ),
            "status": Field(
                Ref(CORE + "NamespaceStatus"),
                "The observed state of the namespace: active or being deleted.",
                proto=3,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    selectable={
        "status.phase": ("status.phase", ""),
    },
    strategy=NamespaceStrategy(),
)
