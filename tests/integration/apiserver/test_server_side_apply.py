"""Server-side apply, managedFields and fieldValidation against a real API server, with the
real kubectl (1.32, and 1.31/1.33 for apply's conflicts) and the official Python client."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import dynamic
from kubernetes.client.exceptions import ApiException

from tests.conftest import APIServerProcess

APPLY = {"Content-Type": "application/apply-patch+yaml"}
MERGE = {"Content-Type": "application/merge-patch+json"}
KUBECTL_DIR = Path("/usr/lib/google-cloud-sdk/bin")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: minik8s/httpd:latest
        ports:
        - containerPort: 8080
"""

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def kubectl_runner(binary: str, server: str, ns: str, cache: Path) -> Kubectl:
    def run(
        *args: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        cmd = [binary, "--server", server, "--cache-dir", str(cache), "-n", ns, *args]
        result = subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed: {result.stderr}")
        return result

    return run


@pytest.fixture
def kubectl(apiserver: APIServerProcess, ns: str, tmp_path: Path) -> Kubectl:
    binary = shutil.which("kubectl")
    if binary is None:
        pytest.fail("kubectl is not on the PATH")
    return kubectl_runner(binary, apiserver.url, ns, tmp_path / "cache")


def managers(obj: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (m["manager"], m["operation"], m.get("subresource", ""))
        for m in obj["metadata"].get("managedFields") or []
    ]


def entry(obj: dict[str, Any], manager: str) -> dict[str, Any]:
    return next(m for m in obj["metadata"]["managedFields"] if m["manager"] == manager)


def cm_config(name: str, **data: str) -> str:
    return json.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
    )


# --------------------------------------------------------------------------- HTTP


def test_apply_creates_updates_and_an_unchanged_apply_writes_nothing(
    api: httpx.Client, ns: str
) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps/app"
    r = api.patch(f"{path}?fieldManager=alice", content=cm_config("app", a="1"), headers=APPLY)
    assert r.status_code == 201, r.text
    created = r.json()
    assert managers(created) == [("alice", "Apply", "")]
    assert entry(created, "alice")["fieldsV1"] == {"f:data": {"f:a": {}}}
    assert entry(created, "alice")["fieldsType"] == "FieldsV1"
    assert entry(created, "alice")["apiVersion"] == "v1"

    yaml_body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: '2'\n"
    r = api.patch(f"{path}?fieldManager=alice", content=yaml_body, headers=APPLY)
    assert r.status_code == 200 and r.json()["data"] == {"a": "2"}
    rv = r.json()["metadata"]["resourceVersion"]
    again = api.patch(f"{path}?fieldManager=alice", content=yaml_body, headers=APPLY)
    assert again.status_code == 200
    assert again.json()["metadata"]["resourceVersion"] == rv


