"""`mkctl describe` text for Jobs, CronJobs, DaemonSets and StatefulSets.

Pure functions of the object and what the command fetched (`Related`), laid out line for
line as kubectl 1.32 prints them, with a few lines kubectl lacks where the object has
more to say (a CronJob's time zone, a StatefulSet's pod management policy, a DaemonSet's
ready count, a Job's conditions). Registered in `describers`.
"""

from __future__ import annotations

from datetime import datetime

from . import printers
from .describe_sections import (
    Obj,
    Related,
    Writer,
    annotations_lines,
    condition_table,
    controlled_by_line,
    dict_of,
    dicts_of,
    labels_lines,
    list_of,
    meta_of,
    owned_pods,
    pod_template_section,
    pods_status,
    selector_string,
    text_of,
)

__all__ = ["describe_cronjob", "describe_daemonset", "describe_job", "describe_statefulset"]


def _duration(start: object, end: object, now: datetime) -> str:
    begin = printers.parse_time(start)
    if begin is None:
        return ""
    finish = printers.parse_time(end) or now
    return printers.human_duration(finish - begin)


def _job_counts(status: Obj) -> str:
    active = text_of(status.get("active"), "0")
    ready = f" ({text_of(status['ready'])} Ready)" if status.get("ready") is not None else ""
    return (
        f"{active} Active{ready} / {text_of(status.get('succeeded'), '0')} Succeeded / "
        f"{text_of(status.get('failed'), '0')} Failed"
    )


def describe_job(w: Writer, obj: Obj, rel: Related) -> None:
    meta, spec, status = meta_of(obj), dict_of(obj.get("spec")), dict_of(obj.get("status"))
    w.line(0, "Name:", text_of(meta.get("name")))
    w.line(0, "Namespace:", text_of(meta.get("namespace")))
    w.line(0, "Selector:", selector_string(spec.get("selector")) or "<none>")
    labels_lines(w, obj)
    annotations_lines(w, obj)
    controlled_by_line(w, obj)
    w.line(0, "Parallelism:", text_of(spec.get("parallelism"), "1"))
    w.line(0, "Completions:", text_of(spec.get("completions"), "<unset>"))
    mode = text_of(spec.get("completionMode"))
    if mode:
        w.line(0, "Completion Mode:", mode)
    if spec.get("suspend") is not None:
        w.line(0, "Suspend:", text_of(bool(spec["suspend"])))
    if spec.get("backoffLimit") is not None:
        w.line(0, "Backoff Limit:", text_of(spec["backoffLimit"]))
    if spec.get("ttlSecondsAfterFinished") is not None:
        w.line(0, "TTL Seconds After Finished:", text_of(spec["ttlSecondsAfterFinished"]))
    if status.get("startTime"):
        w.line(0, "Start Time:", printers.format_time(status["startTime"]))
    if status.get("completionTime"):
        w.line(0, "Completed At:", printers.format_time(status["completionTime"]))
    if status.get("startTime"):
        w.line(
            0, "Duration:", _duration(status["startTime"], status.get("completionTime"), rel.now)
        )
    if spec.get("activeDeadlineSeconds") is not None:
        w.line(0, "Active Deadline Seconds:", f"{text_of(spec['activeDeadlineSeconds'])}s")
    w.line(0, "Pods Statuses:", _job_counts(status))
    if mode == "Indexed":
        w.line(0, "Completed Indexes:", text_of(status.get("completedIndexes")) or "<none>")
    pod_template_section(w, spec.get("template"))
    condition_table(
        w,
        status.get("conditions"),
        [("Type", "type"), ("Status", "status"), ("Reason", "reason"), ("Message", "message")],
        spaced=0,
    )


def _bool_title(value: object) -> str:
    """kubectl's printBoolPtr: `True`, `False`, `<unset>`."""
    if value is None:
        return "<unset>"
    return "True" if value else "False"


def describe_cronjob(w: Writer, obj: Obj, rel: Related) -> None:
    meta, spec, status = meta_of(obj), dict_of(obj.get("spec")), dict_of(obj.get("status"))
    w.line(0, "Name:", text_of(meta.get("name")))
    w.line(0, "Namespace:", text_of(meta.get("namespace")))
    labels_lines(w, obj)
    annotations_lines(w, obj)
    w.line(0, "Schedule:", text_of(spec.get("schedule")))
    if spec.get("timeZone"):
        w.line(0, "Time Zone:", text_of(spec["timeZone"]))
    w.line(0, "Concurrency Policy:", text_of(spec.get("concurrencyPolicy"), "Allow"))
    w.line(0, "Suspend:", _bool_title(spec.get("suspend")))
    for title, key in (
        ("Successful Job History Limit", "successfulJobsHistoryLimit"),
        ("Failed Job History Limit", "failedJobsHistoryLimit"),
    ):
        w.line(0, f"{title}:", text_of(spec.get(key), "<unset>"))
    deadline = spec.get("startingDeadlineSeconds")
    w.line(0, "Starting Deadline Seconds:", f"{deadline}s" if deadline is not None else "<unset>")
    job_spec = dict_of(dict_of(spec.get("jobTemplate")).get("spec"))
    w.line(0, "Selector:", selector_string(job_spec.get("selector")) or "<unset>")
    w.line(0, "Parallelism:", text_of(job_spec.get("parallelism"), "<unset>"))
    w.line(0, "Completions:", text_of(job_spec.get("completions"), "<unset>"))
    if job_spec.get("activeDeadlineSeconds") is not None:
        w.line(0, "Active Deadline Seconds:", f"{job_spec['activeDeadlineSeconds']}s")
    pod_template_section(w, job_spec.get("template"))
    last = status.get("lastScheduleTime")
    w.line(0, "Last Schedule Time:", printers.format_time(last) if last else "<unset>")
    active = [text_of(ref.get("name")) for ref in dicts_of(status.get("active"))]
    w.line(0, "Active Jobs:", ", ".join(active) or "<none>")


