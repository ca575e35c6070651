"""HorizontalPodAutoscaler (autoscaling/v2): keeps a scalable workload's replica count in
step with its metrics.

Each entry of `spec.metrics` names its source in `type` (Resource, ContainerResource,
Pods, Object or External) and fills exactly the matching field (`resource`, `pods`, ...)
with a target whose `type` is Utilization, Value or AverageValue. An HPA without metrics
gets one at creation: 80 % average CPU utilisation. `minReplicas` defaults to 1 and
`maxReplicas` may not be below it. `spec.behavior` is stored as given: the controller
applies Kubernetes' scaling defaults when it reads it. Its name is a path segment only
(no `/` or `%`), as in Kubernetes.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from typing import Any

from minik8s.api.defaults import child, set_default
from minik8s.api.errors import invalid, required
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.names import path_segment_errors
from minik8s.api.printing import (
    AGE,
    NAME,
    age,
    as_dict,
    as_list,
    at,
    column,
    dicts,
    integer,
    name_of,
    text,
    with_more,
)
from minik8s.api.schema import (
    AUTOSCALING_V2,
    LABEL_SELECTOR,
    QUANTITY,
    TIME,
    Field,
    KindSchema,
    Ref,
    Struct,
    atomic,
    merged_by_type,
)
from minik8s.api.validation import (
    as_object,
    at_least,
    check,
    items_of,
    one_of,
    quantity,
    required_str,
    str_field,
)

# --------------------------------------------------------------------------- schema

# Fields several metric sources and statuses share, with the protobuf number most of them
# give it; the Object source and status number theirs differently (`replace` below).
_TARGET = Field(Ref(AUTOSCALING_V2 + "MetricTarget"), "The value the metric is held at.", proto=2)
_CURRENT = Field(Ref(AUTOSCALING_V2 + "MetricValueStatus"), "The metric's current value.", proto=2)
_METRIC_ID = Field(
    Ref(AUTOSCALING_V2 + "MetricIdentifier"), "Which metric: its name and selector.", proto=1
)
_RESOURCE_NAME = Field("string", "The resource, such as cpu or memory.", proto=1)
_CONTAINER = Field("string", "The container of the scaled pods whose usage is measured.", proto=3)
_DESCRIBED_OBJECT = Field(
    Ref(AUTOSCALING_V2 + "CrossVersionObjectReference"),
    "The object the metric describes, in the HPA's namespace.",
    proto=1,
)

DEFINITIONS = {
    AUTOSCALING_V2 + "HorizontalPodAutoscalerSpec": Struct(
        {
            "scaleTargetRef": Field(
                Ref(AUTOSCALING_V2 + "CrossVersionObjectReference"),
                "The workload to scale (through its scale subresource), in the HPA's "
                "namespace. Required.",
                proto=1,
            ),
            "minReplicas": Field(
                "integer",
                "The fewest replicas the autoscaler scales down to; at least 1. Defaults to 1.",
                proto=2,
                keep_zero=True,
            ),
            "maxReplicas": Field(
                "integer",
                "The most replicas the autoscaler scales up to; not below minReplicas. Required.",
                proto=3,
            ),
            "metrics": Field(
                atomic(AUTOSCALING_V2 + "MetricSpec"),
                "The metrics that give the desired replica count: for each, the current count "
                "times current over target value; the highest result wins. Each metric must "
                "fall as replicas are added. Defaults to 80% average CPU utilisation.",
                proto=4,
            ),
            "behavior": Field(
                Ref(AUTOSCALING_V2 + "HorizontalPodAutoscalerBehavior"),
                "How fast the workload may be scaled up and down. Unset: Kubernetes' default "
                "rules for each direction.",
                proto=5,
            ),
        },
        "HorizontalPodAutoscalerSpec is what an autoscaler scales, between which bounds and "
        "on which metrics.",
    ),
    AUTOSCALING_V2 + "CrossVersionObjectReference": Struct(
        {
            "kind": Field(
                "string", "The kind of the referred object (Deployment). Required.", proto=1
            ),
            "name": Field("string", "The name of the referred object. Required.", proto=2),
            "apiVersion": Field(
                "string", "The API version of the referred object (apps/v1).", proto=3
            ),
        },
        "CrossVersionObjectReference names an object of the same namespace by kind, name and "
        "API version.",
    ),
    AUTOSCALING_V2 + "MetricSpec": Struct(
        {
            "type": Field(
                "string",
                "The metric's source: Resource, ContainerResource, Pods, Object or External; "
                "only the field of that name is set. Required.",
                proto=1,
            ),
            "object": Field(
                Ref(AUTOSCALING_V2 + "ObjectMetricSource"),
                "A custom metric of one other object in the namespace (an Ingress, say).",
                proto=2,
            ),
            "pods": Field(
                Ref(AUTOSCALING_V2 + "PodsMetricSource"),
                "A custom metric of each scaled pod, averaged over them.",
                proto=3,
            ),
            "resource": Field(
                Ref(AUTOSCALING_V2 + "ResourceMetricSource"),
                "A resource usage (cpu, memory) of the scaled pods, averaged over them.",
                proto=4,
            ),
            "containerResource": Field(
                Ref(AUTOSCALING_V2 + "ContainerResourceMetricSource"),
                "A resource usage of one container of the scaled pods, averaged over them.",
                proto=7,
            ),
            "external": Field(
                Ref(AUTOSCALING_V2 + "ExternalMetricSource"),
                "A metric of something outside the cluster (a queue length, say).",
                proto=5,
            ),
        },
        "MetricSpec is one metric to scale on: its source type and that source.",
    ),
    AUTOSCALING_V2 + "ResourceMetricSource": Struct(
        {"name": _RESOURCE_NAME, "target": _TARGET},
        "ResourceMetricSource scales on a resource of the scaled pods as their requests and "
        "limits name it (cpu, memory); the pods' values are averaged before they are compared "
        "with the target.",
    ),
    AUTOSCALING_V2 + "ContainerResourceMetricSource": Struct(
        {"name": _RESOURCE_NAME, "target": _TARGET, "container": _CONTAINER},
        "ContainerResourceMetricSource scales on a resource of one container in each scaled "
        "pod, averaged over the pods.",
    ),
    AUTOSCALING_V2 + "PodsMetricSource": Struct(
        {"metric": _METRIC_ID, "target": _TARGET},
        "PodsMetricSource scales on a custom metric of each scaled pod (requests per second, "
        "say), averaged over the pods; only an AverageValue target applies.",
    ),
    AUTOSCALING_V2 + "ObjectMetricSource": Struct(
        {
            "describedObject": _DESCRIBED_OBJECT,
            "target": _TARGET,
            "metric": replace(_METRIC_ID, proto=3),
        },
        "ObjectMetricSource scales on a metric that describes one object of the namespace.",
    ),
    AUTOSCALING_V2 + "ExternalMetricSource": Struct(
        {"metric": _METRIC_ID, "target": _TARGET},
        "ExternalMetricSource scales on a metric that belongs to no object of the cluster.",
    ),
    AUTOSCALING_V2 + "MetricIdentifier": Struct(
        {
            "name": Field("string", "The metric's name. Required.", proto=1),
            "selector": Field(
                LABEL_SELECTOR,
                "Labels that narrow the metric to some of its series; unset uses the name alone.",
                proto=2,
            ),
        },
        "MetricIdentifier names a metric and, optionally, selects some of its series.",
    ),
    AUTOSCALING_V2 + "MetricTarget": Struct(
        {
            "type": Field(
                "string",
                "Which field holds the target: Utilization, Value or AverageValue. Required.",
                proto=1,
            ),
            "value": Field(
                Ref(QUANTITY), "The target value of the metric, for type Value.", proto=2
            ),
            "averageValue": Field(
                Ref(QUANTITY),
                "The target of the metric averaged over the scaled pods, for type AverageValue.",
                proto=3,
            ),
            "averageUtilization": Field(
                "integer",
                "The target of the average usage as a percentage of the pods' requests, for "
                "type Utilization (Resource and ContainerResource metrics only); at least 1.",
                proto=4,
                keep_zero=True,
            ),
        },
        "MetricTarget is the value a metric is held at: a raw value, an average per pod or a "
        "utilisation.",
    ),
    AUTOSCALING_V2 + "HorizontalPodAutoscalerBehavior": Struct(
        {
            "scaleUp": Field(
                Ref(AUTOSCALING_V2 + "HPAScalingRules"),
                "The rules for scaling up. Unset: add up to 100% of the replicas or 4 pods "
                "(the larger) per 15 seconds, without a stabilization window.",
                proto=1,
            ),
            "scaleDown": Field(
                Ref(AUTOSCALING_V2 + "HPAScalingRules"),
                "The rules for scaling down. Unset: remove up to 100% of the replicas per 15 "
                "seconds, after a 300-second stabilization window.",
                proto=2,
            ),
        },
        "HorizontalPodAutoscalerBehavior limits how fast the target is scaled up (scaleUp) "
        "and down (scaleDown).",
    ),
    AUTOSCALING_V2 + "HPAScalingRules": Struct(
        {
            "stabilizationWindowSeconds": Field(
                "integer",
                "Seconds of past recommendations considered before scaling: a scale down "
                "goes to the highest of them, a scale up to the lowest. 0 to 3600; defaults "
                "to 0 for scaling up and 300 for scaling down.",
                proto=3,
                keep_zero=True,
            ),
            "selectPolicy": Field(
                "string",
                "Which policy applies when several do: Max (the largest change; the "
                "default), Min (the smallest) or Disabled (no scaling in this direction).",
                proto=1,
                keep_zero=True,
            ),
            "policies": Field(
                atomic(AUTOSCALING_V2 + "HPAScalingPolicy"),
                "The limits on how much the replica count may change per period; see "
                "selectPolicy for how they combine.",
                proto=2,
            ),
        },
        "HPAScalingRules are the rules of one direction: rate limits and a stabilization "
        "window, applied after the desired replica count is computed from the metrics.",
    ),
    AUTOSCALING_V2 + "HPAScalingPolicy": Struct(
        {
            "type": Field(
                "string",
                "The unit of value: Pods (a number of pods) or Percent (of the current replicas).",
                proto=1,
            ),
            "value": Field(
                "integer", "The largest change allowed in one period; positive.", proto=2
            ),
            "periodSeconds": Field(
                "integer",
                "The length of the period the change is counted over, in seconds; 1 to 1800.",
                proto=3,
            ),
        },
        "HPAScalingPolicy limits the change of the replica count within a sliding period.",
    ),
    AUTOSCALING_V2 + "HorizontalPodAutoscalerStatus": Struct(
        {
            "observedGeneration": Field(
                "integer",
                "The metadata.generation of the HPA this status was computed from.",
                proto=1,
                keep_zero=True,
            ),
            "lastScaleTime": Field(
                TIME, "When the autoscaler last changed the replica count.", proto=2
            ),
            "currentReplicas": Field(
                "integer",
                "The replica count of the target when the autoscaler last looked.",
                proto=3,
            ),
            "desiredReplicas": Field(
                "integer",
                "The replica count the autoscaler last computed for the target.",
                proto=4,
            ),
            "currentMetrics": Field(
                atomic(AUTOSCALING_V2 + "MetricStatus"),
                "The values of the spec's metrics when last read, in the same order.",
                proto=5,
            ),
            "conditions": Field(
                merged_by_type(AUTOSCALING_V2 + "HorizontalPodAutoscalerCondition"),
                "Whether the autoscaler can scale its target and why: AbleToScale, "
                "ScalingActive and ScalingLimited.",
                proto=6,
            ),
        },
        "HorizontalPodAutoscalerStatus is what the autoscaler last observed and decided.",
    ),
    AUTOSCALING_V2 + "HorizontalPodAutoscalerCondition": Struct(
        {
            "type": Field(
                "string",
                "The condition: AbleToScale, ScalingActive or ScalingLimited.",
                proto=1,
            ),
            "status": Field(
                "string", "Whether the condition holds: True, False or Unknown.", proto=2
            ),
            "lastTransitionTime": Field(TIME, "When the status last changed.", proto=3),
            "reason": Field("string", "A one-word CamelCase reason for the last change.", proto=4),
            "message": Field("string", "A human-readable account of the last change.", proto=5),
        },
        "HorizontalPodAutoscalerCondition is one observed condition of an autoscaler.",
    ),
    AUTOSCALING_V2 + "MetricStatus": Struct(
        {
            "type": Field(
                "string",
                "The metric's source: Resource, ContainerResource, Pods, Object or External; "
                "only the field of that name is set.",
                proto=1,
            ),
            "object": Field(
                Ref(AUTOSCALING_V2 + "ObjectMetricStatus"),
                "The current value of an object's metric.",
                proto=2,
            ),
            "pods": Field(
                Ref(AUTOSCALING_V2 + "PodsMetricStatus"),
                "The current value of a per-pod custom metric.",
                proto=3,
            ),
            "resource": Field(
                Ref(AUTOSCALING_V2 + "ResourceMetricStatus"),
                "The current value of a resource metric.",
                proto=4,
            ),
            "containerResource": Field(
                Ref(AUTOSCALING_V2 + "ContainerResourceMetricStatus"),
                "The current value of a container resource metric.",
                proto=7,
            ),
            "external": Field(
                Ref(AUTOSCALING_V2 + "ExternalMetricStatus"),
                "The current value of an external metric.",
                proto=5,
            ),
        },
        "MetricStatus is the value of one metric when the autoscaler last read it.",
    ),
    AUTOSCALING_V2 + "ResourceMetricStatus": Struct(
        {"name": _RESOURCE_NAME, "current": _CURRENT},
        "ResourceMetricStatus is the current value of a resource of the scaled pods, averaged "
        "over them.",
    ),
    AUTOSCALING_V2 + "ContainerResourceMetricStatus": Struct(
        {"name": _RESOURCE_NAME, "current": _CURRENT, "container": _CONTAINER},
        "ContainerResourceMetricStatus is the current value of a resource of one container, "
        "averaged over the scaled pods.",
    ),
    AUTOSCALING_V2 + "PodsMetricStatus": Struct(
        {"metric": _METRIC_ID, "current": _CURRENT},
        "PodsMetricStatus is the current value of a custom metric of the scaled pods, averaged "
        "over them.",
    ),
    AUTOSCALING_V2 + "ObjectMetricStatus": Struct(
        {
            "metric": _METRIC_ID,
            "current": _CURRENT,
            "describedObject": replace(_DESCRIBED_OBJECT, proto=3),
        },
        "ObjectMetricStatus is the current value of a metric that describes one object.",
    ),
    AUTOSCALING_V2 + "ExternalMetricStatus": Struct(
        {"metric": _METRIC_ID, "current": _CURRENT},
        "ExternalMetricStatus is the current value of a metric from outside the cluster.",
    ),
    AUTOSCALING_V2 + "MetricValueStatus": Struct(
        {
            "value": Field(Ref(QUANTITY), "The current value of the metric.", proto=1),
            "averageValue": Field(
                Ref(QUANTITY),
                "The current value of the metric averaged over the scaled pods.",
                proto=2,
            ),
            "averageUtilization": Field(
                "integer",
                "The current average usage as a percentage of the pods' requests.",
                proto=3,
                keep_zero=True,
            ),
        },
        "MetricValueStatus is the current value of a metric, in the form its target uses.",
    ),
}

_SCHEMA = KindSchema(
    "A HorizontalPodAutoscaler sets the replica count of a workload that has a scale "
    "subresource from the metrics it watches, within a minimum and a maximum.",
    {
        "spec": Field(
            Ref(AUTOSCALING_V2 + "HorizontalPodAutoscalerSpec"),
            "The workload to scale, its replica bounds, the metrics and the scaling behavior.",
            proto=2,
        ),
        "status": Field(
            Ref(AUTOSCALING_V2 + "HorizontalPodAutoscalerStatus"),
            "The replica counts, metric values and conditions the autoscaler last observed.",
            proto=3,
        ),
    },
    DEFINITIONS,
)

# --------------------------------------------------------------------------- rules

# Metric `type` → the field that holds its source.
_METRIC_SOURCES = {
    "ContainerResource": "containerResource",
    "External": "external",
    "Object": "object",
    "Pods": "pods",
    "Resource": "resource",
}
_TARGET_TYPES = ["AverageValue", "Utilization", "Value"]
_DEFAULT_METRIC: Obj = {
    "type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
}


def _validate_metric_target(source: Obj, path: str, errs: Errs) -> None:
    if source.get("target") is None:
        errs.append(required(f"{path}.target"))
        return
    target_path = f"{path}.target"
    target = as_object(source["target"], target_path, errs)
    if target.get("type") in (None, ""):
        errs.append(required(f"{target_path}.type"))
    kind = one_of(target, "type", target_path, errs, _TARGET_TYPES)
    if kind == "Utilization":
        at_least(target, "averageUtilization", target_path, errs, 1)
    for key in ("value", "averageValue"):
        if target.get(key) is not None:
            quantity(target[key], f"{target_path}.{key}", errs)


def _validate_metric(metric: Obj, path: str, errs: Errs) -> None:
    if metric.get("type") in (None, ""):
        errs.append(required(f"{path}.type"))
        return
    kind = one_of(metric, "type", path, errs, sorted(_METRIC_SOURCES))
    if kind is None:
        return
    source_key = _METRIC_SOURCES[kind]
    source_path = f"{path}.{source_key}"
    if metric.get(source_key) is None:
        errs.append(required(source_path, "must populate information for the given metric source"))
        return
    source = as_object(metric[source_key], source_path, errs)
    if kind in ("Resource", "ContainerResource"):
        required_str(source, "name", source_path, errs)
    else:
        metric_id = as_object(source.get("metric"), f"{source_path}.metric", errs)
        required_str(metric_id, "name", f"{source_path}.metric", errs)
    if kind == "ContainerResource":
        required_str(source, "container", source_path, errs)
    if kind == "Object":
        described = as_object(source.get("describedObject"), f"{source_path}.describedObject", errs)
        for key in ("kind", "name"):
            required_str(described, key, f"{source_path}.describedObject", errs)
    _validate_metric_target(source, source_path, errs)


def _validate_scale_target(spec: Obj, errs: Errs) -> None:
    path = "spec.scaleTargetRef"
    ref = as_object(spec.get("scaleTargetRef"), path, errs)
    required_str(ref, "kind", path, errs)
    name = required_str(ref, "name", path, errs)
    if name:
        check(errs, f"{path}.name", name, path_segment_errors(name))
    str_field(ref, "apiVersion", path, errs)


def _validate_replicas(spec: Obj, errs: Errs) -> None:
    minimum = at_least(spec, "minReplicas", "spec", errs, 1)
    if spec.get("maxReplicas") is None:
        errs.append(required("spec.maxReplicas"))
    maximum = at_least(spec, "maxReplicas", "spec", errs, 1)
    if minimum is not None and maximum is not None and maximum < minimum:
        errs.append(
            invalid("spec.maxReplicas", maximum, "must be greater than or equal to `minReplicas`")
        )


class HorizontalPodAutoscalerStrategy(Strategy):
    reset_status_on_create = True

    def name_errors(self, name: str) -> list[str]:
        return path_segment_errors(name)

    def default(self, obj: Obj) -> None:
        spec = child(obj, "spec")
        if spec is None:
            return
        set_default(spec, "minReplicas", 1)
        if spec.get("metrics") is None or spec.get("metrics") == []:
            spec["metrics"] = [copy.deepcopy(_DEFAULT_METRIC)]

    def validate(self, obj: Obj, errs: Errs) -> None:
        spec = as_object(obj.get("spec"), "spec", errs)
        _validate_scale_target(spec, errs)
        _validate_replicas(spec, errs)
        for metric_path, metric in items_of(spec, "metrics", "spec", errs):
            _validate_metric(metric, metric_path, errs)
        as_object(spec.get("behavior"), "spec.behavior", errs)


# --------------------------------------------------------------------------- table


def _current(statuses: list[Any], index: int, source: str) -> dict[str, Any] | None:
    """`current` of the status at `index` when it reports the same source."""
    if index < len(statuses) and isinstance(statuses[index], dict):
        block = statuses[index].get(source)
        if isinstance(block, dict):
            return as_dict(block.get("current"))
    return None


def _percent(value: Any) -> str:
    return f"{integer(value)}%"


def _metric_text(spec: dict[str, Any], statuses: list[Any], index: int) -> str:
    """One entry of the TARGETS column, `formatHPAMetrics` style."""
    source = _METRIC_SOURCES.get(text(spec.get("type")))
    if source is None:
        return "<unknown type>"
    block = as_dict(spec.get(source))
    target = as_dict(block.get("target"))
    current = _current(statuses, index, source)
    unknown = "<unknown>"
    if source == "pods":
        value = text(as_dict(current).get("averageValue")) if current is not None else unknown
        return f"{value or unknown}/{text(target.get('averageValue'))}"
    if source in ("object", "external"):
        if target.get("averageValue") is not None:
            value = text(as_dict(current).get("averageValue")) if current is not None else ""
            return f"{value or unknown}/{text(target.get('averageValue'))} (avg)"
        value = text(as_dict(current).get("value")) if current is not None else ""
        return f"{value or unknown}/{text(target.get('value'))}"
    resource_name = text(block.get("name"))
    if target.get("averageValue") is not None:
        value = text(as_dict(current).get("averageValue")) if current is not None else ""
        return f"{resource_name}: {value or unknown}/{text(target.get('averageValue'))}"
    utilization = as_dict(current).get("averageUtilization") if current is not None else None
    value = _percent(utilization) if utilization is not None else unknown
    goal = target.get("averageUtilization")
    return f"{resource_name}: {value}/{_percent(goal) if goal is not None else '<auto>'}"


def _targets(obj: Obj) -> str:
    specs = dicts(at(obj, "spec", "metrics"))
    if not specs:
        return "<none>"
    statuses = as_list(at(obj, "status", "currentMetrics"))
    shown = [_metric_text(spec, statuses, i) for i, spec in enumerate(specs)]
    return with_more(shown, len(shown), 2, separator=", ")


def _row(obj: Obj, now: datetime) -> Cells:
    spec = as_dict(obj.get("spec"))
    target = as_dict(spec.get("scaleTargetRef"))
    min_replicas = spec.get("minReplicas")
    return [
        name_of(obj),
        f"{text(target.get('kind'))}/{text(target.get('name'))}",
        _targets(obj),
        str(integer(min_replicas, 1)),  # minReplicas defaults to 1
        integer(spec.get("maxReplicas")),
        integer(at(obj, "status", "currentReplicas")),
        age(obj, now),
    ]


_COLUMNS = (
    NAME,
    column("Reference", "The workload being scaled."),
    column("Targets", "Current and target values of the metrics."),
    column("MinPods", "The lower limit for the number of replicas."),
    column("MaxPods", "The upper limit for the number of replicas."),
    column("Replicas", "Current number of replicas of the scaled workload."),
    AGE,
)


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
    schema=_SCHEMA,
    printer=Printer(_COLUMNS, _row),
    strategy=HorizontalPodAutoscalerStrategy(),
)