def test_apply_needs_a_field_manager_and_its_own_version(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps/app"
    r = api.patch(path, content=cm_config("app", a="1"), headers=APPLY)
    assert r.status_code == 422
    assert r.json()["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: '
        "fieldManager: Required value: is required for apply patch"
    )
    wrong = json.dumps({"apiVersion": "v2", "kind": "ConfigMap", "metadata": {"name": "app"}})
    r = api.patch(f"{path}?fieldManager=a", content=wrong, headers=APPLY)
    assert r.status_code == 400 and "expected: v1" in r.json()["message"]
    r = api.patch(
        f"{path}?fieldManager=a&force=true",
        json={"data": {"a": "1"}},
        headers=MERGE,
    )
    assert r.status_code == 422 and "force: Forbidden" in r.json()["message"]


def test_every_write_records_its_manager(api: httpx.Client, ns: str) -> None:
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    body = yaml.safe_load(DEPLOYMENT)
    r = api.post(base, json=body, headers={"User-Agent": "creator/1.0 (linux)"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert managers(created) == [("creator", "Update", "")]
    owned = entry(created, "creator")["fieldsV1"]
    # The creator owns what it sent and the defaults; never what the server sets.
    assert "f:replicas" in owned["f:spec"] and "f:progressDeadlineSeconds" in owned["f:spec"]
    assert "f:name" not in owned.get("f:metadata", {}) and "f:status" not in owned

    r = api.patch(
        f"{base}/web?fieldManager=labeler", json={"metadata": {"labels": {"x": "y"}}}, headers=MERGE
    )
    assert ("labeler", "Update", "") in managers(r.json())
    r = api.patch(
        f"{base}/web/scale?fieldManager=scaler", json={"spec": {"replicas": 4}}, headers=MERGE
    )
    assert r.status_code == 200
    live = api.get(f"{base}/web").json()
    assert entry(live, "scaler")["subresource"] == "scale"
    assert entry(live, "scaler")["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in entry(live, "creator")["fieldsV1"]["f:spec"]
    live["status"] = {"replicas": 4, "observedGeneration": 2}
    r = api.put(f"{base}/web/status?fieldManager=ctrl", json=live)
    assert r.status_code == 200
    status_entry = entry(r.json(), "ctrl")
    assert status_entry["subresource"] == "status"
    assert status_entry["fieldsV1"] == {"f:status": {"f:observedGeneration": {}, "f:replicas": {}}}
    # A replace that sends managedFields back unchanged keeps them; an empty list resets.
    current = api.get(f"{base}/web").json()
    assert (
        api.put(f"{base}/web", json=current).json()["metadata"]["managedFields"]
        == (current["metadata"]["managedFields"])
    )
    current["metadata"]["managedFields"] = []
    assert "managedFields" not in api.put(f"{base}/web", json=current).json()["metadata"]


def test_a_conflict_names_fields_and_managers_and_force_takes_them(
    api: httpx.Client, ns: str
) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps/shared"
    assert api.post(
        f"/api/v1/namespaces/{ns}/configmaps?fieldManager=installer",
        json={"metadata": {"name": "shared"}, "data": {"a": "1", "b": "2"}},
    ).is_success
    r = api.patch(
        f"{path}?fieldManager=ops", content=cm_config("shared", a="9", b="9"), headers=APPLY
    )
    assert r.status_code == 409
    status = r.json()
    assert status["reason"] == "Conflict"
    assert status["message"] == (
        'Apply failed with 2 conflicts: conflicts with "installer" using v1:\n- .data.a\n- .data.b'
    )
    assert status["details"]["causes"] == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "installer" using v1',
            "field": f,
        }
        for f in (".data.a", ".data.b")
    ]
    # The same values are shared, not a conflict.
    same = api.patch(f"{path}?fieldManager=ops", content=cm_config("shared", a="1"), headers=APPLY)
    assert same.status_code == 200
    assert {m[0] for m in managers(same.json())} == {"installer", "ops"}
    forced = api.patch(
        f"{path}?fieldManager=ops&force=True", content=cm_config("shared", a="9"), headers=APPLY
    )
    assert forced.status_code == 200 and forced.json()["data"] == {"a": "9", "b": "2"}
    assert entry(forced.json(), "installer")["fieldsV1"] == {"f:data": {".": {}, "f:b": {}}}


def test_fields_no_longer_applied_are_removed_unless_someone_else_owns_them(
    api: httpx.Client, ns: str
) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps/pruned"
    for manager, data in (("a", {"x": "1", "y": "2"}), ("b", {"y": "2"})):
        r = api.patch(
            f"{path}?fieldManager={manager}", content=cm_config("pruned", **data), headers=APPLY
        )
        assert r.is_success, r.text
    r = api.patch(f"{path}?fieldManager=a", content=cm_config("pruned"), headers=APPLY)
    assert r.json()["data"] == {"y": "2"}  # x went; b still applies y
    r = api.patch(f"{path}?fieldManager=b", content=cm_config("pruned"), headers=APPLY)
    assert "data" not in r.json()


def test_field_validation_strict_warn_and_ignore(api: httpx.Client, ns: str) -> None:
    base = f"/apis/apps/v1/namespaces/{ns}/deployments"
    body = yaml.safe_load(DEPLOYMENT)
    body["spec"]["foo"] = 1
    body["spec"]["template"]["spec"]["containers"][0]["bar"] = "x"
    r = api.post(f"{base}?fieldValidation=Strict", json=body)
    assert r.status_code == 400
    assert r.json()["message"] == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.template.spec.containers[0].bar", unknown field "spec.foo"'
    )
    assert api.get(f"{base}/web").status_code == 404
    r = api.post(base, json=body)  # Warn is the default
    assert r.status_code == 201
    assert r.headers.get_list("warning") == [
        '299 - "unknown field \\"spec.template.spec.containers[0].bar\\""',
        '299 - "unknown field \\"spec.foo\\""',
    ]
    r = api.patch(f"{base}/web?fieldValidation=Strict", json={"spec": {"baz": True}}, headers=MERGE)
    assert r.status_code == 422
    assert r.json()["message"].endswith('strict decoding error: unknown field "spec.baz"')
    r = api.patch(f"{base}/web?fieldValidation=Ignore", json={"spec": {"baz": 1}}, headers=MERGE)
    assert r.status_code == 200 and "warning" not in r.headers
    r = api.post(f"{base}?fieldValidation=strict", json=body)
    assert r.status_code == 422 and 'supported values: "", "Ignore"' in r.json()["message"]
    # Duplicate keys stay a 400 whatever the directive (minik8s refuses them always).
    dup = b'{"metadata": {"name": "d", "name": "e"}}'
    r = api.post(
        f"/api/v1/namespaces/{ns}/configmaps?fieldValidation=Ignore",
        content=dup,
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400


# --------------------------------------------------------------------------- kubectl


@pytest.fixture(params=["1.31", "1.32", "1.33"])
def any_kubectl(
    request: pytest.FixtureRequest, apiserver: APIServerProcess, ns: str, tmp_path: Path
) -> Kubectl:
    binary = KUBECTL_DIR / f"kubectl.{request.param}"
    if not binary.exists():
        pytest.skip(f"kubectl {request.param} is not installed")
    return kubectl_runner(str(binary), apiserver.url, ns, tmp_path / "cache")


def test_kubectl_server_side_apply_conflict_then_force(
    any_kubectl: Kubectl, tmp_path: Path
) -> None:
    kubectl = any_kubectl
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    out = kubectl("apply", "--server-side", "-f", str(manifest)).stdout
    assert out.strip() == "deployment.apps/web serverside-applied"
    other = tmp_path / "other.yaml"
    other.write_text(DEPLOYMENT.replace("replicas: 2", "replicas: 5"))
    r = kubectl("apply", "--server-side", "--field-manager=ops", "-f", str(other), check=False)
    assert r.returncode == 1
    assert r.stderr.startswith(
        'error: Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas\n'
        "Please review the fields above--they currently have other managers."
    )
    out = kubectl(
        "apply", "--server-side", "--field-manager=ops", "--force-conflicts", "-f", str(other)
    ).stdout
    assert "serverside-applied" in out
    live = json.loads(kubectl("get", "deploy", "web", "-o", "json", "--show-managed-fields").stdout)
    assert live["spec"]["replicas"] == 5
    assert entry(live, "ops")["fieldsV1"]["f:spec"]["f:replicas"] == {}
    assert "f:replicas" not in entry(live, "kubectl")["fieldsV1"]["f:spec"]


def test_kubectl_moves_from_client_side_to_server_side_apply(
    kubectl: Kubectl, tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    assert "created" in kubectl("apply", "-f", str(manifest)).stdout
    changed = DEPLOYMENT.replace("replicas: 2", "replicas: 3").replace(", tier: front", "")
    manifest.write_text(changed)
    # Fields client-side apply set are taken over without a conflict, then migrated.
    out = kubectl("apply", "--server-side", "-f", str(manifest)).stdout
    assert out.strip() == "deployment.apps/web serverside-applied"
    live = json.loads(kubectl("get", "deploy", "web", "-o", "json", "--show-managed-fields").stdout)
    assert live["spec"]["replicas"] == 3
    assert live["metadata"]["labels"] == {"app": "web"}  # dropped from the manifest: gone
    assert ("kubectl", "Apply", "") in managers(live)
    assert "kubectl-client-side-apply" not in {m[0] for m in managers(live)}
    last = json.loads(
        live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    )
    assert last["spec"]["replicas"] == 3
    # Defaults the client-side apply owned came back as the server's own.
    assert live["spec"]["progressDeadlineSeconds"] == 600
    again = kubectl("apply", "--server-side", "-f", str(manifest)).stdout
    assert "serverside-applied" in again
    after = json.loads(kubectl("get", "deploy", "web", "-o", "json").stdout)
    assert after["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]


def test_kubectl_validate_strict_and_warn(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\ndata:\n  a: '1'\nsepc: {}\n"
    )
    r = kubectl("apply", "--validate=strict", "-f", str(manifest), check=False)
    assert r.returncode == 1
    assert r.stderr.strip() == (
        f'Error from server (BadRequest): error when creating "{manifest}": ConfigMap in '
        'version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'unknown field "sepc"'
    )
    r = kubectl("apply", "--validate=warn", "-f", str(manifest))
    assert r.stderr.strip() == 'Warning: unknown field "sepc"'
    assert r.stdout.strip() == "configmap/typo created"
    r = kubectl("apply", "--server-side", "--validate=strict", "-f", str(manifest), check=False)
    assert r.returncode == 1 and 'unknown field "sepc"' in r.stderr


def test_kubectl_diff_shows_the_change_and_writes_nothing(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    kubectl("apply", "--server-side", "-f", str(manifest))
    rv = kubectl("get", "deploy", "web", "-o", "jsonpath={.metadata.resourceVersion}").stdout
    same = kubectl("diff", "--server-side", "-f", str(manifest), check=False)
    assert same.returncode == 0 and same.stdout == ""
    manifest.write_text(DEPLOYMENT.replace("replicas: 2", "replicas: 7"))
    for args in (("diff",), ("diff", "--server-side")):
        r = kubectl(*args, "-f", str(manifest), check=False)
        assert r.returncode == 1, r.stderr
        assert "-  replicas: 2\n+  replicas: 7" in r.stdout
        assert "managedFields" not in r.stdout
    now = kubectl("get", "deploy", "web", "-o", "jsonpath={.metadata.resourceVersion}").stdout
    assert now == rv


# --------------------------------------------------------------------------- Python client


@pytest.fixture
def dyn(apiserver: APIServerProcess) -> Iterator[dynamic.DynamicClient]:
    config = k8s.Configuration()
    config.host = apiserver.url
    with k8s.ApiClient(config) as api_client:
        yield dynamic.DynamicClient(api_client)


def test_python_dynamic_client_server_side_apply(dyn: dynamic.DynamicClient, ns: str) -> None:
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "py", "namespace": ns},
        "data": {"a": "1"},
    }
    got = cms.server_side_apply(body=body, name="py", namespace=ns, field_manager="py")
    assert got.data.a == "1"
    assert [(m.manager, m.operation) for m in got.metadata.managedFields] == [("py", "Apply")]
    changed = {**body, "data": {"a": "2"}}
    with pytest.raises(ApiException) as conflict:
        cms.server_side_apply(body=changed, name="py", namespace=ns, field_manager="other")
    assert conflict.value.status == 409
    assert json.loads(conflict.value.body)["message"] == (
        'Apply failed with 1 conflict: conflict with "py": .data.a'
    )
    got = cms.server_side_apply(
        body=changed, name="py", namespace=ns, field_manager="other", force_conflicts=True
    )
    assert got.data.a == "2"
    assert [m.manager for m in got.metadata.managedFields] == ["other"]
