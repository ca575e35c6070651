"""What the four RBAC kinds (rbac.authorization.k8s.io/v1) share: policy rules, subjects,
the role a binding refers to, their rules and the bindings' table.

A Role (namespaced) or ClusterRole lists PolicyRules: verbs allowed on resources of API
groups (optionally only some names), or, in a ClusterRole only, on non-resource URLs such
as `/healthz`. A RoleBinding (namespaced) or ClusterRoleBinding gives one role (`roleRef`,
which never changes after creation) to subjects: users, groups and service accounts.

The API server stores and serves them as data, with Kubernetes' defaults and validation;
no request is authorized by them yet (the authorizer is issue #17), and no controller
aggregates a ClusterRole's `aggregationRule` into its rules.

Field order and protobuf numbers are those of k8s.io/api/rbac/v1. Every rule here is pure.
"""

from __future__ import annotations

from datetime import datetime

from minik8s.api.defaults import child, dicts_at
from minik8s.api.errors import MAX_VALUE_TEXT, Cause, not_supported, required
from minik8s.api.kind import Cells, Column, Errs, Obj, Printer
from minik8s.api.names import dns1123_subdomain_errors, path_segment_errors
from minik8s.api.printing import AGE, NAME, age, as_dict, column, dicts, name_of, text
from minik8s.api.schema import LABEL_SELECTOR, Field, Ref, Struct, atomic
from minik8s.api.validation import (
    as_object,
    check,
    elements,
    items_of,
    str_field,
    string_list,
    validate_label_selector,
)

GROUP = "rbac.authorization.k8s.io"
# Definition name prefix of the group's Go package.
RBAC = "io.k8s.api.rbac.v1."
USER = "User"
GROUP_KIND = "Group"
SERVICE_ACCOUNT = "ServiceAccount"
_SUBJECT_KINDS = [SERVICE_ACCOUNT, USER, GROUP_KIND]
_ROLE_REF_KEYS = ("apiGroup", "kind", "name")

# --------------------------------------------------------------------------- schema

_STRINGS = atomic("string")

POLICY_RULE = Struct(
    {
        "verbs": Field(
            _STRINGS,
            "Verbs the rule allows on every resource it names (get, list, watch, create, "
            "update, patch, delete, deletecollection, ...); `*` is every verb. Required.",
            proto=1,
        ),
        "apiGroups": Field(
            _STRINGS,
            'API groups of the resources: "" is the core group, `*` every group. A request '
            "on a named resource of any listed group matches.",
            proto=2,
        ),
        "resources": Field(
            _STRINGS,
            "Resources the rule applies to (`pods`, `pods/log` for a subresource); `*` is "
            "every resource.",
            proto=3,
        ),
        "resourceNames": Field(
            _STRINGS,
            "Names of the objects the rule is limited to; empty allows every name.",
            proto=4,
        ),
        "nonResourceURLs": Field(
            _STRINGS,
            "Partial URLs that are not API resources (`/healthz`, `/metrics`); a `*` may only "
            "end one. Only in a ClusterRole bound by a ClusterRoleBinding, and never together "
            "with apiGroups, resources or resourceNames.",
            proto=5,
        ),
    },
    "One permission of a role: which verbs on which resources or non-resource URLs. It "
    "says nothing of who holds it or in which namespace.",
)

AGGREGATION_RULE = Struct(
    {
        "clusterRoleSelectors": Field(
            atomic(LABEL_SELECTOR.target),
            "Label selectors of the ClusterRoles whose rules make up this one's; a "
            "ClusterRole any of them selects contributes its rules.",
            proto=1,
        ),
    },
    "How a ClusterRole's rules are gathered from other ClusterRoles.",
)

SUBJECT = Struct(
    {
        "kind": Field(
            "string",
            "What the subject is: User, Group or ServiceAccount. Required.",
            proto=1,
            keep_zero=True,
        ),
        "apiGroup": Field(
            "string",
            'API group of the subject\'s kind: "" for ServiceAccount, '
            "rbac.authorization.k8s.io (the default) for User and Group.",
            proto=2,
        ),
        "name": Field(
            "string",
            "Name of the user, group or service account. Required.",
            proto=3,
            keep_zero=True,
        ),
        "namespace": Field(
            "string",
            "Namespace of a ServiceAccount (required in a ClusterRoleBinding); users and "
            "groups have none.",
            proto=4,
        ),
    },
    "Who a binding gives its role to: a user, a group or a service account.",
    map_type="atomic",
)

