"""ReplicationController, PodDisruptionBudget and APIService with the real kubectl."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from minik8s.api.resources import BUILTIN_CATALOG
from tests.conftest import APIServerProcess

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

MANIFESTS = """\
apiVersion: v1
kind: ReplicationController
metadata: {name: web}
spec:
  replicas: 0
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      containers: [{name: web, image: minik8s/httpd:latest}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 25%
  selector: {matchLabels: {app: web}}
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


def test_every_served_group_version_has_a_local_available_api_service(
    kubectl: Kubectl, api: httpx.Client
) -> None:
    wanted = {f"{v}.{g}" for g, v in BUILTIN_CATALOG.group_versions()}
    deadline = time.monotonic() + 30
    rows: dict[str, list[str]] = {}
    while time.monotonic() < deadline:
        out = kubectl("get", "apiservices").stdout.splitlines()
        assert out[0].split() == ["NAME", "SERVICE", "AVAILABLE", "AGE"]
        rows = {line.split()[0]: line.split()[1:3] for line in out[1:]}
        if all(rows.get(name) == ["Local", "True"] for name in wanted):
            break
        time.sleep(0.2)
    assert {n: rows.get(n) for n in wanted} == {n: ["Local", "True"] for n in wanted}
    core = api.get("/apis/apiregistration.k8s.io/v1/apiservices/v1.").json()
    assert core["spec"] == {"group": "", "version": "v1", "groupPriorityMinimum": 18000,
                            "versionPriority": 1}  # fmt: skip
    (cond,) = core["status"]["conditions"]
    assert (cond["type"], cond["status"], cond["reason"], cond["message"]) == (
        "Available",
        "True",
        "Local",
        "Local APIServices are always available",
    )
    # a local one deleted comes back (the API server keeps its own)
    assert api.delete("/apis/apiregistration.k8s.io/v1/apiservices/v1.batch").status_code == 200
    deadline = time.monotonic() + 30
    while api.get("/apis/apiregistration.k8s.io/v1/apiservices/v1.batch").status_code != 200:
        assert time.monotonic() < deadline, "v1.batch was not created again"
        time.sleep(0.1)


def test_an_api_service_must_be_named_after_its_group_version(api: httpx.Client) -> None:
    body = {
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": {"name": "v1.wrong.example.com"},
        "spec": {
            "group": "right.example.com",
            "version": "v1",
            "groupPriorityMinimum": 100,
            "versionPriority": 10,
            "service": {"namespace": "default", "name": "api"},
        },
    }
    r = api.post("/apis/apiregistration.k8s.io/v1/apiservices", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["details"]["causes"][0] == {
        "reason": "FieldValueInvalid",
        "message": 'Invalid value: "v1.wrong.example.com": must be `spec.version+"."+spec.group`: '
        '"v1.right.example.com"',
        "field": "metadata.name",
    }


def test_replication_controllers_and_budgets_with_kubectl(
    kubectl: Kubectl, api: httpx.Client, ns: str, tmp_path: Path
) -> None:
    path = tmp_path / "kinds.yaml"
    path.write_text(MANIFESTS)
    out = kubectl("apply", "-f", str(path)).stdout
    assert "replicationcontroller/web created" in out
    assert "poddisruptionbudget.policy/web created" in out
    rc = api.get(f"/api/v1/namespaces/{ns}/replicationcontrollers/web").json()
    # defaulted from the template's labels, as Kubernetes does
    assert rc["spec"]["selector"] == {"app": "web", "tier": "front"}
    assert rc["metadata"]["labels"] == {"app": "web", "tier": "front"}
    table = kubectl("get", "rc", "-o", "wide").stdout.splitlines()
    assert table[0].split() == [
        "NAME",
        "DESIRED",
        "CURRENT",
        "READY",
        "AGE",
        "CONTAINERS",
        "IMAGES",
        "SELECTOR",
    ]
    assert table[1].split()[:4] == ["web", "0", "0", "0"]
    assert table[1].split()[-1] == "app=web,tier=front"
    assert (
        "replicationcontroller/web scaled" in kubectl("scale", "rc", "web", "--replicas=2").stdout
    )
    scale = api.get(f"/api/v1/namespaces/{ns}/replicationcontrollers/web/scale").json()
    assert scale["spec"]["replicas"] == 2 and scale["status"]["selector"] == "app=web,tier=front"
    pdbs = kubectl("get", "pdb").stdout.splitlines()
    assert pdbs[0].split() == ["NAME", "MIN", "AVAILABLE", "MAX", "UNAVAILABLE", "ALLOWED",
                               "DISRUPTIONS", "AGE"]  # fmt: skip
    assert pdbs[1].split()[:4] == ["web", "N/A", "25%", "0"]
    explained = kubectl("explain", "pdb.spec.minAvailable").stdout
    assert "at least this many selected pods" in explained
    mismatch = {
        "metadata": {"name": "bad"},
        "spec": {"selector": {"app": "db"}, "template": rc["spec"]["template"]},
    }
    r = api.post(f"/api/v1/namespaces/{ns}/replicationcontrollers", json=mismatch)
    assert r.status_code == 422, r.text
    assert r.json()["details"]["causes"][0]["field"] == "spec.template.metadata.labels"
