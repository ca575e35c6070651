"""Role (rbac.authorization.k8s.io/v1): a namespace's set of permissions, given to users,
groups and service accounts by RoleBindings of that namespace.

Its rules may name API resources only (non-resource URLs belong to ClusterRoles), and
every rule needs at least one verb (`kinds/rbac.py`). Names are path segments
(`system:` prefixes and colons are fine). Stored and served, not yet enforced (issue #17).
`kubectl get role` shows NAME and CREATED AT, as kube-apiserver's default table does.
"""

from __future__ import annotations

from minik8s.api.kind import Errs, Obj, ResourceInfo, Strategy
from minik8s.api.names import path_segment_errors
from minik8s.api.printing import DEFAULT_PRINTER
from minik8s.api.schema import KindSchema

from .rbac import GROUP, POLICY_RULE, RBAC, default_role, rules_field, validate_rules


def _validate(obj: Obj, errs: Errs) -> None:
    validate_rules(obj, errs, namespaced=True)


ROLE = ResourceInfo(
    GROUP,
    "v1",
    "Role",
    "roles",
    "role",
    True,
    schema=KindSchema(
        "A Role is a namespaced set of permissions (PolicyRules) that RoleBindings of its "
        "namespace give to users, groups and service accounts.",
        {"rules": rules_field("Role")},
        {RBAC + "PolicyRule": POLICY_RULE},
    ),
    printer=DEFAULT_PRINTER,
    strategy=Strategy(default=default_role, validate=_validate, name_errors=path_segment_errors),
)
