"""DaemonSet (apps/v1): one pod of a template on every node that may run it.

The daemonset controller places one pod per node that matches the template's node
selector, affinity and tolerations, and records each template revision as a
ControllerRevision. A template change is rolled out node by node (`RollingUpdate`, the
default: at most one node without an available pod, no surge) or only as pods are
deleted (`OnDelete`, whose `rollingUpdate` parameters are ignored). Beyond what every
workload shares (`workload`): the rolling-update bounds may not both be 0, and the
selector cannot be changed.
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.defaults import child, set_default
from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.printing import (
    AGE,
    CONTAINERS,
    IMAGES,
    NAME,
    age,
    as_dict,
    at,
    column,
    containers_and_images,
    format_labels,
    format_selector,
    integer,
    name_of,
    selector_column,
    template_spec,
)
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
from minik8s.api.validation import as_object, one_of, validate_selector_update

from .pod import default_template
from .workload import (
    default_rolling_update,
    validate_rolling_update,
    validate_workload,
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


# --------------------------------------------------------------------------- rules


def _default(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    default_rolling_update(spec, "updateStrategy", {"maxUnavailable": 1, "maxSurge": 0})
    set_default(spec, "revisionHistoryLimit", 10)
    default_template(spec)


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    validate_workload(spec, errs, "daemonset")
    path = "spec.updateStrategy"
    strategy = as_object(spec.get("updateStrategy"), path, errs)
    kind = one_of(strategy, "type", path, errs, ["OnDelete", "RollingUpdate"])
    if kind != "OnDelete" and strategy.get("rollingUpdate") is not None:
        validate_rolling_update(strategy["rollingUpdate"], f"{path}.rollingUpdate", errs)


class DaemonSetStrategy(Strategy):
    reset_status_on_create = True

    def default(self, obj: Obj) -> None:
        _default(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        _validate(obj, errs)

    def validate_update(self, new: Obj, old: Obj, errs: Errs) -> None:
        validate_selector_update(new, old, errs)


# --------------------------------------------------------------------------- table


def _row(obj: Obj, now: datetime) -> Cells:
    status = as_dict(obj.get("status"))
    names, images = containers_and_images(template_spec(obj))
    return [
        name_of(obj),
        integer(status.get("desiredNumberScheduled")),
        integer(status.get("currentNumberScheduled")),
        integer(status.get("numberReady")),
        integer(status.get("updatedNumberScheduled")),
        integer(status.get("numberAvailable")),
        format_labels(as_dict(template_spec(obj)).get("nodeSelector")),
        age(obj, now),
        names,
        images,
        format_selector(at(obj, "spec", "selector")),
    ]


_COLUMNS = (
    NAME,
    column("Desired", "The number of nodes that should run the daemon pod.", type_="integer"),
    column("Current", "The number of nodes running at least one daemon pod.", type_="integer"),
    column("Ready", "The number of nodes whose daemon pod is ready.", type_="integer"),
    column("Up-to-date", "The number of nodes running the updated pod.", type_="integer"),
    column("Available", "The number of nodes whose daemon pod is available.", type_="integer"),
    column("Node Selector", "The node selector of the pod template."),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("pods"),
)


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
    printer=Printer(_COLUMNS, _row),
    strategy=DaemonSetStrategy(),
)
