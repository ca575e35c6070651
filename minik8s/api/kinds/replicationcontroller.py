"""ReplicationController (core/v1): the ReplicaSet's predecessor, still in many manifests.

It keeps `spec.replicas` (default 1) pods made from its template running, like a
ReplicaSet, but its selector is a plain map of labels that must all be equal (no match
expressions) and it may change after creation. When the selector is left out it defaults
to the template's labels, and so do the controller's own labels when it has none. The
replicationcontroller controller (`controllers/replicationcontroller.py`) keeps the pods.
Field order and protobuf numbers are those of k8s.io/api/core/v1.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from minik8s.api.defaults import child, set_default
from minik8s.api.errors import forbidden, required
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
    integer,
    name_of,
    replicas_of,
    selector_column,
    template_spec,
)
from minik8s.api.schema import (
    CORE,
    POD_TEMPLATE,
    STRING_MAP,
    TIME,
    Field,
    KindSchema,
    Ref,
    Struct,
    merged_by_type,
)
from minik8s.api.validation import as_object, non_negative, validate_labels

from .pod import check_template_matches, default_template, validate_template

DEFINITIONS = {
    CORE + "ReplicationControllerSpec": Struct(
        {
            "replicas": Field(
                "integer",
                "How many pods the controller should run. Defaults to 1; 0 is allowed.",
                proto=1,
                keep_zero=True,
            ),
            "minReadySeconds": Field(
                "integer",
                "Seconds a new pod must stay ready, with no container crashing, before it "
                "counts as available. Defaults to 0 (available as soon as it is ready).",
                proto=4,
            ),
            "selector": Field(
                STRING_MAP,
                "Labels a pod must carry, each with this value, to be counted and owned by "
                "this controller. Defaults to the template's labels; must select them.",
                proto=2,
            ),
            "template": Field(
                POD_TEMPLATE,
                "The pod created whenever fewer replicas than desired exist. Its restartPolicy "
                "may only be Always; changing it does not touch running pods.",
                proto=3,
            ),
        },
        "The desired state of a ReplicationController.",
    ),
    CORE + "ReplicationControllerStatus": Struct(
        {
            "replicas": Field(
                "integer", "Pods (not terminating) the controller last counted.", proto=1
            ),
            "fullyLabeledReplicas": Field(
                "integer",
                "Pods (not terminating) that carry every label of the pod template.",
                proto=2,
            ),
            "readyReplicas": Field(
                "integer", "Pods of this controller whose Ready condition is True.", proto=4
            ),
            "availableReplicas": Field(
                "integer",
                "Pods of this controller ready for at least minReadySeconds.",
                proto=5,
            ),
            "observedGeneration": Field(
                "integer",
                "The metadata.generation the controller last acted on; the status is current "
                "when it equals metadata.generation.",
                proto=3,
            ),
            "conditions": Field(
                merged_by_type(CORE + "ReplicationControllerCondition"),
                "The latest observations of the controller's state (ReplicaFailure when a pod "
                "could not be created or deleted), one per type.",
                proto=6,
            ),
        },
        "The state of a ReplicationController as its controller last observed it.",
    ),
    CORE + "ReplicationControllerCondition": Struct(
        {
            "type": Field("string", "Type of the condition, such as ReplicaFailure.", proto=1),
            "status": Field("string", "Status of the condition: True, False or Unknown.", proto=2),
            "lastTransitionTime": Field(
                TIME, "When the condition last changed from one status to another.", proto=3
            ),
            "reason": Field(
                "string", "A one-word CamelCase reason for the last transition.", proto=4
            ),
            "message": Field(
                "string", "A human-readable message about the last transition.", proto=5
            ),
        },
        "One aspect of the state of a ReplicationController at a point in time.",
    ),
}


# --------------------------------------------------------------------------- rules


def _default(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is None:
        return
    template = spec.get("template")
    labels = at(template, "metadata", "labels") if isinstance(template, dict) else None
    if isinstance(labels, dict) and labels:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = obj.get("metadata")
        if isinstance(meta, dict) and not meta.get("labels"):
            meta["labels"] = dict(labels)
    set_default(spec, "replicas", 1)
    default_template(spec)


def _validate(obj: Obj, errs: Errs) -> None:
    spec = as_object(obj.get("spec"), "spec", errs)
    non_negative(spec, "replicas", "spec", errs)
    non_negative(spec, "minReadySeconds", "spec", errs)
    selector = _selector(spec.get("selector"), errs)
    labels = validate_template(spec.get("template"), "spec.template", errs, restart=["Always"])
    as_selector = {"matchLabels": selector} if selector is not None else None
    check_template_matches(as_selector, labels, "spec.template", errs)
    template = spec.get("template")
    pod_spec = template.get("spec") if isinstance(template, dict) else None
    if isinstance(pod_spec, dict) and pod_spec.get("activeDeadlineSeconds") is not None:
        errs.append(
            forbidden(
                "spec.template.spec.activeDeadlineSeconds",
                "activeDeadlineSeconds in ReplicationController is not Supported",
            )
        )


def _selector(value: Any, errs: Errs) -> dict[str, Any] | None:
    """The equality selector when it is a non-empty, valid label map (else None)."""
    if not value:
        errs.append(required("spec.selector"))
        return None
    before = len(errs)
    errs.extend(validate_labels(value, "spec.selector"))
    return value if isinstance(value, dict) and len(errs) == before else None


# --------------------------------------------------------------------------- table


def _row(obj: Obj, now: datetime) -> Cells:
    status = as_dict(obj.get("status"))
    names, images = containers_and_images(template_spec(obj))
    return [
        name_of(obj),
        replicas_of(obj),
        integer(status.get("replicas")),
        integer(status.get("readyReplicas")),
        age(obj, now),
        names,
        images,
        format_labels(at(obj, "spec", "selector")),
    ]


_COLUMNS = (
    NAME,
    column("Desired", "Number of desired pods.", type_="integer"),
    column("Current", "The most recently observed number of replicas.", type_="integer"),
    column("Ready", "The number of pods with a Ready condition.", type_="integer"),
    AGE,
    CONTAINERS,
    IMAGES,
    selector_column("pods"),
)


REPLICATION_CONTROLLER = ResourceInfo(
    "",
    "v1",
    "ReplicationController",
    "replicationcontrollers",
    "replicationcontroller",
    True,
    ("rc",),
    ("status", "scale"),
    ("all",),
    schema=KindSchema(
        "A ReplicationController keeps a given number of pods made from one pod template "
        "running, selected by labels that must all be equal.",
        {
            "spec": Field(
                Ref(CORE + "ReplicationControllerSpec"),
                "Which pods the controller should run and how many.",
                proto=2,
            ),
            "status": Field(
                Ref(CORE + "ReplicationControllerStatus"),
                "What the replicationcontroller controller last observed; written by it.",
                proto=3,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    selectable={"status.replicas": ("status.replicas", "0")},
    strategy=Strategy(default=_default, validate=_validate, reset_status_on_create=True),
)
