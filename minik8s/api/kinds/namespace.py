"""Namespace (core/v1): its declaration."""

from __future__ import annotations

from minik8s.api import defaults, names, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    CORE,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
    condition,
    merged_by_type,
)

DEFINITIONS = {
    CORE + "NamespaceSpec": Struct({"finalizers": Array("string", list_type="atomic")}),
    CORE + "NamespaceStatus": Struct(
        {
            "phase": "string",
            "conditions": merged_by_type(CORE + "NamespaceCondition"),
        }
    ),
    CORE + "NamespaceCondition": condition(),
}


class NamespaceStrategy(Strategy):
    def name_errors(self, name: str) -> list[str]:
        return names.dns1123_label_errors(name)

    def default(self, obj: Obj) -> None:
        defaults._default_namespace(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_namespace(obj, errs)

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
        "Namespace provides a scope for Names. Use of multiple namespaces is optional.",
        {
            "spec": Field(
                Ref(CORE + "NamespaceSpec"),
                "Spec defines the behavior of the Namespace.",
            ),
            "status": Field(
                Ref(CORE + "NamespaceStatus"),
                "Status describes the current status of a Namespace.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._NAMESPACE_COLUMNS), printing._namespace_row),
    selectable={
        "status.phase": ("status.phase", ""),
    },
    strategy=NamespaceStrategy(),
)
