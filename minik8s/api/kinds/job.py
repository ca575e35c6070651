"""Job (batch/v1): its declaration."""

from __future__ import annotations

from typing import Any

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    BATCH,
    LABEL_SELECTOR,
    OBJECT_META,
    POD_TEMPLATE,
    TIME,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
    condition,
)

JOB_UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")

DEFINITIONS = {
    BATCH + "JobSpec": Struct(
        {
            "parallelism": "integer",
            "completions": "integer",
            "activeDeadlineSeconds": "integer",
            "backoffLimit": "integer",
            "selector": LABEL_SELECTOR,
            "manualSelector": "boolean",
            "template": POD_TEMPLATE,
            "ttlSecondsAfterFinished": "integer",
            "completionMode": "string",
            "suspend": "boolean",
            "podFailurePolicy": "object",
            "podReplacementPolicy": "string",
        }
    ),
    BATCH + "JobStatus": Struct(
        {
            "conditions": Array(Ref(BATCH + "JobCondition"), "type", "merge", "atomic"),
            "startTime": TIME,
            "completionTime": TIME,
            "active": "integer",
            "succeeded": "integer",
            "failed": "integer",
            "terminating": "integer",
            "ready": "integer",
            "completedIndexes": "string",
            "failedIndexes": "string",
            "uncountedTerminatedPods": "object",
        }
    ),
    BATCH + "JobCondition": condition(("lastProbeTime", "lastTransitionTime")),
    BATCH + "JobTemplateSpec": Struct({"metadata": OBJECT_META, "spec": Ref(BATCH + "JobSpec")}),
}


def generate_job_selector(obj: dict[str, Any]) -> None:
    """Kubernetes' Job create strategy: unless `spec.manualSelector`, label the pod template
    with the Job's uid and name and select its pods by the uid (a selector the user gave is
    kept; validation then checks it matches the template)."""
    spec = obj.get("spec")
    if not isinstance(spec, dict) or spec.get("manualSelector") is True:
        return
    meta = obj["metadata"]
    uid, name = meta["uid"], str(meta.get("name") or "")
    template = spec.get("template")
    if isinstance(template, dict):
        tmeta = template.setdefault("metadata", {})
        labels = tmeta.setdefault("labels", {}) if isinstance(tmeta, dict) else None
        if isinstance(labels, dict):
            labels.update({key: uid for key in JOB_UID_LABELS})
            labels.update({key: name for key in JOB_NAME_LABELS})
    if spec.get("selector") is None:
        spec["selector"] = {"matchLabels": {JOB_UID_LABELS[0]: uid}}


class JobStrategy(Strategy):
    reset_status_on_create = True

    def default(self, obj: Obj) -> None:
        defaults._default_job(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_job(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation._validate_job_update(new, old, errs)

    def prepare_for_create(self, obj: Obj) -> None:
        generate_job_selector(obj)


JOB = ResourceInfo(
    "batch",
    "v1",
    "Job",
    "jobs",
    "job",
    True,
    (),
    ("status",),
    ("all",),
    schema=KindSchema(
        "Job represents the configuration of a single job.",
        {
            "spec": Field(
                Ref(BATCH + "JobSpec"),
                "Specification of the desired behavior of a job.",
            ),
            "status": Field(
                Ref(BATCH + "JobStatus"),
                "Current status of a job.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._JOB_COLUMNS), printing._job_row),
    selectable={
        "status.successful": ("status.succeeded", "0"),
    },
    strategy=JobStrategy(),
)
