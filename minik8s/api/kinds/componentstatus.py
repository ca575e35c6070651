"""ComponentStatus (core/v1): the health of etcd, the scheduler and the controller manager.

Read-only and never stored: the API server probes the components on every get or list
(`apiserver/componentstatus.py`); discovery lists it so `kubectl get cs` finds it.
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.kind import READ_VERBS, Cells, Column, Obj, Printer, ResourceInfo
from minik8s.api.schema import CORE, Array, Field, KindSchema, Ref, Struct

DEFINITIONS = {
    CORE + "ComponentCondition": Struct(
        {
            "type": Field("string", "Type of condition for a component: Healthy.", proto=1),
            "status": Field("string", "Status of the condition: True, False or Unknown.", proto=2),
            "message": Field("string", "Message about the condition for a component.", proto=3),
            "error": Field("string", "Condition error code for a component.", proto=4),
        }
    )
}


def _row(obj: Obj, now: datetime) -> Cells:
    conditions = obj.get("conditions")
    condition = conditions[0] if isinstance(conditions, list) and conditions else {}
    if not isinstance(condition, dict):
        condition = {}
    meta = obj.get("metadata")
    name = meta.get("name", "") if isinstance(meta, dict) else ""
    return [
        name,
        "Healthy" if condition.get("status") == "True" else "Unhealthy",
        condition.get("message", ""),
        condition.get("error", ""),
    ]


COMPONENT_STATUS = ResourceInfo(
    "",
    "v1",
    "ComponentStatus",
    "componentstatuses",
    "componentstatus",
    False,
    short_names=("cs",),
    verbs=READ_VERBS,
    schema=KindSchema(
        "ComponentStatus (and ComponentStatusList) holds the cluster validation info.",
        {
            "conditions": Field(
                Array(Ref(CORE + "ComponentCondition"), "type", "merge", "map", ("type",)),
                "List of component conditions observed.",
                proto=2,
            )
        },
        DEFINITIONS,
    ),
    printer=Printer(
        (
            Column("Name", "Name of the component.", format="name"),
            Column("Status", "Healthy or Unhealthy, from the component's probe."),
            Column("Message", "What the probe answered."),
            Column("Error", "Why the probe failed."),
        ),
        _row,
    ),
    stored=False,
)
