"""DaemonSet (apps/v1): its declaration."""

from __future__ import annotations

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    APPS,
    LABEL_SELECTOR,
    POD_TEMPLATE,
    Field,
    KindSchema,
    Ref,
    Struct,
    condition,
    merged_by_type,
)

DEFINITIONS = {
    APPS + "DaemonSetSpec": Struct(
        {
            "selector": LABEL_SELECTOR,
            "template": POD_TEMPLATE,
            "updateStrategy": "object",
            "minReadySeconds": "integer",
            "revisionHistoryLimit": "integer",
        }
    ),
    APPS + "DaemonSetStatus": Struct(
        {
            "currentNumberScheduled": "integer",
            "numberMisscheduled": "integer",
            "desiredNumberScheduled": "integer",
            "numberReady": "integer",
            "observedGeneration": "integer",
            "updatedNumberScheduled": "integer",
            "numberAvailable": "integer",
            "numberUnavailable": "integer",
            "collisionCount": "integer",
            "conditions": merged_by_type(APPS + "DaemonSetCondition"),
        }
    ),
    APPS + "DaemonSetCondition": condition(),
}


class DaemonSetStrategy(Strategy):
    reset_status_on_create = True

    def default(self, obj: Obj) -> None:
        defaults._default_daemonset(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_daemonset(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validation.validate_selector_update(new, old, errs)


DAEMON_SET = ResourceInfo(
    "apps",
    "v1",
    "DaemonSet",
    "daemonsets",
    "daemonset",
    True,
    ("ds",),
    ("status",),
    ("all",),
    schema=KindSchema(
        "DaemonSet represents the configuration of a daemon set.",
        {
            "spec": Field(
                Ref(APPS + "DaemonSetSpec"),
                "The desired behavior of this daemon set.",
            ),
            "status": Field(
                Ref(APPS + "DaemonSetStatus"),
                "The current status of this daemon set.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._DAEMONSET_COLUMNS), printing._daemonset_row),
    strategy=DaemonSetStrategy(),
)
