"""Endpoints (core/v1): its declaration."""

from __future__ import annotations

from minik8s.api import defaults, printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    CORE,
    Array,
    Field,
    KindSchema,
    Ref,
    Struct,
)

DEFINITIONS = {
    CORE + "EndpointSubset": Struct(
        {
            "addresses": Array(Ref(CORE + "EndpointAddress"), list_type="atomic"),
            "notReadyAddresses": Array(Ref(CORE + "EndpointAddress"), list_type="atomic"),
            "ports": Array(Ref(CORE + "EndpointPort"), list_type="atomic"),
        }
    ),
    CORE + "EndpointAddress": Struct(
        {
            "ip": "string",
            "hostname": "string",
            "nodeName": "string",
            "targetRef": Ref(CORE + "ObjectReference"),
        }
    ),
    CORE + "EndpointPort": Struct(
        {
            "name": "string",
            "port": "integer",
            "protocol": "string",
            "appProtocol": "string",
        }
    ),
}


class EndpointsStrategy(Strategy):
    def default(self, obj: Obj) -> None:
        defaults._default_endpoints(obj)

    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_endpoints(obj, errs)


ENDPOINTS = ResourceInfo(
    "",
    "v1",
    "Endpoints",
    "endpoints",
    "endpoints",
    True,
    ("ep",),
    schema=KindSchema(
        "Endpoints is a collection of endpoints that implement the actual service.",
        {
            "subsets": Field(
                Array(Ref(CORE + "EndpointSubset"), list_type="atomic"),
                "The set of all endpoints is the union of all subsets.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._ENDPOINTS_COLUMNS), printing._endpoints_row),
    strategy=EndpointsStrategy(),
)
