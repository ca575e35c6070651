"""PersistentVolumes and PersistentVolumeClaims through the real API server and kubectl."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.apiserver.test_kubectl import Kubectl, kubectl  # noqa: F401

PV_COLUMNS = ["NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM", "POLICY", "STATUS", "CLAIM"]
PVC_COLUMNS = ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS", "AGE"]


@pytest.fixture
def pv_name(api: httpx.Client) -> Iterator[str]:
    name = f"pv-{uuid.uuid4().hex[:8]}"
    yield name
    api.delete(f"/api/v1/persistentvolumes/{name}")


def pv_body(name: str, **spec: object) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/tmp/minik8s-pv-test", "type": "DirectoryOrCreate"},
            **spec,
        },
    }


def test_kubectl_creates_and_lists_volumes_and_claims(
    kubectl: Kubectl,  # noqa: F811
    pv_name: str,
    ns: str,
    tmp_path: Path,
) -> None:
    manifest = tmp_path / "storage.yaml"
    manifest.write_text(
        f"""\
apiVersion: v1
kind: PersistentVolume
metadata: {{name: {pv_name}}}
spec:
  capacity: {{storage: 2Gi}}
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  storageClassName: manual
  hostPath: {{path: {tmp_path / "data"}, type: DirectoryOrCreate}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data}}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  volumeName: {pv_name}
  resources: {{requests: {{storage: 1Gi}}}}
"""
    )
    out = kubectl("create", "-f", str(manifest)).stdout
    assert f"persistentvolume/{pv_name} created" in out
    assert "persistentvolumeclaim/data created" in out

    pv = kubectl("get", "pv", pv_name).stdout.splitlines()
    assert pv[0].split()[: len(PV_COLUMNS)] == PV_COLUMNS
    assert "STORAGECLASS" in pv[0] and pv[0].split()[-1] == "AGE"
    assert pv[1].split()[:6] == [pv_name, "2Gi", "RWO,ROX", "Retain", "Available", "manual"]

    pvc = kubectl("get", "pvc").stdout.splitlines()
    assert pvc[0].split() == PVC_COLUMNS
    assert pvc[1].split()[:4] == ["data", "Pending", pv_name, "manual"]

    both = kubectl("get", "pv,pvc").stdout
    assert f"persistentvolume/{pv_name}" in both and "persistentvolumeclaim/data" in both
    assert "RECLAIM POLICY" in both and "VOLUME" in both

    wanted = kubectl("get", "pvc", "data", "-o", "jsonpath={.spec.volumeMode}").stdout
    assert wanted == "Filesystem"
    policy = kubectl("get", "pv", pv_name, "-o", "jsonpath={.spec.persistentVolumeReclaimPolicy}")
    assert policy.stdout == "Retain"


def test_validation_status_and_immutability(api: httpx.Client, ns: str, pv_name: str) -> None:
    bad = pv_body(pv_name, capacity={}, accessModes=["Sometimes"], local={"path": "/x"})
    r = api.post("/api/v1/persistentvolumes", json=bad)
    assert r.status_code == 422, r.text
    fields = {c["field"] for c in r.json()["details"]["causes"]}
    assert {"spec.capacity[storage]", "spec.accessModes[0]", "spec.local"} <= fields

    body = pv_body(pv_name)
    body["status"] = {"phase": "Bound"}
    r = api.post("/api/v1/persistentvolumes", json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["status"] == {"phase": "Available"}  # the client may not set status
    assert "namespace" not in created["metadata"]

    created["status"] = {"phase": "Bound"}
    r = api.put(f"/api/v1/persistentvolumes/{pv_name}/status", json=created)
    assert r.status_code == 200 and r.json()["status"]["phase"] == "Bound", r.text

    moved = r.json()
    moved["spec"]["hostPath"]["path"] = "/elsewhere"
    r = api.put(f"/api/v1/persistentvolumes/{pv_name}", json=moved)
    assert r.status_code == 422 and "persistentvolumesource" in r.text

    claims = f"/api/v1/namespaces/{ns}/persistentvolumeclaims"
    r = api.post(claims, json={"metadata": {"name": "c"}, "spec": {}})
    assert r.status_code == 422
    fields = {c["field"] for c in r.json()["details"]["causes"]}
    assert fields == {"spec.accessModes", "spec.resources[storage]"}

    claim = {
        "metadata": {"name": "c"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    r = api.post(claims, json=claim)
    assert r.status_code == 201 and r.json()["status"] == {"phase": "Pending"}, r.text
    r = api.patch(
        f"{claims}/c",
        json={"spec": {"volumeName": pv_name}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200 and r.json()["spec"]["volumeName"] == pv_name, r.text
    r = api.patch(
        f"{claims}/c",
        json={"spec": {"volumeName": "other"}},
        headers={"Content-Type": "application/strategic-merge-patch+json"},
    )
    assert r.status_code == 422 and "spec is immutable" in r.text


def test_discovery_and_openapi(api: httpx.Client) -> None:
    resources = {r["name"]: r for r in api.get("/api/v1").json()["resources"]}
    pv, pvc = resources["persistentvolumes"], resources["persistentvolumeclaims"]
    assert (pv["kind"], pv["namespaced"], pv["shortNames"]) == ("PersistentVolume", False, ["pv"])
    assert (pvc["namespaced"], pvc["shortNames"]) == (True, ["pvc"])
    assert "persistentvolumes/status" in resources
    assert "persistentvolumeclaims/status" in resources
    definitions = api.get("/openapi/v2").json()["definitions"]
    assert "io.k8s.api.core.v1.PersistentVolume" in definitions
    assert "io.k8s.api.core.v1.PersistentVolumeClaimList" in definitions
