"""Event (core/v1): a report that something happened to an object (a pod was scheduled,
an image pull failed), written by the component that saw it.

Events expire: they are stored with an etcd lease (`--event-ttl`, an hour by default), so
the registry deletes them without anyone asking. A recorder folds repeats into one Event
whose `count` and `lastTimestamp` grow; events.k8s.io-style writers use `eventTime` and
`series` instead, and the table understands both. Validation only checks the field types
and that `count` is not negative.
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.printing import as_dict, column, integer, name_of, since, text
from minik8s.api.schema import (
    CORE,
    MICRO_TIME,
    TIME,
    Field,
    KindSchema,
    Ref,
    Struct,
)
from minik8s.api.validation import as_object, non_negative, str_field

DEFINITIONS = {
    CORE + "EventSource": Struct(
        {
            "component": Field(
                "string",
                "The component that reported the event, such as `kubelet` or `default-scheduler`.",
                proto=1,
            ),
            "host": Field("string", "The node the reporting component runs on.", proto=2),
        },
        "Who reported an event.",
    ),
    CORE + "EventSeries": Struct(
        {
            "count": Field("integer", "How many times the event has happened so far.", proto=1),
            "lastObservedTime": Field(MICRO_TIME, "When the event last happened.", proto=2),
        },
        "An event that keeps happening, counted instead of recorded each time.",
    ),
}


# --------------------------------------------------------------------------- validation


def _validate(obj: Obj, errs: Errs) -> None:
    as_object(obj.get("involvedObject"), "involvedObject", errs)
    for key in ("reason", "message", "type", "firstTimestamp", "lastTimestamp"):
        str_field(obj, key, "", errs)
    non_negative(obj, "count", "", errs)
    as_object(obj.get("source"), "source", errs)


# --------------------------------------------------------------------------- table


def _source(obj: Obj) -> str:
    source = as_dict(obj.get("source"))
    component = text(source.get("component")) or text(obj.get("reportingController"))
    host = text(source.get("host")) or text(obj.get("reportingInstance"))
    return f"{component}, {host}" if host else component


def _row(obj: Obj, now: datetime) -> Cells:
    first = obj.get("firstTimestamp")
    first_seen = since(first if first else obj.get("eventTime"), now)
    last = obj.get("lastTimestamp")
    last_seen = since(last, now) if last else first_seen
    count = integer(obj.get("count"))
    series = obj.get("series")
    if isinstance(series, dict):
        last_seen = since(series.get("lastObservedTime"), now)
        count = integer(series.get("count"))
    elif count == 0:
        count = 1  # singleton events of the events.k8s.io API carry no count
    involved = as_dict(obj.get("involvedObject"))
    kind, name = text(involved.get("kind")).lower(), text(involved.get("name"))
    return [
        last_seen,
        text(obj.get("type")),
        text(obj.get("reason")),
        f"{kind}/{name}" if name else kind,
        text(involved.get("fieldPath")),
        _source(obj),
        text(obj.get("message")).strip(),
        first_seen,
        count,
        name_of(obj),
    ]


_COLUMNS = (
    column("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
    column("Type", "Type of this event (Normal, Warning)."),
    column("Reason", "A short, machine understandable string for the event."),
    column("Object", "The object that this event is about."),
    column("Subobject", "The part of the object the event is about.", priority=1),
    column("Source", "The component reporting this event.", priority=1),
    column("Message", "A human-readable description of the event."),
    column("First Seen", "The time at which the event was first recorded.", priority=1),
    column("Count", "The number of times this event has occurred.", priority=1),
    column("Name", "Name must be unique within a namespace.", priority=1, fmt="name"),
)


# --------------------------------------------------------------------------- the kind


EVENT = ResourceInfo(
    "",
    "v1",
    "Event",
    "events",
    "event",
    True,
    ("ev",),
    schema=KindSchema(
        "Event reports something that happened to an object in the cluster, as seen by the "
        "component that reported it. Events expire after a while.",
        {
            "involvedObject": Field(
                Ref(CORE + "ObjectReference"),
                "The object the event is about; `fieldPath` may name a part of it, such as "
                "one container.",
                proto=2,
            ),
            "reason": Field(
                "string",
                "A short CamelCase word for what happened, meant for machines (BackOff, "
                "Scheduled, FailedMount, ...).",
                proto=3,
            ),
            "message": Field("string", "A human-readable account of what happened.", proto=4),
            "source": Field(
                Ref(CORE + "EventSource"),
                "The component that reported the event.",
                proto=5,
            ),
            "firstTimestamp": Field(TIME, "When the event was first recorded.", proto=6),
            "lastTimestamp": Field(TIME, "When the event was last recorded.", proto=7),
            "count": Field(
                "integer",
                "How many times the event has happened; repeats update this Event instead of "
                "creating new ones.",
                proto=8,
            ),
            "type": Field("string", "Normal, or Warning for something that went wrong.", proto=9),
            "eventTime": Field(
                MICRO_TIME,
                "When the event first happened, with microseconds (set by newer reporters "
                "instead of the timestamps).",
                proto=10,
            ),
            "series": Field(
                Ref(CORE + "EventSeries"),
                "For an event that keeps happening: how often and when it last did.",
                proto=11,
            ),
            "action": Field(
                "string",
                "What was done, or failed to be done, about the object.",
                proto=12,
            ),
            "related": Field(
                Ref(CORE + "ObjectReference"),
                "A second object the event involves, if any.",
                proto=13,
            ),
            "reportingComponent": Field(
                "string",
                "The controller that reported the event, such as `kubernetes.io/kubelet`.",
                proto=14,
            ),
            "reportingInstance": Field(
                "string",
                "The instance of that controller, such as the kubelet's node name.",
                proto=15,
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(_COLUMNS, _row),
    selectable={
        "involvedObject.kind": ("involvedObject.kind", ""),
        "involvedObject.namespace": ("involvedObject.namespace", ""),
        "involvedObject.name": ("involvedObject.name", ""),
        "involvedObject.uid": ("involvedObject.uid", ""),
        "involvedObject.apiVersion": ("involvedObject.apiVersion", ""),
        "involvedObject.resourceVersion": ("involvedObject.resourceVersion", ""),
        "involvedObject.fieldPath": ("involvedObject.fieldPath", ""),
        "reason": ("reason", ""),
        "reportingComponent": ("reportingComponent", ""),
        "source": ("source.component", ""),
        "type": ("type", ""),
    },
    strategy=Strategy(
        validate=_validate,
        expires=True,
    ),
)
