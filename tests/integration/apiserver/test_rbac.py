"""The RBAC kinds with the real kubectl 1.32: its typed `create role|rolebinding|clusterrole|
clusterrolebinding` (protobuf bodies), `get` (kubectl's columns), `describe` (kubectl's own
describers, reading what the server stored), `apply -f` of a manifest, and a binding's
roleRef that no update may change. Stored and served only: nothing enforces them yet."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.conftest import APIServerProcess

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
RBAC = "/apis/rbac.authorization.k8s.io/v1"
GROUP = "rbac.authorization.k8s.io"
PROTOBUF = "Content-Type: application/vnd.kubernetes.protobuf"

MANIFEST = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: settings-editor}
rules:
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [settings]
  verbs: [get, update, patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: edit-settings}
subjects:
- {kind: ServiceAccount, name: builder}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: settings-editor}
"""


@pytest.fixture
def kubectl(apiserver: APIServerProcess, ns: str, tmp_path: Path) -> Kubectl:
    binary = shutil.which("kubectl")
    assert binary is not None, "kubectl is not on the PATH"

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [binary, "--server", apiserver.url, "--cache-dir", str(tmp_path / "c"), "-n", ns]
        result = subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed: {result.stderr}")
        return result

    return run


def _table(text: str) -> list[list[str]]:
    """kubectl's table, split into cells at the column starts of its header."""
    lines = text.splitlines()
    header = lines[0]
    # a column starts after two spaces at least ("CREATED AT" is one column)
    starts = [i for i, c in enumerate(header) if c != " " and (i == 0 or header[i - 2 : i] == "  ")]
    ends = [*starts[1:], None]
    return [[line[a:b].strip() for a, b in zip(starts, ends, strict=True)] for line in lines]


def test_typed_creates_get_and_describe(kubectl: Kubectl, api: httpx.Client, ns: str) -> None:
    made = kubectl("create", "-v=8", "role", "pod-reader", "--verb=get,list", "--resource=pods")
    assert made.stdout == "role.rbac.authorization.k8s.io/pod-reader created\n"
    assert PROTOBUF in made.stderr  # kubectl 1.32's typed client sends nothing else
    made = kubectl(
        "create",
        "-v=8",
        "rolebinding",
        "read-pods",
        "--role=pod-reader",
        "--user=alice",
        "--group=devs",
        f"--serviceaccount={ns}:builder",
    )
    assert made.stdout == "rolebinding.rbac.authorization.k8s.io/read-pods created\n"
    assert PROTOBUF in made.stderr
    viewer, binding = f"{ns}-node-viewer", f"{ns}-view-nodes"
    out = kubectl("create", "clusterrole", viewer, "--verb=get,list,watch", "--resource=nodes")
    assert out.stdout == f"clusterrole.rbac.authorization.k8s.io/{viewer} created\n"
    out = kubectl("create", "clusterrolebinding", binding, f"--clusterrole={viewer}", "--group=ops")
    assert out.stdout == f"clusterrolebinding.rbac.authorization.k8s.io/{binding} created\n"

    # what the server stored, with Kubernetes' defaults
    role = api.get(f"{RBAC}/namespaces/{ns}/roles/pod-reader").json()
    assert role["rules"] == [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}]
    stored = api.get(f"{RBAC}/namespaces/{ns}/rolebindings/read-pods").json()
    assert list(stored) == ["kind", "apiVersion", "metadata", "subjects", "roleRef"]
    assert stored["roleRef"] == {"apiGroup": GROUP, "kind": "Role", "name": "pod-reader"}
    assert stored["subjects"] == [
        {"kind": "User", "apiGroup": GROUP, "name": "alice"},
        {"kind": "Group", "apiGroup": GROUP, "name": "devs"},
        {"kind": "ServiceAccount", "name": "builder", "namespace": ns},
    ]

    # kubectl get: NAME and CREATED AT for roles; ROLE and AGE, and subjects when wide
    roles = _table(kubectl("get", "roles").stdout)
    assert roles[0] == ["NAME", "CREATED AT"]
    assert roles[1][0] == "pod-reader"
    assert roles[1][1] == role["metadata"]["creationTimestamp"]
    assert _table(kubectl("get", "rolebindings").stdout)[0] == ["NAME", "ROLE", "AGE"]
    wide = _table(kubectl("get", "rolebindings", "-o", "wide").stdout)
    assert wide[0] == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    row = wide[1]
    assert row[:2] == ["read-pods", "Role/pod-reader"] and row[3:] == [
        "alice",
        "devs",
        f"{ns}/builder",
    ]
    listed = _table(kubectl("get", "clusterrolebinding", binding, "-o", "wide").stdout)
    assert [listed[1][i] for i in (0, 1, 3, 4, 5)] == [
        binding,
        f"ClusterRole/{viewer}",
        "",
        "ops",
        "",
    ]
    assert _table(kubectl("get", "clusterrole", viewer).stdout)[0] == ["NAME", "CREATED AT"]

    # kubectl describe: its own describers, from the stored objects
    described = kubectl("describe", "role", "pod-reader").stdout.splitlines()
    assert described[0].split() == ["Name:", "pod-reader"]
    assert described[3:] == [
        "PolicyRule:",
        "  Resources  Non-Resource URLs  Resource Names  Verbs",
        "  ---------  -----------------  --------------  -----",
        "  pods       []                 []              [get list]",
    ]
    described = kubectl("describe", "rolebinding", "read-pods").stdout.splitlines()
    assert [line.split() for line in described[3:]] == [
        ["Role:"],
        ["Kind:", "Role"],
        ["Name:", "pod-reader"],
        ["Subjects:"],
        ["Kind", "Name", "Namespace"],
        ["----", "----", "---------"],
        ["User", "alice"],
        ["Group", "devs"],
        ["ServiceAccount", "builder", ns],
    ]
    described = kubectl("describe", "clusterrolebinding", binding).stdout
    assert "  Kind:  ClusterRole\n" in described and f"  Name:  {viewer}\n" in described
    described = kubectl("describe", "clusterrole", viewer).stdout
    assert "  nodes      []                 []              [get list watch]" in described

    for path in (f"clusterroles/{viewer}", f"clusterrolebindings/{binding}"):
        assert api.delete(f"{RBAC}/{path}").status_code == 200


