"""ServiceAccount (core/v1): the identity that processes in a pod run as.

The ServiceAccount controller gives every namespace a `default` one; a pod names its own
in `spec.serviceAccountName`. Its fields are plain references and a flag, so validation
only checks their types. `secrets` merges by `name` under a strategic merge patch;
`imagePullSecrets` is replaced whole. `kubectl get` counts the `secrets`.
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.kind import Cells, Errs, Obj, Printer, ResourceInfo, Strategy
from minik8s.api.printing import AGE, NAME, age, as_list, column, name_of
from minik8s.api.schema import CORE, Array, Field, KindSchema, Ref, keyed
from minik8s.api.validation import bool_field, items_of, str_field


class ServiceAccountStrategy(Strategy):
    def validate(self, obj: Obj, errs: Errs) -> None:
        for key in ("secrets", "imagePullSecrets"):
            for path, ref in items_of(obj, key, "", errs):
                str_field(ref, "name", path, errs)
        bool_field(obj, "automountServiceAccountToken", "", errs)


# --------------------------------------------------------------------------- table


def _row(obj: Obj, now: datetime) -> Cells:
    return [name_of(obj), len(as_list(obj.get("secrets"))), age(obj, now)]


_COLUMNS = (
    NAME,
    column("Secrets", "Number of secrets pods of this service account may use.", type_="integer"),
    AGE,
)


# --------------------------------------------------------------------------- declaration

SERVICE_ACCOUNT = ResourceInfo(
    "",
    "v1",
    "ServiceAccount",
    "serviceaccounts",
    "serviceaccount",
    True,
    ("sa",),
    schema=KindSchema(
        "ServiceAccount is an identity for processes that run in pods: it names a principal "
        "the API server can authenticate and authorize, and the secrets its pods may use.",
        {
            "secrets": Field(
                keyed(CORE + "ObjectReference", "name"),
                "Secrets of the same namespace that pods running as this account may use. "
                "Enforced only when the account carries the annotation "
                "kubernetes.io/enforce-mountable-secrets=true; not the place to look for "
                "API tokens, which are requested through the TokenRequest API.",
                proto=2,
            ),
            "imagePullSecrets": Field(
                Array(Ref(CORE + "LocalObjectReference"), list_type="atomic"),
                "Secrets of the same namespace holding registry credentials, for pulling the "
                "images of pods that run as this account. Only used to pull images, never "
                "mounted into containers.",
                proto=3,
            ),
            "automountServiceAccountToken": Field(
                "boolean",
                "Whether pods of this account get an API token mounted automatically. A "
                "pod's own automountServiceAccountToken overrides it.",
                proto=4,
                keep_zero=True,
            ),
        },
    ),
    printer=Printer(_COLUMNS, _row),
    strategy=ServiceAccountStrategy(),
)
