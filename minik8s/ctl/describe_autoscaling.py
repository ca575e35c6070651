"""`mkctl describe` text for HorizontalPodAutoscalers (autoscaling/v2), as kubectl prints it.

The Metrics section pairs each `spec.metrics[i]` with `status.currentMetrics[i]` (the
controller writes them in the same order, and kubectl pairs them the same way) and prints
`current / target` in kubectl's words for each metric source. Pure; registered in
`describers`.
"""

from __future__ import annotations

from .describe_sections import (
    Obj,
    Related,
    Writer,
    condition_table,
    dict_of,
    dicts_of,
    header_lines,
    selector_string,
    text_of,
)

__all__ = ["describe_hpa", "metric_line"]


def _value(current: Obj, key: str) -> str:
    value = current.get(key)
    return text_of(value) if value is not None else "<unknown>"


def _utilization(current: Obj | None) -> str:
    if not current or current.get("averageUtilization") is None:
        return "<unknown>"
    return f"{current['averageUtilization']}% ({text_of(current.get('averageValue'), '0')})"


def _target_and_current(
    target: Obj, current: Obj | None, what: str, per_pod: str = " (as a quantity per pod)"
) -> tuple[str, str]:
    """(title, `current / target`) of a metric target of type Value or AverageValue."""
    if target.get("type") == "Value" or target.get("value") is not None:
        return what, f"{_value(current or {}, 'value')} / {text_of(target.get('value'))}"
    return (
        what + per_pod,
        f"{_value(current or {}, 'averageValue')} / {text_of(target.get('averageValue'))}",
    )


def metric_line(spec: Obj, status: Obj | None) -> tuple[str, str]:
    """(title, `current / target`) of one metric, in kubectl's words."""
    kind = text_of(spec.get("type"))
    key = {
        "Resource": "resource",
        "ContainerResource": "containerResource",
        "Pods": "pods",
        "Object": "object",
        "External": "external",
    }.get(kind, "")
    source = dict_of(spec.get(key))
    current_source = dict_of((status or {}).get(key)) if status else {}
    current = dict_of(current_source.get("current")) if current_source else None
    target = dict_of(source.get("target"))
    metric = dict_of(source.get("metric"))
    if kind in ("Resource", "ContainerResource"):
        name = text_of(source.get("name"))
        where = (
            f'resource {name} of container "{text_of(source.get("container"))}" on pods'
            if kind == "ContainerResource"
            else f"resource {name} on pods"
        )
        if target.get("averageUtilization") is not None:
            return (
                f"{where}  (as a percentage of request):",
                f"{_utilization(current)} / {target['averageUtilization']}%",
            )
        return f"{where}:", f"{_value(current or {}, 'averageValue')} / " + text_of(
            target.get("averageValue")
        )
    if kind == "Pods":
        return (
            f'"{text_of(metric.get("name"))}" on pods:',
            f"{_value(current or {}, 'averageValue')} / {text_of(target.get('averageValue'))}",
        )
    if kind == "Object":
        described = dict_of(source.get("describedObject"))
        what = (
            f'"{text_of(metric.get("name"))}" on '
            f"{text_of(described.get('kind'))}/{text_of(described.get('name'))}"
        )
        title, values = _target_and_current(target, current, what)
        return f"{title}:", values
    if kind == "External":
        what = f'"{text_of(metric.get("name"))}"'
        selector = selector_string(metric.get("selector"))
        if selector:
            what += f" (selector {selector})"
        if target.get("type") == "Value" or target.get("value") is not None:
            title, values = _target_and_current(target, current, what)
            return f"{title} (target value):", values
        title, values = _target_and_current(target, current, what, "")
        return f"{title} (target average value):", values
    return f"<unknown metric type {kind}>:", "<unknown>"


def _behavior(w: Writer, behavior: Obj) -> None:
    w.line(0, "Behavior:")
    for title, key in (("Scale Up", "scaleUp"), ("Scale Down", "scaleDown")):
        rules = dict_of(behavior.get(key))
        if not rules:
            continue
        w.raw(f"  {title}:")
        if rules.get("stabilizationWindowSeconds") is not None:
            w.raw(f"    Stabilization Window: {rules['stabilizationWindowSeconds']} seconds")
        if rules.get("selectPolicy"):
            w.raw(f"    Select Policy: {rules['selectPolicy']}")
        policies = dicts_of(rules.get("policies"))
        if policies:
            w.raw("    Policies:")
            for p in policies:
                w.raw(
                    f"      - Type: {text_of(p.get('type'))}  Value: {text_of(p.get('value'))}  "
                    f"Period: {text_of(p.get('periodSeconds'))} seconds"
                )


def describe_hpa(w: Writer, obj: Obj, rel: Related) -> None:
    spec, status = dict_of(obj.get("spec")), dict_of(obj.get("status"))
    header_lines(w, obj, timestamp_first=False)
    ref = dict_of(spec.get("scaleTargetRef"))
    w.line(0, "Reference:", f"{text_of(ref.get('kind'))}/{text_of(ref.get('name'))}")
    metrics = dicts_of(spec.get("metrics"))
    currents = dicts_of(status.get("currentMetrics"))
    if metrics:
        w.line(0, "Metrics:", "( current / target )")
        for i, metric in enumerate(metrics):
            title, values = metric_line(metric, currents[i] if i < len(currents) else None)
            w.line(1, title, values)
    else:
        w.line(0, "Metrics:", "<none>")
    w.line(0, "Min replicas:", text_of(spec.get("minReplicas"), "<unset>"))
    w.line(0, "Max replicas:", text_of(spec.get("maxReplicas")))
    if dict_of(spec.get("behavior")):
        _behavior(w, dict_of(spec.get("behavior")))
    w.line(
        0,
        f"{text_of(ref.get('kind'))} pods:",
        f"{text_of(status.get('currentReplicas'), '0')} current / "
        f"{text_of(status.get('desiredReplicas'), '0')} desired",
    )
    condition_table(
        w,
        status.get("conditions"),
        [("Type", "type"), ("Status", "status"), ("Reason", "reason"), ("Message", "message")],
        spaced=0,
    )
