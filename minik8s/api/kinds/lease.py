"""Lease (coordination.k8s.io/v1): a lock with an expiry, held by renewing it.

Kubelets renew one per node in `kube-node-lease` as their heartbeat, and leader-elected
daemons (scheduler, controller manager) hold one each in `kube-system`. The API server
only checks the field types and that the duration is positive and the transition count
not negative; who may take a lease, and when, is the holders' own protocol (compare and
swap on `resourceVersion`).
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.printing import AGE, NAME, age, at, column, name_of, text
from minik8s.api.schema import COORDINATION, MICRO_TIME, Field, KindSchema, Ref, Struct
from minik8s.api.validation import as_object, non_negative, positive, str_field

DEFINITIONS = {
    COORDINATION + "LeaseSpec": Struct(
        {
            "holderIdentity": Field(
                "string",
                "Who holds the lease now (with coordinated leader election, the name of "
                "the elected LeaseCandidate). Empty when nobody does.",
                proto=1,
                keep_zero=True,
            ),
            "leaseDurationSeconds": Field(
                "integer",
                "How long, counted from renewTime, other candidates wait before they may "
                "take the lease over; positive.",
                proto=2,
                keep_zero=True,
            ),
            "acquireTime": Field(MICRO_TIME, "When the current holder took the lease.", proto=3),
            "renewTime": Field(
                MICRO_TIME, "When the current holder last renewed the lease.", proto=4
            ),
            "leaseTransitions": Field(
                "integer",
                "How many times the lease has passed from one holder to another.",
                proto=5,
                keep_zero=True,
            ),
            "strategy": Field(
                "string",
                "How coordinated leader election picks the holder (OldestEmulationVersion). "
                "Unset: the lease is not coordinated. Alpha in Kubernetes.",
                proto=6,
                keep_zero=True,
            ),
            "preferredHolder": Field(
                "string",
                "A better holder than the current one, which should therefore give the lease "
                "up; only set together with strategy.",
                proto=7,
                keep_zero=True,
            ),
        },
        "LeaseSpec is who holds a lease, since when, and for how long without renewal.",
    ),
}

_SCHEMA = KindSchema(
    "A Lease is a lock with an expiry: its holder keeps it by renewing it before the "
    "duration runs out. Used for node heartbeats and leader election.",
    {
        "spec": Field(
            Ref(COORDINATION + "LeaseSpec"),
            "The holder, its acquire and renew times, and the lease duration.",
            proto=2,
        ),
    },
    DEFINITIONS,
)


class LeaseStrategy(Strategy):
    def validate(self, obj: Obj, errs: Errs) -> None:
        spec = as_object(obj.get("spec"), "spec", errs)
        str_field(spec, "holderIdentity", "spec", errs)
        positive(spec, "leaseDurationSeconds", "spec", errs)
        non_negative(spec, "leaseTransitions", "spec", errs)
        for key in ("acquireTime", "renewTime"):
            str_field(spec, key, "spec", errs)


def _row(obj: Obj, now: datetime) -> Cells:
    return [name_of(obj), text(at(obj, "spec", "holderIdentity")), age(obj, now)]


_COLUMNS = (NAME, column("Holder", "The identity of the current lease holder."), AGE)


LEASE = ResourceInfo(
    "coordination.k8s.io",
    "v1",
    "Lease",
    "leases",
    "lease",
    True,
    schema=_SCHEMA,
    printer=Printer(_COLUMNS, _row),
    strategy=LeaseStrategy(),
)
