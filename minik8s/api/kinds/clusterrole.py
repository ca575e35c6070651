"""ClusterRole (rbac.authorization.k8s.io/v1): a cluster-wide set of permissions.

Like a Role, but cluster-scoped: a ClusterRoleBinding gives it in every namespace, a
RoleBinding in its own, and its rules may also name non-resource URLs (`/healthz`,
`/metrics`). An `aggregationRule` selects other ClusterRoles by label whose rules make up
this one's; Kubernetes' aggregation controller writes them into `rules`, which nothing here
does yet, so an aggregated ClusterRole keeps the rules it was given. Stored and served, not
yet enforced (issue #17).
"""

from __future__ import annotations

from minik8s.api.kind import Errs, Obj, ResourceInfo, Strategy
from minik8s.api.names import path_segment_errors
from minik8s.api.printing import DEFAULT_PRINTER
from minik8s.api.schema import Field, KindSchema, Ref

from .rbac import (
    AGGREGATION_RULE,
    GROUP,
    RBAC,
    default_role,
    rules_field,
    validate_aggregation_rule,
    validate_rules,
)


def _validate(obj: Obj, errs: Errs) -> None:
    validate_rules(obj, errs, namespaced=False)
    validate_aggregation_rule(obj, errs)


CLUSTER_ROLE = ResourceInfo(
    GROUP,
    "v1",
    "ClusterRole",
    "clusterroles",
    "clusterrole",
    False,
    schema=KindSchema(
        "A ClusterRole is a cluster-wide set of permissions (PolicyRules) that bindings give "
        "to users, groups and service accounts: everywhere through a ClusterRoleBinding, in "
        "one namespace through a RoleBinding.",
        {
            "rules": rules_field("ClusterRole"),
            "aggregationRule": Field(
                Ref(RBAC + "AggregationRule"),
                "Which ClusterRoles' rules make up this one's. When set, rules are owned by "
                "the aggregation controller and direct changes to them are overwritten.",
                proto=3,
            ),
        },
        {RBAC + "AggregationRule": AGGREGATION_RULE},
    ),
    printer=DEFAULT_PRINTER,
    strategy=Strategy(default=default_role, validate=_validate, name_errors=path_segment_errors),
)
