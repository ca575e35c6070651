"""Job (batch/v1): pods run until a number of them succeed.

A Job's pods must not restart forever, so its template's `restartPolicy` is required and
only `OnFailure` or `Never`. Unless `spec.manualSelector` is true, the API server labels
the template with the Job's uid and name on create and selects the pods by the uid; the
selector, the template, `completionMode` and `completions` cannot change afterwards.
Defaults: one completion when neither `completions` nor `parallelism` is set, parallelism 1,
six retries, `NonIndexed`, not suspended, and pods replaced once terminating or failed
(only once failed when a `podFailurePolicy` is set). CronJob validates the Job spec of its
`jobTemplate` with `validate_job_spec`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from minik8s.api.defaults import child, set_default
from minik8s.api.errors import required
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.kinds.pod import check_template_matches, default_template, validate_template
from minik8s.api.printing import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    age,
    at,
    aware,
    column,
    condition_true,
    containers_and_images,
    format_selector,
    human_duration,
    integer,
    name_of,
    parse_time,
    selector_column,
    template_spec,
)
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
    atomic,
)
from minik8s.api.validation import (
    as_object,
    bool_field,
    immutable,
    non_negative,
    one_of,
    positive,
    spec_of,
    validate_label_selector,
)

JOB_UID_LABELS = ("batch.kubernetes.io/controller-uid", "controller-uid")
JOB_NAME_LABELS = ("batch.kubernetes.io/job-name", "job-name")

# --------------------------------------------------------------------------- schema

_UID_SET = Array("string", list_type="set")

DEFINITIONS = {
    BATCH + "JobSpec": Struct(
        {
            "parallelism": Field(
                "integer",
                "The most pods the Job runs at the same time; fewer run when less work is "
                "left. Defaults to 1.",
                proto=1,
                keep_zero=True,
            ),
            "completions": Field(
                "integer",
                "How many pods must succeed for the Job to be complete. Unset means the first "
                "success completes it (any parallelism); defaults to 1 when parallelism is "
                "unset too. Required for the Indexed completion mode.",
                proto=2,
                keep_zero=True,
            ),
            "activeDeadlineSeconds": Field(
                "integer",
                "Seconds the Job may run, counted from its start time, before its pods are "
                "stopped and it fails with reason DeadlineExceeded. Positive; the clock stops "
                "and restarts while the Job is suspended.",
                proto=3,
                keep_zero=True,
            ),
            "podFailurePolicy": Field(
                Ref(BATCH + "PodFailurePolicy"),
                "Rules that decide, from exit codes or pod conditions, whether a failed pod "
                "fails the Job or its index, is ignored or counts against backoffLimit. "
                "Without it every failure counts. Not allowed with restartPolicy OnFailure.",
                proto=11,
            ),
            "successPolicy": Field(
                Ref(BATCH + "SuccessPolicy"),
                "Rules that declare an Indexed Job successful before every index has "
                "succeeded; without it the Job needs `completions` successes. Immutable.",
                proto=16,
            ),
            "backoffLimit": Field(
                "integer",
                "How many pod failures the Job tolerates before it is marked Failed. "
                "Defaults to 6 (to the maximum int32 when backoffLimitPerIndex is set).",
                proto=7,
                keep_zero=True,
            ),
            "backoffLimitPerIndex": Field(
                "integer",
                "How many failures each index of an Indexed Job tolerates before that index "
                "is marked failed; needs restartPolicy Never. Immutable.",
                proto=12,
                keep_zero=True,
            ),
            "maxFailedIndexes": Field(
                "integer",
                "How many indexes may fail before the whole Job is marked Failed; only with "
                "backoffLimitPerIndex, at most `completions`. Unset: every index runs to "
                "the end.",
                proto=13,
                keep_zero=True,
            ),
            "selector": Field(
                LABEL_SELECTOR,
                "The label query that picks the Job's pods. Generated from the Job's uid "
                "unless manualSelector is true. Immutable.",
                proto=4,
            ),
            "manualSelector": Field(
                "boolean",
                "True when the user chooses the pod labels and selector; false or unset lets "
                "the API server add labels unique to this Job to the template and select by "
                "them.",
                proto=5,
                keep_zero=True,
            ),
            "template": Field(
                POD_TEMPLATE,
                "The pod each run creates. Its restartPolicy must be OnFailure or Never. "
                "Immutable.",
                proto=6,
            ),
            "ttlSecondsAfterFinished": Field(
                "integer",
                "Seconds after the Job finishes (Complete or Failed) before it may be deleted "
                "automatically; 0 deletes it at once. Unset keeps it.",
                proto=8,
                keep_zero=True,
            ),
            "completionMode": Field(
                "string",
                "How completions are counted: NonIndexed (the default: any `completions` "
                "successes) or Indexed (one success for each index 0 to completions-1, "
                "given to each pod in an annotation and its hostname). Immutable.",
                proto=9,
                keep_zero=True,
            ),
            "suspend": Field(
                "boolean",
                "True stops the Job: no pods are created and the running ones are deleted; "
                "setting it back to false resumes it. Defaults to false.",
                proto=10,
                keep_zero=True,
            ),
            "podReplacementPolicy": Field(
                "string",
                "When a replacement pod is created: TerminatingOrFailed (as soon as the old "
                "pod is terminating; the default) or Failed (once it has fully terminated; "
                "the only value allowed, and the default, with a podFailurePolicy).",
                proto=14,
                keep_zero=True,
            ),
            "managedBy": Field(
                "string",
                "The controller that reconciles the Job, as a domain-prefixed path of at most "
                "63 characters. Unset or `kubernetes.io/job-controller` means the built-in "
                "Job controller; any other value makes it leave the Job alone. Immutable.",
                proto=15,
                keep_zero=True,
            ),
        },
        "JobSpec is the desired behaviour of a Job.",
    ),
    BATCH + "PodFailurePolicy": Struct(
        {
            "rules": Field(
                atomic(BATCH + "PodFailurePolicyRule"),
                "The rules, tried in order on each failed pod; the first that matches "
                "decides and the rest are skipped. No match counts the failure against "
                "backoffLimit. At most 20.",
                proto=1,
            ),
        },
        "PodFailurePolicy decides how failed pods affect a Job, by rules matched against "
        "each failure.",
    ),
    BATCH + "PodFailurePolicyRule": Struct(
        {
            "action": Field(
                "string",
                "What a match does: FailJob (fail the Job and stop its pods), FailIndex (fail "
                "this index only; needs backoffLimitPerIndex), Ignore (do not count the "
                "failure and replace the pod) or Count (count it as usual).",
                proto=1,
            ),
            "onExitCodes": Field(
                Ref(BATCH + "PodFailurePolicyOnExitCodesRequirement"),
                "Matches on the exit codes of the pod's containers.",
                proto=2,
            ),
            "onPodConditions": Field(
                atomic(BATCH + "PodFailurePolicyOnPodConditionsPattern"),
                "Matches when any of these patterns matches a condition of the pod. At most 20.",
                proto=3,
            ),
        },
        "PodFailurePolicyRule is an action and what a failed pod must match for it (exactly "
        "one of onExitCodes and onPodConditions).",
    ),
    BATCH + "PodFailurePolicyOnExitCodesRequirement": Struct(
        {
            "containerName": Field(
                "string",
                "Only the container (or init container) of this name is checked; unset "
                "checks every container.",
                proto=1,
                keep_zero=True,
            ),
            "operator": Field(
                "string",
                "In: matches when some checked exit code is in `values`; NotIn: when some "
                "is not. Containers that exited 0 are never checked.",
                proto=2,
            ),
            "values": Field(
                Array("integer", list_type="set"),
                "The exit codes compared, sorted and without duplicates; 1 to 255 of them, "
                "and 0 is not allowed with In.",
                proto=3,
            ),
        },
        "PodFailurePolicyOnExitCodesRequirement matches a failed pod by the exit codes "
        "(`state.terminated.exitCode`) of its containers.",
    ),
    BATCH + "PodFailurePolicyOnPodConditionsPattern": Struct(
        {
            "type": Field(
                "string", "The pod condition type to match (e.g. DisruptionTarget).", proto=1
            ),
            "status": Field(
                "string",
                "The condition status to match: True (the default), False or Unknown.",
                proto=2,
            ),
        },
        "PodFailurePolicyOnPodConditionsPattern matches a failed pod by one of its conditions.",
    ),
    BATCH + "SuccessPolicy": Struct(
        {
            "rules": Field(
                atomic(BATCH + "SuccessPolicyRule"),
                "Alternative rules, tried in order; when one is met the Job gets the "
                "SuccessCriteriaMet condition, its remaining pods are stopped and it ends "
                "Complete. At most 20.",
                proto=1,
            ),
        },
        "SuccessPolicy says when an Indexed Job counts as succeeded before all its indexes have.",
    ),
    BATCH + "SuccessPolicyRule": Struct(
        {
            "succeededIndexes": Field(
                "string",
                "Indexes that must all have succeeded, as comma-separated numbers and "
                "ranges within 0 to completions-1 (e.g. `0,2-4`). Unset: not checked.",
                proto=1,
                keep_zero=True,
            ),
            "succeededCount": Field(
                "integer",
                "How many indexes (within succeededIndexes, when set) must have succeeded; "
                "positive. Unset: not checked.",
                proto=2,
                keep_zero=True,
            ),
        },
        "SuccessPolicyRule is one success rule; at least one of its two fields is set.",
    ),
    BATCH + "JobStatus": Struct(
        {
            "conditions": Field(
                Array(Ref(BATCH + "JobCondition"), "type", "merge", "atomic"),
                "The Job's conditions: Complete or Failed when it has finished (never both), "
                "Suspended, FailureTarget and SuccessCriteriaMet on the way there.",
                proto=1,
            ),
            "startTime": Field(
                TIME,
                "When the Job controller started the Job (UTC); unset while it was created "
                "suspended, and set again each time it is resumed.",
                proto=2,
            ),
            "completionTime": Field(
                TIME,
                "When the Job completed successfully (UTC); never set for a failed Job.",
                proto=3,
            ),
            "active": Field(
                "integer",
                "Pods pending or running and not terminating; 0 once the Job has finished.",
                proto=4,
            ),
            "succeeded": Field("integer", "Pods that ended in phase Succeeded.", proto=5),
            "failed": Field("integer", "Pods that ended in phase Failed; it only grows.", proto=6),
            "terminating": Field(
                "integer",
                "Pods that are being deleted (they have a deletionTimestamp) but have not "
                "ended yet.",
                proto=11,
                keep_zero=True,
            ),
            "completedIndexes": Field(
                "string",
                "For an Indexed Job, the indexes that succeeded, as sorted comma-separated "
                "numbers with runs of three or more written as ranges (e.g. `1,3-5,7`).",
                proto=7,
            ),
            "failedIndexes": Field(
                "string",
                "With backoffLimitPerIndex, the indexes that failed, written like "
                "completedIndexes; never overlaps it.",
                proto=10,
                keep_zero=True,
            ),
            "uncountedTerminatedPods": Field(
                Ref(BATCH + "UncountedTerminatedPods"),
                "Pods that have ended but are not yet in the succeeded or failed counters: the "
                "controller records a pod here, removes its finalizer, then counts it.",
                proto=8,
            ),
            "ready": Field(
                "integer",
                "Active pods whose Ready condition is true and that are not terminating.",
                proto=9,
                keep_zero=True,
            ),
        },
        "JobStatus is what the Job controller last observed of a Job.",
    ),
    BATCH + "JobCondition": Struct(
        {
            "type": Field(
                "string",
                "The condition: Complete, Failed, Suspended, FailureTarget or SuccessCriteriaMet.",
                proto=1,
            ),
            "status": Field(
                "string", "Whether the condition holds: True, False or Unknown.", proto=2
            ),
            "lastProbeTime": Field(TIME, "When the condition was last checked.", proto=3),
            "lastTransitionTime": Field(TIME, "When the status last changed.", proto=4),
            "reason": Field(
                "string",
                "A one-word CamelCase reason for the last change (e.g. BackoffLimitExceeded).",
                proto=5,
            ),
            "message": Field("string", "A human-readable account of the last change.", proto=6),
        },
        "JobCondition is one observed condition of a Job.",
    ),
    BATCH + "UncountedTerminatedPods": Struct(
        {
            "succeeded": Field(_UID_SET, "UIDs of succeeded pods not counted yet.", proto=1),
            "failed": Field(_UID_SET, "UIDs of failed pods not counted yet.", proto=2),
        },
        "UncountedTerminatedPods lists the pods that have ended but are not yet counted in "
        "the Job's status.",
    ),
    BATCH + "JobTemplateSpec": Struct(
        {
            "metadata": Field(
                OBJECT_META,
                "Labels, annotations and other metadata given to each Job made from the template.",
                proto=1,
            ),
            "spec": Field(
                Ref(BATCH + "JobSpec"), "The spec of each Job made from the template.", proto=2
            ),
        },
        "JobTemplateSpec is the Job a CronJob creates at each scheduled time.",
    ),
}

_SCHEMA = KindSchema(
    "A Job runs pods from one template until enough of them succeed, retrying failures up "
    "to a limit.",
    {
        "spec": Field(
            Ref(BATCH + "JobSpec"),
            "What the Job runs, how many pods must succeed and how failures are handled.",
            proto=2,
        ),
        "status": Field(
            Ref(BATCH + "JobStatus"),
            "What the Job controller last observed: pod counts, times and conditions.",
            proto=3,
        ),
    },
    DEFINITIONS,
)

# --------------------------------------------------------------------------- rules

_RESTART_POLICIES = ["OnFailure", "Never"]
_IMMUTABLE = ("selector", "template", "completionMode", "completions")


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


def validate_job_spec(value: Any, path: str, errs: Errs) -> None:
    """A JobSpec at `path` (a Job's `spec`, a CronJob's `spec.jobTemplate.spec`)."""
    spec = as_object(value, path, errs)
    for key in (
        "parallelism",
        "completions",
        "backoffLimit",
        "backoffLimitPerIndex",
        "maxFailedIndexes",
        "ttlSecondsAfterFinished",
    ):
        non_negative(spec, key, path, errs)
    positive(spec, "activeDeadlineSeconds", path, errs)
    mode = one_of(spec, "completionMode", path, errs, ["Indexed", "NonIndexed"])
    if mode == "Indexed" and spec.get("completions") is None:
        errs.append(required(f"{path}.completions", "when completion mode is Indexed"))
    one_of(spec, "podReplacementPolicy", path, errs, ["Failed", "TerminatingOrFailed"])
    bool_field(spec, "suspend", path, errs)
    manual = bool_field(spec, "manualSelector", path, errs)
    as_object(spec.get("podFailurePolicy"), f"{path}.podFailurePolicy", errs)
    selector = _valid_selector(spec, path, errs, manual=manual is True)
    labels = validate_template(
        spec.get("template"),
        f"{path}.template",
        errs,
        restart=_RESTART_POLICIES,
        restart_required=True,
    )
    check_template_matches(selector, labels, f"{path}.template", errs)


def _valid_selector(spec: Obj, path: str, errs: Errs, *, manual: bool) -> Obj | None:
    """`spec.selector` when it is well formed (required with a manual selector)."""
    if spec.get("selector") is None:
        if manual:
            errs.append(required(f"{path}.selector"))
        return None
    before = len(errs)
    validate_label_selector(spec["selector"], f"{path}.selector", errs)
    if len(errs) == before and isinstance(spec["selector"], dict):
        return spec["selector"]
    return None


def _default_spec(spec: Obj) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    set_default(spec, "parallelism", 1)
    set_default(spec, "backoffLimit", 6)
    set_default(spec, "completionMode", "NonIndexed")
    set_default(spec, "suspend", False)
    replacement = "TerminatingOrFailed" if spec.get("podFailurePolicy") is None else "Failed"
    set_default(spec, "podReplacementPolicy", replacement)
    default_template(spec, restart_policy=None)


class JobStrategy(Strategy):
    reset_status_on_create = True

    def prepare_for_create(self, obj: Obj) -> None:
        generate_job_selector(obj)

    def default(self, obj: Obj) -> None:
        spec = child(obj, "spec")
        if spec is not None:
            _default_spec(spec)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validate_job_spec(obj.get("spec"), "spec", errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        spec, old_spec = spec_of(new), spec_of(old)
        for key in _IMMUTABLE:
            immutable(spec.get(key), old_spec.get(key), f"spec.{key}", errs)


# --------------------------------------------------------------------------- table


def _status(obj: Obj) -> str:
    conditions = at(obj, "status", "conditions")
    if condition_true(conditions, "Complete"):
        return "Complete"
    if condition_true(conditions, "Failed"):
        return "Failed"
    if at(obj, "metadata", "deletionTimestamp") is not None:
        return "Terminating"
    if condition_true(conditions, "Suspended"):
        return "Suspended"
    if condition_true(conditions, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def _completions(obj: Obj) -> str:
    succeeded = integer(at(obj, "status", "succeeded"))
    completions = at(obj, "spec", "completions")
    if completions is not None:
        return f"{succeeded}/{integer(completions)}"
    parallelism = integer(at(obj, "spec", "parallelism"))
    if parallelism > 1:
        return f"{succeeded}/1 of {parallelism}"
    return f"{succeeded}/1"


def _duration(obj: Obj, now: datetime) -> str:
    start = parse_time(at(obj, "status", "startTime"))
    if start is None:
        return ""
    end = parse_time(at(obj, "status", "completionTime"))
    return human_duration((end if end is not None else aware(now)) - start)


def _row(obj: Obj, now: datetime) -> Cells:
    containers, images = containers_and_images(template_spec(obj))
    return [
        name_of(obj),
        _status(obj),
        _completions(obj),
        _duration(obj, now),
        age(obj, now),
        containers,
        images,
        format_selector(at(obj, "spec", "selector")),
    ]


_COLUMNS = (
    NAME,
    column("Status", "Status of the job."),
    column("Completions", "The number of pods which reached phase Succeeded."),
    column("Duration", "Time required to complete the job."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("pods"),
)


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
    schema=_SCHEMA,
    printer=Printer(_COLUMNS, _row),
    selectable={
        "status.successful": ("status.succeeded", "0"),
    },
    strategy=JobStrategy(),
)
