"""Lease (coordination.k8s.io/v1): its declaration."""

from __future__ import annotations

from minik8s.api import printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    COORDINATION,
    MICRO_TIME,
    Field,
    KindSchema,
    Ref,
    Struct,
)

DEFINITIONS = {
    COORDINATION + "LeaseSpec": Struct(
        {
            "holderIdentity": "string",
            "leaseDurationSeconds": "integer",
            "acquireTime": MICRO_TIME,
            "renewTime": MICRO_TIME,
            "leaseTransitions": "integer",
            "strategy": "string",
            "preferredHolder": "string",
        }
    ),
}


class LeaseStrategy(Strategy):
    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_lease(obj, errs)


LEASE = ResourceInfo(
    "coordination.k8s.io",
    "v1",
    "Lease",
    "leases",
    "lease",
    True,
    schema=KindSchema(
        "Lease defines a lease concept.",
        {
            "spec": Field(
                Ref(COORDINATION + "LeaseSpec"),
                "Specification of the Lease.",
            ),
        },
        DEFINITIONS,
    ),
    printer=Printer(tuple(printing._LEASE_COLUMNS), printing._lease_row),
    strategy=LeaseStrategy(),
)
