"""HorizontalPodAutoscaler (autoscaling/v2): its declaration."""

from __future__ import annotations

from minik8s.api import defaults, names, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    AUTOSCALING_V2,
    TIME,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
    condition,
    merged_by_type,
)

DEFINITIONS = {
    AUTOSCALING_V2 + "HorizontalPodAutoscalerSpec": Struct(
        {
            "scaleTargetRef": Ref(AUTOSCALING_V2 + "CrossVersionObjectReference"),
            "minReplicas": "integer",
            "maxReplicas": "integer",
            "metrics": Array("object", list_type="atomic"),
            "behavior": "object",
        }
    ),
    AUTOSCALING_V2 + "CrossVersionObjectReference": Struct(
        {
            "apiVersion": "string",
            "kind": "string",
            "name": "string",
        }
    ),
    AUTOSCALING_V2 + "HorizontalPodAutoscalerStatus": Struct(
        {
            "observedGeneration": "integer",
            "lastScaleTime": TIME,
            "currentReplicas": "integer",
            "desiredReplicas": "integer",
            "currentMetrics": Array("object", list_type="atomic"),
            "conditions": merged_by_type(AUTOSCALING_V2 + "HorizontalPodAutoscalerCondition"),
        }
    ),
    AUTOSCALING_V2 + "HorizontalPodAutoscalerCondition": condition(),
}


class HorizontalPodAutoscalerStrategy(Strategy):
    reset_status_on_create = True

    def name_errors(self, name: str) -> list[str]:
        return names.path_segment_errors(name)

    def default(self, obj: Obj) -> None:
        defaults._default_hpa(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_hpa(obj, errs)


HORIZONTAL_POD_AUTOSCALER = ResourceInfo(
    "autoscaling",
    "v2",
    "HorizontalPodAutoscaler",
    "horizontalpodautoscalers",
    "horizontalpodautoscaler",
    True,
    ("hpa",),
    ("status",),
    ("all",),
    schema=KindSchema(
        (
            "HorizontalPodAutoscaler is the configuration for a horizontal pod autoscaler, which "
            "automatically manages the replica count of any resource implementing the scale "
            "subresource based on the metrics specified."
        ),
        {
            "spec": Field(
                Ref(AUTOSCALING_V2 + "HorizontalPodAutoscalerSpec"),
                "Spec is the specification for the behaviour of the autoscaler.",
            ),
            "status": Field(
                Ref(AUTOSCALING_V2 + "HorizontalPodAutoscalerStatus"),
                "Status is the current information about the autoscaler.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._HPA_COLUMNS), printing._hpa_row),
    strategy=HorizontalPodAutoscalerStrategy(),
)