def describe_daemonset(w: Writer, obj: Obj, rel: Related) -> None:
    meta, spec, status = meta_of(obj), dict_of(obj.get("spec")), dict_of(obj.get("status"))
    w.line(0, "Name:", text_of(meta.get("name")))
    w.line(0, "Namespace:", text_of(meta.get("namespace")))
    w.line(0, "Selector:", selector_string(spec.get("selector")) or "<none>")
    node_selector = dict_of(dict_of(dict_of(spec.get("template")).get("spec")).get("nodeSelector"))
    w.line(
        0,
        "Node-Selector:",
        ",".join(f"{k}={v}" for k, v in sorted(node_selector.items())) or "<none>",
    )
    labels_lines(w, obj)
    annotations_lines(w, obj)
    # kubectl writes these counts without a tab, so they are not aligned with the rest.
    for title, key in (
        ("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
        ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
        ("Number of Nodes Scheduled with Up-to-date Pods", "updatedNumberScheduled"),
        ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
        ("Number of Nodes Scheduled with Ready Pods", "numberReady"),
        ("Number of Nodes Misscheduled", "numberMisscheduled"),
    ):
        w.raw(f"{title}: {text_of(status.get(key), '0')}")
    w.line(0, "Pods Status:", pods_status(owned_pods(obj, rel.pods)))
    pod_template_section(w, spec.get("template"))
    condition_table(
        w, status.get("conditions"), [("Type", "type"), ("Status", "status"), ("Reason", "reason")]
    )


def _claim_templates(w: Writer, templates: list[Obj]) -> None:
    if not templates:
        w.line(0, "Volume Claims:", "<none>")
        return
    w.line(0, "Volume Claims:")
    for claim in templates:
        spec = dict_of(claim.get("spec"))
        meta = meta_of(claim)
        w.line(1, "Name:", text_of(meta.get("name")))
        w.line(1, "StorageClass:", text_of(spec.get("storageClassName")))
        for title, key, sep in (("Labels", "labels", "="), ("Annotations", "annotations", ": ")):
            items = sorted(dict_of(meta.get(key)).items())
            if not items:
                w.line(1, f"{title}:", "<none>")
            for i, (k, v) in enumerate(items):
                w.line(1, f"{title}:" if i == 0 else "", f"{k}{sep}{v}")
        storage = dict_of(dict_of(spec.get("resources")).get("requests")).get("storage")
        w.line(1, "Capacity:", text_of(storage, "<default>"))
        modes = " ".join(text_of(m) for m in list_of(spec.get("accessModes")))
        w.line(1, "Access Modes:", f"[{modes}]")


def describe_statefulset(w: Writer, obj: Obj, rel: Related) -> None:
    spec, status = dict_of(obj.get("spec")), dict_of(obj.get("status"))
    meta = meta_of(obj)
    w.line(0, "Name:", text_of(meta.get("name")))
    w.line(0, "Namespace:", text_of(meta.get("namespace")))
    w.line(0, "CreationTimestamp:", printers.format_time(meta.get("creationTimestamp")))
    w.line(0, "Selector:", selector_string(spec.get("selector")) or "<none>")
    labels_lines(w, obj)
    annotations_lines(w, obj)
    w.line(
        0,
        "Replicas:",
        f"{text_of(spec.get('replicas'), '1')} desired | {text_of(status.get('replicas'), '0')} "
        "total",
    )
    strategy = dict_of(spec.get("updateStrategy"))
    kind = text_of(strategy.get("type"), "RollingUpdate")
    w.line(0, "Update Strategy:", kind)
    partition = dict_of(strategy.get("rollingUpdate")).get("partition")
    if kind == "RollingUpdate" and partition is not None:
        w.line(1, "Partition:", text_of(partition))
    w.line(0, "Pod Management Policy:", text_of(spec.get("podManagementPolicy"), "OrderedReady"))
    w.line(0, "Pods Status:", pods_status(owned_pods(obj, rel.pods)))
    pod_template_section(w, spec.get("template"))
    _claim_templates(w, dicts_of(spec.get("volumeClaimTemplates")))
