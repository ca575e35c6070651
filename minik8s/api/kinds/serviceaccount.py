"""ServiceAccount (core/v1): its declaration."""

from __future__ import annotations

from minik8s.api import printing, validation
from minik8s.api.kind import Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.schema import (
    CORE,
    Array,
    Field,
    KindSchema,
    Ref,
    keyed,
)


class ServiceAccountStrategy(Strategy):
    def validate(self, obj: Obj, errs: Errs) -> None:
        validation._validate_service_account(obj, errs)


SERVICE_ACCOUNT = ResourceInfo(
    "",
    "v1",
    "ServiceAccount",
    "serviceaccounts",
    "serviceaccount",
    True,
    ("sa",),
    schema=KindSchema(
        (
            "ServiceAccount binds together a name, understood by users and perhaps by peripheral "
            "systems, for an identity, a principal that can be authenticated and authorized, "
            "and a set"
            " of secrets."
        ),
        {
            "secrets": Field(
                keyed(CORE + "ObjectReference", "name"),
                (
                    "Secrets is a list of the secrets in the same namespace that pods running "
                    "using "
                    "this ServiceAccount are allowed to use."
                ),
            ),
            "imagePullSecrets": Field(
                Array(Ref(CORE + "LocalObjectReference"), list_type="atomic"),
                (
                    "References to secrets in the same namespace to use for pulling any images in "
                    "pods"
                    " that reference this ServiceAccount."
                ),
            ),
            "automountServiceAccountToken": Field(
                "boolean",
                (
                    "Whether pods running as this service account should have an API token "
                    "automatically mounted."
                ),
            ),
        },
        {},
    ),
    printer=Printer(tuple(printing._SERVICEACCOUNT_COLUMNS), printing._serviceaccount_row),
    strategy=ServiceAccountStrategy(),
)
