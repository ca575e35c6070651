"""Node (core/v1): its declaration."""

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
    keyed,
    merged_by_type,
)

DEFINITIONS = {
    CORE + "NodeSpec": Struct(
        {
            "podCIDR": "string",
            "podCIDRs": Array("string", strategy="merge", list_type="set"),
            "providerID": "string",
            "unschedulable": "boolean",
            "taints": Array("object", list_type="atomic"),
        }
    ),
    CORE + "NodeStatus": Struct(
        {
            "capacity": QUANTITY_MAP,
            "allocatable": QUANTITY_MAP,
            "phase": "string",
            "conditions": merged_by_type(CORE + "NodeCondition"),
            "addresses": keyed(CORE + "NodeAddress", "type"),
            "daemonEndpoints": "object",
            "nodeInfo": "object",
            "images": Array("object", list_type="atomic"),
        }
    ),
    CORE + "NodeCondition": condition(("lastHeartbeatTime", "lastTransitionTime")),
    CORE + "NodeAddress": Struct({"type": "string", "address": "string"}),
}


class NodeStrategy(Strategy):
    def default(self, obj: Obj) -> None:
        defaults._default_node(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_node(obj, errs)


NODE = ResourceInfo(
    "",
    "v1",
    "Node",
    "nodes",
    "node",
    False,
    ("no",),
    ("status",),
    schema=KindSchema(
        "Node is a worker node in Kubernetes. Each node has a unique name.",
        {
            "spec": Field(
                Ref(CORE + "NodeSpec"),
                "Spec defines the behavior of a node.",
            ),
            "status": Field(
                Ref(CORE + "NodeStatus"),
                "Most recently observed status of the node.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._NODE_COLUMNS), printing._node_row),
    selectable={
        "spec.unschedulable": ("spec.unschedulable", "false"),
    },
    strategy=NodeStrategy(),
)