def test_apply_a_manifest_and_a_role_ref_never_changes(
    kubectl: Kubectl, api: httpx.Client, ns: str, tmp_path: Path
) -> None:
    path = tmp_path / "rbac.yaml"
    path.write_text(MANIFEST)
    assert kubectl("apply", "-f", str(path)).stdout.splitlines() == [
        "role.rbac.authorization.k8s.io/settings-editor created",
        "rolebinding.rbac.authorization.k8s.io/edit-settings created",
    ]
    assert kubectl("apply", "-f", str(path)).stdout.splitlines() == [
        "role.rbac.authorization.k8s.io/settings-editor unchanged",
        "rolebinding.rbac.authorization.k8s.io/edit-settings unchanged",
    ]
    # subjects may change
    path.write_text(MANIFEST.replace("name: builder}", "name: builder}\n- {kind: User, name: bob}"))
    assert "rolebinding.rbac.authorization.k8s.io/edit-settings configured" in (
        kubectl("apply", "-f", str(path)).stdout
    )
    rows = _table(kubectl("get", "rolebinding", "edit-settings", "-o", "wide").stdout)
    assert rows[1][3:] == ["bob", "", "/builder"]  # a service account without a namespace

    # the role a binding gives may not: apply, server-side apply (forced past the client-side
    # apply's ownership of roleRef) and PUT are all refused
    refused = (
        'The RoleBinding "edit-settings" is invalid: roleRef: Invalid value: rbac.RoleRef'
        '{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"pod-reader"}: '
        "cannot change roleRef"
    )
    path.write_text(
        MANIFEST.replace("kind: Role, name: settings-editor", "kind: Role, name: pod-reader")
    )
    for args in (["apply"], ["apply", "--server-side", "--force-conflicts"]):
        out = kubectl(*args, "-f", str(path), check=False)
        assert out.returncode == 1 and refused in out.stderr, out.stderr
    url = f"{RBAC}/namespaces/{ns}/rolebindings/edit-settings"
    current = api.get(url).json()
    current["roleRef"]["kind"] = "ClusterRole"
    r = api.put(url, json=current)
    assert r.status_code == 422, r.text
    assert r.json()["reason"] == "Invalid"
    assert r.json()["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "message": 'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", '
            'Kind:"ClusterRole", Name:"settings-editor"}: cannot change roleRef',
            "field": "roleRef",
        }
    ]
    assert api.get(url).json()["roleRef"]["name"] == "settings-editor"


def test_invalid_rules_and_subjects_with_kubectl(
    kubectl: Kubectl, api: httpx.Client, ns: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: bad}\n"
        "rules: [{nonResourceURLs: [/healthz], verbs: [get]}, {resources: [pods]}]\n"
    )
    out = kubectl("apply", "-f", str(path), check=False)
    assert out.returncode == 1
    assert out.stderr.startswith('The Role "bad" is invalid: \n* ')
    for cause in (
        'rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules '
        "cannot apply to non-resource URLs",
        "rules[1].verbs: Required value: verbs must contain at least one value",
        "rules[1].apiGroups: Required value: resource rules must supply at least one api group",
    ):
        assert cause in out.stderr
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": f"{ns}-bad"},
        "subjects": [{"kind": "ServiceAccount", "name": "default"}, {"kind": "Robot", "name": "x"}],
        "roleRef": {"kind": "Role", "name": "view"},
    }
    r = api.post(f"{RBAC}/clusterrolebindings", json=binding)
    assert r.status_code == 422, r.text
    assert [(c["field"], c["reason"]) for c in r.json()["details"]["causes"]] == [
        ("roleRef.kind", "FieldValueNotSupported"),
        ("subjects[0].namespace", "FieldValueRequired"),
        ("subjects[1].kind", "FieldValueNotSupported"),
    ]
