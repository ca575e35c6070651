"""CronJob (batch/v1): its declaration."""

from __future__ import annotations

from minik8s.api import defaults, names, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    BATCH,
    CORE,
    TIME,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
)

DEFINITIONS = {
    BATCH + "CronJobSpec": Struct(
        {
            "schedule": "string",
            "timeZone": "string",
            "startingDeadlineSeconds": "integer",
            "concurrencyPolicy": "string",
            "suspend": "boolean",
            "jobTemplate": Ref(BATCH + "JobTemplateSpec"),
            "successfulJobsHistoryLimit": "integer",
            "failedJobsHistoryLimit": "integer",
        }
    ),
    BATCH + "CronJobStatus": Struct(
        {
            "active": Array(Ref(CORE + "ObjectReference"), list_type="atomic"),
            "lastScheduleTime": TIME,
            "lastSuccessfulTime": TIME,
        }
    ),
}


class CronJobStrategy(Strategy):
    reset_status_on_create = True

    def name_errors(self, name: str) -> list[str]:
        return names.cronjob_name_errors(name)

    def default(self, obj: Obj) -> None:
        defaults._default_cronjob(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_cronjob(obj, errs)


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
    schema=KindSchema(
        "CronJob represents the configuration of a single cron job.",
        {
            "spec": Field(
                Ref(BATCH + "CronJobSpec"),
                "Specification of the desired behavior of a cron job, including the schedule.",
            ),
            "status": Field(
                Ref(BATCH + "CronJobStatus"),
                "Current status of a cron job.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._CRONJOB_COLUMNS), printing._cronjob_row),
    strategy=CronJobStrategy(),
)
