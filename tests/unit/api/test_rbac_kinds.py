"""Role, ClusterRole, RoleBinding and ClusterRoleBinding: registry entries, defaults,
validation (with Kubernetes' field paths and texts) and kubectl's table columns."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from apiserver.tables import column_definitions, table_row
from minik8s.api.defaults import apply_defaults
from minik8s.api.resources import ResourceInfo, resolve
from minik8s.api.validation import validate
from tests.manifests import MANIFESTS

Obj = dict[str, Any]
GROUP = "rbac.authorization.k8s.io"
NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def info(name: str) -> ResourceInfo:
    found = resolve(name)
    assert found is not None, name
    return found


ROLE, CLUSTER_ROLE = info("roles"), info("clusterroles")
ROLE_BINDING, CLUSTER_ROLE_BINDING = info("rolebindings"), info("clusterrolebindings")


def sample(resource: ResourceInfo, **top: Any) -> Obj:
    obj = copy.deepcopy(MANIFESTS[resource.plural])
    if resource.namespaced:
        obj["metadata"]["namespace"] = "default"
    for key, value in top.items():
        if value is None:
            obj.pop(key, None)
        else:
            obj[key] = value
    return obj


def errors_of(resource: ResourceInfo, obj: Obj, old: Obj | None = None) -> list[str]:
    apply_defaults(resource, obj)
    return [c.describe() for c in validate(resource, obj, old)]


# --------------------------------------------------------------------------- declarations


@pytest.mark.parametrize(
    "name,kind,namespaced",
    [
        ("role", "Role", True),
        ("rolebinding", "RoleBinding", True),
        ("clusterrole", "ClusterRole", False),
        ("clusterrolebinding", "ClusterRoleBinding", False),
    ],
)
def test_registry_entries(name: str, kind: str, namespaced: bool) -> None:
    resource = info(name)
    assert (resource.group, resource.version, resource.kind) == (GROUP, "v1", kind)
    assert resource.plural == name + "s" and resource.namespaced is namespaced
    # Kubernetes gives them no short names, categories or subresources
    assert (resource.short_names, resource.categories, resource.subresources) == ((), (), ())


def test_the_samples_are_valid() -> None:
    for resource in (ROLE, CLUSTER_ROLE, ROLE_BINDING, CLUSTER_ROLE_BINDING):
        assert errors_of(resource, sample(resource)) == [], resource.kind


# --------------------------------------------------------------------------- roles


def test_a_rule_needs_verbs_and_resources() -> None:
    role = sample(ROLE, rules=[{}, {"verbs": ["get"], "apiGroups": [""]}])
    assert errors_of(ROLE, role) == [
        "rules[0].verbs: Required value: verbs must contain at least one value",
        "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
        "rules[0].resources: Required value: resource rules must supply at least one resource",
        "rules[1].resources: Required value: resource rules must supply at least one resource",
    ]


def test_a_role_without_rules_is_valid() -> None:
    assert errors_of(ROLE, sample(ROLE, rules=None)) == []
    assert errors_of(ROLE, sample(ROLE, rules=[])) == []
    # Go's JSON of a role without rules says `"rules": null`: stored as no rules, as the
    # protobuf body of the same role leaves them out
    for resource in (ROLE, CLUSTER_ROLE):
        obj = sample(resource)
        obj["rules"] = None
        apply_defaults(resource, obj)
        assert "rules" not in obj


def test_non_resource_urls_only_in_a_cluster_role() -> None:
    rule = {"nonResourceURLs": ["/healthz"], "verbs": ["get"]}
    assert errors_of(ROLE, sample(ROLE, rules=[rule])) == [
        'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: '
        "namespaced rules cannot apply to non-resource URLs"
    ]
    assert errors_of(CLUSTER_ROLE, sample(CLUSTER_ROLE, rules=[rule])) == []


def test_a_rule_is_for_resources_or_non_resource_urls_not_both() -> None:
    rule = {"nonResourceURLs": ["/logs/*", "/x"], "resources": ["pods"], "verbs": ["get"]}
    assert errors_of(CLUSTER_ROLE, sample(CLUSTER_ROLE, rules=[rule])) == [
        'rules[0].nonResourceURLs: Invalid value: []string{"/logs/*", "/x"}: '
        "rules cannot apply to both regular resources and non-resource URLs"
    ]


def test_rule_lists_must_be_lists_of_strings() -> None:
    role = sample(ROLE, rules=[{"verbs": "get", "apiGroups": [""], "resources": ["pods", 3]}])
    assert errors_of(ROLE, role) == [
        'rules[0].verbs: Invalid value: "get": must be a list',
        "rules[0].resources[1]: Invalid value: 3: must be a string",
        "rules[0].verbs: Required value: verbs must contain at least one value",
    ]
    assert errors_of(ROLE, sample(ROLE, rules={"verbs": ["get"]})) == [
        'rules: Invalid value: {"verbs": ["get"]}: must be a list'
    ]


def test_aggregation_rule_needs_valid_selectors() -> None:
    empty = sample(CLUSTER_ROLE, aggregationRule={})
    assert errors_of(CLUSTER_ROLE, empty) == [
        "aggregationRule.clusterRoleSelectors: Required value: at least one "
        "clusterRoleSelector required if aggregationRule is non-nil"
    ]
    bad = {"clusterRoleSelectors": [{"matchExpressions": [{"key": "a", "operator": "In"}]}]}
    assert errors_of(CLUSTER_ROLE, sample(CLUSTER_ROLE, aggregationRule=bad)) == [
        "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].values: Required value: "
        "must be specified when `operator` is 'In' or 'NotIn'"
    ]
    # an aggregated ClusterRole may come without rules: the aggregator owns them
    assert errors_of(CLUSTER_ROLE, sample(CLUSTER_ROLE, rules=None)) == []


@pytest.mark.parametrize("resource", [ROLE, CLUSTER_ROLE, ROLE_BINDING, CLUSTER_ROLE_BINDING])
def test_names_are_path_segments(resource: ResourceInfo) -> None:
    fine = sample(resource)
    fine["metadata"]["name"] = "system:controller:Node_Reader"
    assert errors_of(resource, fine) == []
    for name, message in [("..", "may not be '..'"), ("a/b%c", "may not contain '/'")]:
        bad = sample(resource)
        bad["metadata"]["name"] = name
        assert f'metadata.name: Invalid value: "{name}": {message}' in errors_of(resource, bad)


def test_a_role_needs_a_namespace_and_a_cluster_role_has_none() -> None:
    role = sample(CLUSTER_ROLE)
    role["metadata"]["namespace"] = "default"
    assert errors_of(CLUSTER_ROLE, role) == [
        "metadata.namespace: Forbidden: not allowed on this type"
    ]


# --------------------------------------------------------------------------- bindings


def test_binding_defaults_the_api_groups() -> None:
    binding = sample(ROLE_BINDING)
    apply_defaults(ROLE_BINDING, binding)
    assert binding["roleRef"] == {"kind": "Role", "name": "pod-reader", "apiGroup": GROUP}
    assert binding["subjects"] == [
        {"kind": "User", "name": "alice", "apiGroup": GROUP},
        {"kind": "ServiceAccount", "name": "default"},
    ]
    again = copy.deepcopy(binding)
    apply_defaults(ROLE_BINDING, again)
    assert again == binding


def test_binding_without_role_ref() -> None:
    assert errors_of(ROLE_BINDING, sample(ROLE_BINDING, roleRef=None)) == [
        'roleRef.kind: Unsupported value: "": supported values: "Role", "ClusterRole"',
        "roleRef.name: Required value",
    ]


def test_role_ref_kind_and_group() -> None:
    ref = {"apiGroup": "example.com", "kind": "Role", "name": "a/b"}
    assert errors_of(CLUSTER_ROLE_BINDING, sample(CLUSTER_ROLE_BINDING, roleRef=ref)) == [
        'roleRef.apiGroup: Unsupported value: "example.com": supported values: '
        '"rbac.authorization.k8s.io"',
        'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
        "roleRef.name: Invalid value: \"a/b\": may not contain '/'",
    ]


def test_subjects_by_kind() -> None:
    subjects = [
        {"kind": "ServiceAccount", "name": "Bad_Name", "apiGroup": GROUP},
        {"kind": "User", "name": "bob", "apiGroup": "example.com"},
        {"kind": "Group", "name": ""},
        {"kind": "Robot", "name": "r2"},
        {"kind": "ServiceAccount", "name": "builder"},
    ]
    found = errors_of(CLUSTER_ROLE_BINDING, sample(CLUSTER_ROLE_BINDING, subjects=subjects))
    assert found[0].startswith('subjects[0].name: Invalid value: "Bad_Name": a lowercase RFC')
    assert found[1:] == [
        'subjects[0].apiGroup: Unsupported value: "rbac.authorization.k8s.io": '
        'supported values: ""',
        "subjects[0].namespace: Required value",
        'subjects[1].apiGroup: Unsupported value: "example.com": supported values: '
        '"rbac.authorization.k8s.io"',
        "subjects[2].name: Required value",
        'subjects[3].kind: Unsupported value: "Robot": supported values: '
        '"ServiceAccount", "User", "Group"',
        "subjects[4].namespace: Required value",
    ]
    # in a RoleBinding a service account may leave out its namespace (the binding's)
    assert errors_of(ROLE_BINDING, sample(ROLE_BINDING, subjects=subjects[4:])) == []


def test_role_ref_is_immutable() -> None:
    old = sample(ROLE_BINDING)
    apply_defaults(ROLE_BINDING, old)
    same = copy.deepcopy(old)
    same["subjects"] = [{"kind": "Group", "name": "devs"}]
    assert errors_of(ROLE_BINDING, same, old) == []
    changed = copy.deepcopy(old)
    changed["roleRef"]["name"] = "other"
    assert errors_of(ROLE_BINDING, changed, old) == [
        'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", '
        'Kind:"Role", Name:"other"}: cannot change roleRef'
    ]


# --------------------------------------------------------------------------- tables


def _names(resource: ResourceInfo) -> list[tuple[str, int]]:
    return [(c["name"], c["priority"]) for c in column_definitions(resource)]


def test_roles_print_name_and_created_at() -> None:
    for resource in (ROLE, CLUSTER_ROLE):
        assert _names(resource) == [("Name", 0), ("Created At", 0)]
        obj = sample(resource)
        obj["metadata"]["creationTimestamp"] = "2024-05-01T11:00:00Z"
        assert table_row(resource, obj, NOW) == ["x", "2024-05-01T11:00:00Z"]


def test_bindings_print_role_age_and_subjects_wide() -> None:
    for resource in (ROLE_BINDING, CLUSTER_ROLE_BINDING):
        assert _names(resource) == [
            ("Name", 0),
            ("Role", 0),
            ("Age", 0),
            ("Users", 1),
            ("Groups", 1),
            ("ServiceAccounts", 1),
        ]
    obj = sample(CLUSTER_ROLE_BINDING)
    obj["subjects"] += [{"kind": "User", "name": "alice"}, {"kind": "User", "name": "bob"}]
    obj["metadata"]["creationTimestamp"] = "2024-05-01T11:00:00Z"
    assert table_row(CLUSTER_ROLE_BINDING, obj, NOW) == [
        "x",
        "ClusterRole/view",
        "60m",
        "alice, bob",
        "system:authenticated",
        "ci/builder",
    ]
    assert table_row(ROLE_BINDING, {"subjects": "odd", "roleRef": 3}, NOW)[1:2] == ["/"]


def test_quoted_values_are_cut() -> None:
    urls = [f"/path/{i}" for i in range(100_000)]
    (message,) = errors_of(ROLE, sample(ROLE, rules=[{"nonResourceURLs": urls, "verbs": ["*"]}]))
    assert message.startswith('rules[0].nonResourceURLs: Invalid value: []string{"/path/0", ')
    assert message.endswith("...(truncated): namespaced rules cannot apply to non-resource URLs")
    assert len(message) < 400
    old = sample(CLUSTER_ROLE_BINDING)
    apply_defaults(CLUSTER_ROLE_BINDING, old)
    changed = copy.deepcopy(old)
    changed["roleRef"]["name"] = "x" * 100_000
    (message,) = errors_of(CLUSTER_ROLE_BINDING, changed, old)
    assert message.endswith("...(truncated): cannot change roleRef") and len(message) < 400
