"""CronJob (batch/v1): a Job created on a repeating schedule.

`spec.schedule` is a standard five-field cron expression (minute, hour, day of month,
month, day of week; names such as `jan` or `mon`, `?` for a day, steps and ranges) or a
macro (`@hourly`, `@every 1h30m`, ...); a `TZ=` prefix is refused in favour of
`spec.timeZone`, which must name a zone of the tz database. The name is at most 52
characters, so the Jobs named after it (`<name>-<scheduled minute>`) fit in 63. The Job
template is validated as a Job's spec (`job.validate_job_spec`), but only its pod template
is defaulted here: Kubernetes defaults the Job's own fields when the controller creates the
Job.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from minik8s.api import validation
from minik8s.api.defaults import child, set_default
from minik8s.api.errors import invalid, required
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.kinds.job import validate_job_spec
from minik8s.api.kinds.pod import default_template
from minik8s.api.names import cronjob_name_errors
from minik8s.api.printing import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    age,
    as_dict,
    as_list,
    at,
    bool_text,
    column,
    containers_and_images,
    format_selector,
    name_of,
    selector_column,
    since,
    text,
)
from minik8s.api.schema import (
    BATCH,
    CORE,
    TIME,
    Field,
    KindSchema,
    Ref,
    Struct,
    atomic,
)
from minik8s.api.validation import (
    as_object,
    bool_field,
    non_negative,
    one_of,
    required_str,
    str_field,
    validate_labels,
)

# --------------------------------------------------------------------------- schema

DEFINITIONS = {
    BATCH + "CronJobSpec": Struct(
        {
            "schedule": Field(
                "string",
                "When to create Jobs: a five-field cron expression (e.g. `*/5 * * * *`) or a "
                "macro such as `@hourly` or `@every 2h`. Required.",
                proto=1,
            ),
            "timeZone": Field(
                "string",
                "The tz database zone the schedule is read in (e.g. `Europe/Paris`). Unset: "
                "the controller manager's time zone, which is UTC in minik8s.",
                proto=8,
                keep_zero=True,
            ),
            "startingDeadlineSeconds": Field(
                "integer",
                "How late, in seconds, a missed run may still start; a run later than that "
                "is skipped. Unset: no deadline.",
                proto=2,
                keep_zero=True,
            ),
            "concurrencyPolicy": Field(
                "string",
                "What to do when a run is due while the previous Job still runs: Allow (the "
                "default: run both), Forbid (skip the new run) or Replace (delete the "
                "running Job and start the new one).",
                proto=3,
            ),
            "suspend": Field(
                "boolean",
                "True stops future runs; Jobs already started go on. Defaults to false.",
                proto=4,
                keep_zero=True,
            ),
            "jobTemplate": Field(
                Ref(BATCH + "JobTemplateSpec"),
                "The Job created at each scheduled time. Required.",
                proto=5,
            ),
            "successfulJobsHistoryLimit": Field(
                "integer",
                "How many finished successful Jobs to keep; older ones are deleted. Defaults to 3.",
                proto=6,
                keep_zero=True,
            ),
            "failedJobsHistoryLimit": Field(
                "integer",
                "How many finished failed Jobs to keep; older ones are deleted. Defaults to 1.",
                proto=7,
                keep_zero=True,
            ),
        },
        "CronJobSpec is what a CronJob runs and when.",
    ),
    BATCH + "CronJobStatus": Struct(
        {
            "active": Field(
                atomic(CORE + "ObjectReference"),
                "References to the CronJob's Jobs that are still running.",
                proto=1,
            ),
            "lastScheduleTime": Field(
                TIME, "When a Job was last created for a scheduled time.", proto=4
            ),
            "lastSuccessfulTime": Field(
                TIME, "When a Job of this CronJob last completed.", proto=5
            ),
        },
        "CronJobStatus is what the CronJob controller last observed of a CronJob.",
    ),
}

_SCHEMA = KindSchema(
    "A CronJob creates a Job from a template at each time of a cron schedule.",
    {
        "spec": Field(
            Ref(BATCH + "CronJobSpec"),
            "The schedule, the Job template and how runs that overlap or were missed are handled.",
            proto=2,
        ),
        "status": Field(
            Ref(BATCH + "CronJobStatus"),
            "The running Jobs and when a Job was last scheduled and last succeeded.",
            proto=3,
        ),
    },
    DEFINITIONS,
)

# --------------------------------------------------------------------------- the schedule

_MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_WEEKDAYS = {name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}
# (lowest, highest, names, whether "?" may stand for "*") of each field, in order.
_CRON_FIELDS: tuple[tuple[int, int, dict[str, int], bool], ...] = (
    (0, 59, {}, False),  # minute
    (0, 23, {}, False),  # hour
    (1, 31, {}, True),  # day of month
    (1, 12, _MONTHS, False),  # month
    (0, 6, _WEEKDAYS, True),  # day of week
)
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
_GO_DURATION_RE = re.compile(r"(?:[0-9]*\.?[0-9]+(?:ns|us|µs|ms|s|m|h))+")


def _cron_number(value: str, names: dict[str, int]) -> int | None:
    if re.fullmatch("[0-9]+", value):
        return int(value)
    return names.get(value.lower())


def _cron_field_error(
    field: str, low: int, high: int, names: dict[str, int], question_ok: bool
) -> str | None:
    """The problem with one field of a cron schedule, or None."""
    for part in field.split(","):
        range_text, slash, step = part.partition("/")
        if slash and not (re.fullmatch("[0-9]+", step) and int(step) > 0):
            return f"step of range should be a positive number: {part}"
        if range_text == "*" or (question_ok and range_text == "?"):
            continue
        first, dash, last = range_text.partition("-")
        start = _cron_number(first, names)
        end = _cron_number(last, names) if dash else (high if slash else start)
        if start is None or end is None:
            return f"failed to parse int from {first if start is None else last!r}: {part}"
        if start < low:
            return f"beginning of range ({start}) below minimum ({low}): {part}"
        if end > high:
            return f"end of range ({end}) above maximum ({high}): {part}"
        if start > end:
            return f"beginning of range ({start}) beyond end of range ({end}): {part}"
    return None


def _cron_error(schedule: str) -> str | None:
    """Why `schedule` is not a standard 5-field cron expression (or macro); None when fine."""
    expression = schedule.strip()
    if expression.startswith("@"):
        if expression in _CRON_MACROS:
            return None
        every = expression.removeprefix("@every").strip()
        if expression.startswith("@every ") and _GO_DURATION_RE.fullmatch(every):
            return None
        return f"unrecognized descriptor: {expression}"
    fields = expression.split()
    if len(fields) != len(_CRON_FIELDS):
        return f"expected exactly 5 fields, found {len(fields)}: {expression}"
    for field, (low, high, names, question_ok) in zip(fields, _CRON_FIELDS, strict=True):
        error = _cron_field_error(field, low, high, names, question_ok)
        if error:
            return error
    return None


def _valid_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return False
    return True


def _validate_schedule(spec: Obj, errs: Errs) -> None:
    schedule = required_str(spec, "schedule", "spec", errs)
    if schedule is None:
        return
    if "TZ=" in schedule:
        errs.append(
            invalid(
                "spec.schedule",
                schedule,
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
            )
        )
        return
    error = _cron_error(schedule)
    if error:
        errs.append(invalid("spec.schedule", schedule, error))
    zone = str_field(spec, "timeZone", "spec", errs)
    if zone is not None and (not zone or not _valid_time_zone(zone)):
        errs.append(invalid("spec.timeZone", zone, f"unknown time zone {zone}"))


# --------------------------------------------------------------------------- rules


def _validate_job_template(value: object, errs: Errs) -> None:
    path = "spec.jobTemplate"
    template = as_object(value, path, errs)
    meta = as_object(template.get("metadata"), f"{path}.metadata", errs)
    errs.extend(validate_labels(meta.get("labels"), f"{path}.metadata.labels"))
    validation.validate_annotations(meta.get("annotations"), f"{path}.metadata.annotations", errs)
    validate_job_spec(template.get("spec"), f"{path}.spec", errs)


class CronJobStrategy(Strategy):
    reset_status_on_create = True

    def name_errors(self, name: str) -> list[str]:
        return cronjob_name_errors(name)

    def default(self, obj: Obj) -> None:
        spec = child(obj, "spec")
        if spec is None:
            return
        set_default(spec, "concurrencyPolicy", "Allow")
        set_default(spec, "suspend", False)
        set_default(spec, "successfulJobsHistoryLimit", 3)
        set_default(spec, "failedJobsHistoryLimit", 1)
        # Only the pod template: the Job's own fields are defaulted when the Job is created.
        job_template = child(spec, "jobTemplate", create=False)
        job_spec = child(job_template, "spec", create=False) if job_template is not None else None
        if job_spec is not None:
            default_template(job_spec, restart_policy=None)

    def validate(self, obj: Obj, errs: Errs) -> None:
        spec = as_object(obj.get("spec"), "spec", errs)
        _validate_schedule(spec, errs)
        one_of(spec, "concurrencyPolicy", "spec", errs, ["Allow", "Forbid", "Replace"])
        for key in (
            "startingDeadlineSeconds",
            "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit",
        ):
            non_negative(spec, key, "spec", errs)
        bool_field(spec, "suspend", "spec", errs)
        if spec.get("jobTemplate") is None:
            errs.append(required("spec.jobTemplate"))
            return
        _validate_job_template(spec["jobTemplate"], errs)


# --------------------------------------------------------------------------- table


def _row(obj: Obj, now: datetime) -> Cells:
    spec, status = as_dict(obj.get("spec")), as_dict(obj.get("status"))
    job_spec = at(spec, "jobTemplate", "spec")
    containers, images = containers_and_images(at(job_spec, "template", "spec"))
    last = status.get("lastScheduleTime")
    return [
        name_of(obj),
        text(spec.get("schedule")),
        text(spec.get("timeZone")) or "<none>",
        bool_text(spec.get("suspend")),
        len(as_list(status.get("active"))),
        since(last, now) if last is not None else "<none>",
        age(obj, now),
        containers,
        images,
        format_selector(as_dict(job_spec).get("selector")),
    ]


_COLUMNS = (
    NAME,
    column("Schedule", "The schedule in Cron format."),
    column("Timezone", "The time zone name for the given schedule."),
    column("Suspend", "Whether subsequent executions are suspended.", type_="boolean"),
    column("Active", "The number of currently running jobs.", type_="integer"),
    column("Last Schedule", "When the job was last successfully scheduled."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("pods"),
)


CRON_JOB = ResourceInfo(
    "batch",
    "v1",
    "CronJob",
    "cronjobs",
    "cronjob",
    True,
    ("cj",),
    ("status",),
    ("all",),
    schema=_SCHEMA,
    printer=Printer(_COLUMNS, _row),
    strategy=CronJobStrategy(),
)
