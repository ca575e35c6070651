"""ClusterRoleBinding (rbac.authorization.k8s.io/v1): gives a ClusterRole to subjects in
every namespace and for the cluster-scoped resources and non-resource URLs.

Its `roleRef` may only name a ClusterRole and never changes (an update that changes it is
422); a service account subject must say its namespace, since the binding has none. Names
are path segments. Stored and served, not yet enforced (issue #17).
"""

from __future__ import annotations

from minik8s.api.kind import Errs, Obj, ResourceInfo, Strategy
from minik8s.api.names import path_segment_errors
from minik8s.api.schema import KindSchema

from .rbac import (
    GROUP,
    binding_fields,
    binding_printer,
    default_binding,
    validate_binding,
    validate_binding_update,
)


def _validate(obj: Obj, errs: Errs) -> None:
    validate_binding(obj, errs, namespaced=False)


CLUSTER_ROLE_BINDING = ResourceInfo(
    GROUP,
    "v1",
    "ClusterRoleBinding",
    "clusterrolebindings",
    "clusterrolebinding",
    False,
    schema=KindSchema(
        "A ClusterRoleBinding gives the permissions of a ClusterRole to users, groups and "
        "service accounts across the whole cluster.",
        binding_fields("a ClusterRole"),
    ),
    printer=binding_printer("clusterRoleBinding"),
    strategy=Strategy(
        default=default_binding,
        validate=_validate,
        validate_update=validate_binding_update,
        name_errors=path_segment_errors,
    ),
)
