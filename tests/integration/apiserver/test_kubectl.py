"""The real `kubectl` against the API server: what a Kubernetes user types first."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import yaml

from minik8s.api.resources import lookup
from minik8s.api.schema import description_of
from tests.conftest import APIServerProcess

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
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
      - name: sidecar
        image: minik8s/busybox:latest
        command: ["sleep", "3600"]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
"""

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def kubectl(apiserver: APIServerProcess, ns: str, tmp_path: Path) -> Kubectl:
    binary = shutil.which("kubectl")
    if binary is None:
        pytest.fail("kubectl is not on the PATH")

    def run(
        *args: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        cmd = [
            binary,
            "--server",
            apiserver.url,
            "--cache-dir",
            str(tmp_path / "cache"),
            "-n",
            ns,
            *args,
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed: {result.stderr}")
        return result

    return run


def test_create_get_and_formats(kubectl: Kubectl, ns: str, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    out = kubectl("create", "-f", str(manifest)).stdout
    assert "deployment.apps/web created" in out and "service/web created" in out

    table = kubectl("get", "deployments").stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1].split()[:2] == ["web", "0/2"]
    wide = kubectl("get", "deploy", "-o", "wide").stdout.splitlines()
    assert "CONTAINERS" in wide[0] and "web,sidecar" in wide[1]
    svc = kubectl("get", "svc", "web").stdout.splitlines()
    assert svc[0].split()[:5] == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)"]
    assert "ClusterIP" in svc[1] and "80/TCP" in svc[1]

    as_yaml = yaml.safe_load(kubectl("get", "deploy", "web", "-o", "yaml").stdout)
    assert as_yaml["spec"]["replicas"] == 2 and as_yaml["metadata"]["namespace"] == ns
    as_json = json.loads(kubectl("get", "deploy", "web", "-o", "json").stdout)
    assert as_json["metadata"]["uid"] == as_yaml["metadata"]["uid"]
    names = kubectl("get", "deploy,svc", "-o", "name").stdout.split()
    assert names == ["deployment.apps/web", "service/web"]
    assert kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}").stdout == "2"

    again = kubectl("create", "-f", str(manifest), check=False)
    assert again.returncode != 0 and "AlreadyExists" in again.stderr


def test_apply_twice_then_change(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    assert "created" in kubectl("apply", "-f", str(manifest)).stdout
    second = kubectl("apply", "-f", str(manifest)).stdout
    assert "deployment.apps/web unchanged" in second and "service/web unchanged" in second
    rv = kubectl("get", "deploy", "web", "-o", "jsonpath={.metadata.resourceVersion}").stdout
    assert kubectl("get", "deploy", "web", "-o", "jsonpath={.metadata.generation}").stdout == "1"

    kubectl("label", "deploy", "web", "owner=ops")  # a field only the live object has
    changed = DEPLOYMENT.replace("minik8s/httpd:latest", "minik8s/httpd:v2").replace(
        "      - name: sidecar\n        image: minik8s/busybox:latest\n"
        '        command: ["sleep", "3600"]\n',
        "",
    )
    manifest.write_text(changed)
    assert "deployment.apps/web configured" in kubectl("apply", "-f", str(manifest)).stdout
    live = json.loads(kubectl("get", "deploy", "web", "-o", "json").stdout)
    containers = live["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("web", "minik8s/httpd:v2")]
    assert live["metadata"]["labels"] == {"app": "web", "owner": "ops"}
    assert int(live["metadata"]["resourceVersion"]) > int(rv)
    assert live["metadata"]["generation"] == 2
    svc = json.loads(kubectl("get", "svc", "web", "-o", "json").stdout)
    assert svc["spec"]["clusterIP"], "apply keeps the server-allocated ClusterIP"


def test_label_scale_delete(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    kubectl("apply", "-f", str(manifest))
    kubectl("label", "deploy", "web", "tier=front")
    assert kubectl("get", "deploy", "-l", "tier=front", "-o", "name").stdout.split() == [
        "deployment.apps/web"
    ]
    kubectl("label", "deploy", "web", "tier-")
    assert kubectl("get", "deploy", "-l", "tier=front", "-o", "name").stdout.strip() == ""
    assert "scaled" in kubectl("scale", "deploy", "web", "--replicas=5").stdout
    assert kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.replicas}").stdout == "5"
    out = kubectl("delete", "-f", str(manifest)).stdout
    assert 'deployment.apps "web" deleted' in out and 'service "web" deleted' in out
    missing = kubectl("get", "deploy", "web", check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr


def test_get_watch_sees_a_change(
    kubectl: Kubectl, apiserver: APIServerProcess, ns: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    kubectl("apply", "-f", str(manifest))
    cmd = [
        "kubectl",
        "--server",
        apiserver.url,
        "--cache-dir",
        str(tmp_path / "cache"),
        "-n",
        ns,
        "get",
        "deploy",
        "web",
        "-w",
        "--request-timeout=30s",
    ]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as w:
        try:
            assert w.stdout is not None
            header = w.stdout.readline()
            assert header.split()[0] == "NAME"
            assert w.stdout.readline().split()[:2] == ["web", "0/2"]
            # The watch is open once the first rows are printed; now change the object.
            deadline = time.monotonic() + 20
            with httpx.Client(base_url=apiserver.url) as api:
                api.patch(
                    f"/apis/apps/v1/namespaces/{ns}/deployments/web/scale",
                    json={"spec": {"replicas": 4}},
                    headers={"Content-Type": "application/merge-patch+json"},
                )
            line = ""
            while time.monotonic() < deadline:
                line = w.stdout.readline()
                if "0/4" in line:
                    break
            assert line.split()[:2] == ["web", "0/4"]
        finally:
            w.kill()


def test_unknown_kind_and_bad_manifest(kubectl: Kubectl, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Widget\nmetadata: {name: w}\n")
    r = kubectl("apply", "-f", str(bad), check=False)
    assert r.returncode != 0 and "Widget" in r.stderr
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text(DEPLOYMENT.replace("replicas: 2", "replicas: -3"))
    r = kubectl("apply", "-f", str(invalid), check=False)
    assert r.returncode != 0 and "spec.replicas" in r.stderr


def test_api_resources_and_version(kubectl: Kubectl) -> None:
    out = kubectl("api-resources").stdout
    for line in ("deployments", "horizontalpodautoscalers", "leases", "cronjobs", "pods"):
        assert line in out
    version = json.loads(kubectl("version", "-o", "json").stdout)
    assert version["serverVersion"]["major"] == "1"


def test_explain_prints_each_kinds_declared_descriptions(kubectl: Kubectl) -> None:
    """`kubectl explain` reads OpenAPI v3, which every kind's declaration describes."""
    deployment = lookup("apps", "v1", "deployments")
    assert deployment is not None and deployment.schema is not None
    spec = " ".join(kubectl("explain", "deployment.spec").stdout.split())
    assert " ".join(description_of(deployment.schema.fields["spec"]).split()) in spec
    assert "How old pods are replaced by new ones" in spec  # a field's own description
    for field in ("replicas", "selector", "template", "progressDeadlineSeconds"):
        assert f"{field} <" in spec
    probe = kubectl("explain", "pods.spec.containers.livenessProbe.httpGet").stdout
    assert "FIELDS:" in probe and "port\t<IntOrString>" in probe
