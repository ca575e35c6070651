"""Event (core/v1): its declaration."""

from __future__ import annotations

from minik8s.api import printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    CORE,
    MICRO_TIME,
    TIME,
    Field,
    KindSchema,
    Ref,
    Struct,
)

DEFINITIONS = {
    CORE + "EventSource": Struct({"component": "string", "host": "string"}),
    CORE + "EventSeries": Struct({"count": "integer", "lastObservedTime": MICRO_TIME}),
}


class EventStrategy(Strategy):
    expires = True

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_event(obj, errs)


EVENT = ResourceInfo(
    "",
    "v1",
    "Event",
    "events",
    "event",
    True,
    ("ev",),
    schema=KindSchema(
        "Event is a report of an event somewhere in the cluster.",
        {
            "involvedObject": Field(
                Ref(CORE + "ObjectReference"),
                "The object that this event is about.",
            ),
            "reason": Field(
                "string",
                (
                    "A short, machine understandable string that gives the reason for the "
                    "transition into the object's current status."
                ),
            ),
            "message": Field(
                "string",
                "A human-readable description of the status of this operation.",
            ),
            "source": Field(
                Ref(CORE + "EventSource"),
                "The component reporting this event.",
            ),
            "firstTimestamp": Field(
                TIME,
                "The time at which the event was first recorded.",
            ),
            "lastTimestamp": Field(
                TIME,
                "The time at which the most recent occurrence of this event was recorded.",
            ),
            "count": Field(
                "integer",
                "The number of times this event has occurred.",
            ),
            "type": Field(
                "string",
                "Type of this event (Normal, Warning).",
            ),
            "eventTime": Field(
                MICRO_TIME,
                "Time when this Event was first observed.",
            ),
            "series": Field(
                Ref(CORE + "EventSeries"),
                "Data about the Event series this event represents.",
            ),
            "action": Field(
                "string",
                "What action was taken/failed regarding to the Regarding object.",
            ),
            "related": Field(
                Ref(CORE + "ObjectReference"),
                "Optional secondary object for more complex actions.",
            ),
            "reportingComponent": Field(
                "string",
                "Name of the controller that emitted this Event.",
            ),
            "reportingInstance": Field(
                "string",
                "ID of the controller instance.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._EVENT_COLUMNS), printing._event_row),
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
    strategy=EventStrategy(),
)
