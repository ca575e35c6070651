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
    INT_OR_STRING,
    LABEL_SELECTOR,
    POD_TEMPLATE,
    Field,
    KindSchema,
    Ref,
    Struct,
    merged_by_type,
)
from minik8s.api.validation import as_object, one_of, validate_selector_update

from .pod import default_template
from .workload import (
    default_rolling_update,
    validate_rolling_update,
    validate_workload,
    workload_condition,
)

DEFINITIONS = {
    APPS + "DaemonSetSpec": Struct(
        {
            "selector": Field(
                LABEL_SELECTOR,
                "Label query over the pods this DaemonSet owns. Required, must not be empty, "
                "must match the template's labels, and cannot be changed.",
                proto=1,
            ),
            "template": Field(
                POD_TEMPLATE,
                "The pod run on each eligible node: every node when the template has no node "
                "selector or affinity, else the nodes they select. Its restartPolicy may only "
                "be Always.",
                proto=2,
            ),
            "updateStrategy": Field(
                Ref(APPS + "DaemonSetUpdateStrategy"),
                "How pods of an old template are replaced after the template changes.",
                proto=3,
            ),
            "minReadySeconds": Field(
                "integer",
                "Seconds a new daemon pod must stay ready, with no container crashing, before "
                "it counts as available. Defaults to 0 (available as soon as it is ready).",
                proto=4,
            ),
            "revisionHistoryLimit": Field(
                "integer",
                "How many old ControllerRevisions are kept for rollbacks. Defaults to 10.",
                proto=6,
                keep_zero=True,
            ),
        },
        "The desired state of a DaemonSet.",
    ),
    APPS + "DaemonSetUpdateStrategy": Struct(
        {
            "type": Field(
                "string",
                'How to replace pods after a template change: "RollingUpdate" (the default) '
                'node by node, or "OnDelete" only when an old pod is deleted.',
                proto=1,
            ),
            "rollingUpdate": Field(
                Ref(APPS + "RollingUpdateDaemonSet"),
                "The limits of a rolling update; used only when type is RollingUpdate.",
                proto=2,
            ),
        },
        "How a DaemonSet replaces pods of an old template.",
    ),
    APPS + "RollingUpdateDaemonSet": Struct(
        {
            "maxUnavailable": Field(
                Ref(INT_OR_STRING),
                "How many nodes that should run the pod may be without an available one "
                "during the update: a number or a percentage of status.desiredNumberScheduled "
                "(rounded up), at most 100%. Defaults to 1; may not be 0 when maxSurge is 0.",
                proto=1,
            ),
            "maxSurge": Field(
                Ref(INT_OR_STRING),
                "How many nodes may run the new pod beside the old, still available one "
                "before the old one is deleted: a number or a percentage of "
                "status.desiredNumberScheduled (rounded up, at least 1). Defaults to 0; may "
                "not be 0 when maxUnavailable is 0.",
                proto=2,
            ),
        },
        "The limits of a DaemonSet's rolling update.",
    ),
    APPS + "DaemonSetStatus": Struct(
        {
            "currentNumberScheduled": Field(
                "integer",
                "Nodes that should run the daemon pod and run at least one.",
                proto=1,
            ),
            "numberMisscheduled": Field(
                "integer",
                "Nodes that run the daemon pod but should not.",
                proto=2,
            ),
            "desiredNumberScheduled": Field(
                "integer",
                "Nodes that should run the daemon pod, whether they do or not.",
                proto=3,
            ),
            "numberReady": Field(
                "integer",
                "Nodes that should run the daemon pod and run one whose Ready condition is True.",
                proto=4,
            ),
            "observedGeneration": Field(
                "integer",
                "The metadata.generation the controller last acted on; the status is current "
                "when it equals metadata.generation.",
                proto=5,
            ),
            "updatedNumberScheduled": Field(
                "integer",
                "Nodes that run a daemon pod of the current template.",
                proto=6,
            ),
            "numberAvailable": Field(
                "integer",
                "Nodes that should run the daemon pod and run one ready for at least "
                "minReadySeconds.",
                proto=7,
            ),
            "numberUnavailable": Field(
                "integer",
                "Nodes that should run the daemon pod and run none that is available.",
                proto=8,
            ),
            "collisionCount": Field(
                "integer",
                "How often the hash naming a new ControllerRevision collided with an existing "
                "name; the controller mixes it into the next hash to get a fresh name.",
                proto=9,
                keep_zero=True,
            ),
            "conditions": Field(
                merged_by_type(APPS + "DaemonSetCondition"),
                "The latest observations of the DaemonSet's state, one per type.",
                proto=10,
            ),
        },
        "The state of a DaemonSet as its controller last observed it.",
    ),
    APPS + "DaemonSetCondition": workload_condition("DaemonSet"),
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
        "A DaemonSet runs one pod of a template on every node that may run it.",
        {
            "spec": Field(
                Ref(APPS + "DaemonSetSpec"),
                "Which pod the DaemonSet runs on each node and how it rolls out changes.",
                proto=2,
            ),
            "status": Field(
                Ref(APPS + "DaemonSetStatus"),
                "What the daemonset controller last observed; written by the controller.",
                proto=3,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    strategy=Strategy(
        default=_default,
        validate=_validate,
        validate_update=validate_selector_update,
        reset_status_on_create=True,
    ),
)