ROLE_REF = Struct(
    {
        "apiGroup": Field(
            "string",
            "API group of the role: rbac.authorization.k8s.io (the default).",
            proto=1,
            keep_zero=True,
        ),
        "kind": Field("string", "Kind of the role: Role or ClusterRole.", proto=2, keep_zero=True),
        "name": Field("string", "Name of the role.", proto=3, keep_zero=True),
    },
    "The role a binding gives.",
    map_type="atomic",
)


def rules_field(owner: str) -> Field:
    return Field(
        atomic(RBAC + "PolicyRule"),
        f"The permissions of this {owner}, each a PolicyRule.",
        proto=2,
    )


def binding_fields(role_ref: str) -> dict[str, Field]:
    """A binding's top-level fields; `role_ref` says which roles it may name."""
    return {
        "subjects": Field(
            atomic(RBAC + "Subject"),
            "The users, groups and service accounts the role is given to.",
            proto=2,
        ),
        "roleRef": Field(
            Ref(RBAC + "RoleRef"),
            f"The role given: {role_ref}. Required, and it cannot change: delete the binding "
            "and create another to give a different role.",
            proto=3,
        ),
    }


# --------------------------------------------------------------------------- roles


def default_role(obj: Obj) -> None:
    """`rules: null` is no rules. Go writes a role without rules so (the field has no
    omitempty: kubectl's JSON of an aggregated ClusterRole carries it), and reads it back
    as the empty list a protobuf body leaves out; stored alike, both read back alike."""
    if "rules" in obj and obj["rules"] is None:
        del obj["rules"]


def validate_rules(obj: Obj, errs: Errs, *, namespaced: bool) -> None:
    """Every rule of a Role (`namespaced`) or ClusterRole."""
    for path, rule in items_of(obj, "rules", "", errs):
        _validate_rule(rule, path, errs, namespaced)


def _validate_rule(rule: Obj, path: str, errs: Errs, namespaced: bool) -> None:
    lists = {key: string_list(rule, key, path, errs) for key in POLICY_RULE.fields}
    if not lists["verbs"]:
        errs.append(required(f"{path}.verbs", "verbs must contain at least one value"))
    urls = lists["nonResourceURLs"]
    if urls:
        where = f"{path}.nonResourceURLs"
        if namespaced:
            detail = "namespaced rules cannot apply to non-resource URLs"
            errs.append(_go_invalid(where, _go_strings(urls), detail))
        if lists["apiGroups"] or lists["resources"] or lists["resourceNames"]:
            detail = "rules cannot apply to both regular resources and non-resource URLs"
            errs.append(_go_invalid(where, _go_strings(urls), detail))
        return
    if not lists["apiGroups"]:
        errs.append(
            required(f"{path}.apiGroups", "resource rules must supply at least one api group")
        )
    if not lists["resources"]:
        errs.append(
            required(f"{path}.resources", "resource rules must supply at least one resource")
        )


def validate_aggregation_rule(obj: Obj, errs: Errs) -> None:
    if obj.get("aggregationRule") is None:
        return
    rule = as_object(obj["aggregationRule"], "aggregationRule", errs)
    path = "aggregationRule.clusterRoleSelectors"
    selectors = rule.get("clusterRoleSelectors")
    if selectors is None or selectors == []:
        detail = "at least one clusterRoleSelector required if aggregationRule is non-nil"
        errs.append(required(path, detail))
    for where, selector in elements(selectors, path, errs):
        validate_label_selector(selector, where, errs)


# --------------------------------------------------------------------------- bindings


def default_binding(obj: Obj) -> None:
    """Kubernetes' defaults: the roleRef's and the users' and groups' API group."""
    ref = child(obj, "roleRef")
    if ref is not None and not ref.get("apiGroup"):
        ref["apiGroup"] = GROUP
    for subject in dicts_at(obj, "subjects"):
        if not subject.get("apiGroup") and subject.get("kind") in (USER, GROUP_KIND):
            subject["apiGroup"] = GROUP


def validate_binding(obj: Obj, errs: Errs, *, namespaced: bool) -> None:
    """A RoleBinding (`namespaced`: it may name a Role) or ClusterRoleBinding."""
    ref = as_object(obj.get("roleRef"), "roleRef", errs)
    group = _string(ref, "apiGroup", "roleRef", errs)
    if group is not None and group != GROUP:
        errs.append(not_supported("roleRef.apiGroup", group, [GROUP]))
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    kind = _string(ref, "kind", "roleRef", errs)
    if kind is not None and kind not in kinds:
        errs.append(not_supported("roleRef.kind", kind, kinds))
    name = _string(ref, "name", "roleRef", errs)
    if name == "":
        errs.append(required("roleRef.name"))
    elif name is not None:
        check(errs, "roleRef.name", name, path_segment_errors(name))
    for path, subject in items_of(obj, "subjects", "", errs):
        _validate_subject(subject, path, errs, namespaced)


