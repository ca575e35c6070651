"""RoleBinding (rbac.authorization.k8s.io/v1): gives a Role, or a ClusterRole's
permissions, to subjects within the binding's namespace.

`roleRef` names a Role of the same namespace or a ClusterRole and can never change (an
update that changes it is 422); subjects are users, groups (API group
rbac.authorization.k8s.io, the default) and service accounts (API group "", in the
binding's namespace unless they name another). Names are path segments. Stored and served,
not yet enforced (issue #17).
"""

from __future__ import annotations

from minik8s.api.kind import Errs, Obj, ResourceInfo, Strategy
from minik8s.api.names import path_segment_errors
from minik8s.api.schema import KindSchema

from .rbac import (
    GROUP,
    RBAC,
    ROLE_REF,
    SUBJECT,
    binding_fields,
    binding_printer,
    default_binding,
    validate_binding,
    validate_binding_update,
)


def _validate(obj: Obj, errs: Errs) -> None:
    validate_binding(obj, errs, namespaced=True)


ROLE_BINDING = ResourceInfo(
    GROUP,
    "v1",
    "RoleBinding",
    "rolebindings",
    "rolebinding",
    True,
    schema=KindSchema(
        "A RoleBinding gives the permissions of a Role of its namespace, or of a "
        "ClusterRole, to users, groups and service accounts, within its namespace only.",
        binding_fields("a Role of this namespace or a ClusterRole"),
        {RBAC + "Subject": SUBJECT, RBAC + "RoleRef": ROLE_REF},
    ),
    printer=binding_printer("roleBinding"),
    strategy=Strategy(
        default=default_binding,
        validate=_validate,
        validate_update=validate_binding_update,
        name_errors=path_segment_errors,
    ),
)