def _validate_subject(subject: Obj, path: str, errs: Errs, namespaced: bool) -> None:
    kind = _string(subject, "kind", path, errs)
    group = _string(subject, "apiGroup", path, errs)
    name = _string(subject, "name", path, errs)
    namespace = _string(subject, "namespace", path, errs)
    if name == "":
        errs.append(required(f"{path}.name"))
    if kind == SERVICE_ACCOUNT:
        if name:
            check(errs, f"{path}.name", name, dns1123_subdomain_errors(name))
        if group:
            errs.append(not_supported(f"{path}.apiGroup", group, [""]))
        if not namespaced and namespace == "":
            errs.append(required(f"{path}.namespace"))
    elif kind in (USER, GROUP_KIND):
        if group is not None and group != GROUP:
            errs.append(not_supported(f"{path}.apiGroup", group, [GROUP]))
    elif kind is not None:
        errs.append(not_supported(f"{path}.kind", kind, _SUBJECT_KINDS))


def _string(obj: Obj, key: str, parent: str, errs: Errs) -> str | None:
    """A string field as Go reads it: "" when absent; None (reported) when not a string."""
    if obj.get(key) is None:
        return ""
    return str_field(obj, key, parent, errs)


def validate_binding_update(new: Obj, old: Obj, errs: Errs) -> None:
    """`roleRef` is immutable: a binding keeps the role it was created with."""
    ref, old_ref = _role_ref(new), _role_ref(old)
    if ref != old_ref:
        errs.append(_go_invalid("roleRef", _go_role_ref(ref), "cannot change roleRef"))


def _role_ref(obj: Obj) -> tuple[str, ...]:
    ref = as_dict(obj.get("roleRef"))
    return tuple(text(ref.get(key)) for key in _ROLE_REF_KEYS)


# --------------------------------------------------------------------------- Go's texts
# Kubernetes prints a field error's non-scalar value with Go's %#v; kubectl shows it as is.
# Cut as `errors` cuts every quoted value: an error names a field, it does not echo a body.


def _go_invalid(path: str, shown: str, detail: str) -> Cause:
    if len(shown) > MAX_VALUE_TEXT:
        shown = shown[:MAX_VALUE_TEXT] + "...(truncated)"
    return Cause(path, f"Invalid value: {shown}: {detail}")


def _go_strings(values: list[str]) -> str:
    shown, size = [], 0
    for value in values:  # only as many as can be shown: the list may be huge
        shown.append(_go_quote(value))
        size += len(shown[-1]) + 2
        if size > MAX_VALUE_TEXT:
            break
    return "[]string{" + ", ".join(shown) + "}"


def _go_role_ref(ref: tuple[str, ...]) -> str:
    group, kind, name = (_go_quote(v) for v in ref)
    return f"rbac.RoleRef{{APIGroup:{group}, Kind:{kind}, Name:{name}}}"


def _go_quote(value: str) -> str:
    value = value[: MAX_VALUE_TEXT + 1]
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --------------------------------------------------------------------------- table


def _subjects(obj: Obj) -> tuple[str, str, str]:
    """Users, groups and service accounts (`namespace/name`), as kubectl joins them."""
    found: dict[str, list[str]] = {USER: [], GROUP_KIND: [], SERVICE_ACCOUNT: []}
    for subject in dicts(obj.get("subjects")):
        kind, name = text(subject.get("kind")), text(subject.get("name"))
        if kind == SERVICE_ACCOUNT:
            found[kind].append(f"{text(subject.get('namespace'))}/{name}")
        elif kind in found:
            found[kind].append(name)
    return ", ".join(found[USER]), ", ".join(found[GROUP_KIND]), ", ".join(found[SERVICE_ACCOUNT])


def _binding_row(obj: Obj, now: datetime) -> Cells:
    ref = as_dict(obj.get("roleRef"))
    role = f"{text(ref.get('kind'))}/{text(ref.get('name'))}"
    return [name_of(obj), role, age(obj, now), *_subjects(obj)]


def binding_printer(what: str) -> Printer:
    """kubectl's columns of a RoleBinding or ClusterRoleBinding (`what`): NAME, ROLE, AGE;
    USERS, GROUPS and SERVICEACCOUNTS with `-o wide`."""
    columns: tuple[Column, ...] = (
        NAME,
        column("Role", f"The role the {what} gives, as Kind/name."),
        AGE,
        column("Users", f"Users in the {what}", priority=1),
        column("Groups", f"Groups in the {what}", priority=1),
        column("ServiceAccounts", f"ServiceAccounts in the {what}", priority=1),
    )
    return Printer(columns, _binding_row)
