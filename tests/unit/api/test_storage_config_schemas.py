"""The schemas of ConfigMap, Secret, ServiceAccount, PersistentVolume and the claim:
complete, described, and read by validation and strategic merge patches."""

from __future__ import annotations

from typing import Any

import pytest

from minik8s.api.patch import strategic_merge_patch
from minik8s.api.resources import ResourceInfo, resolve
from minik8s.api.schema import CORE, Ref, Struct, description_of, prop_of
from minik8s.api.validation import validate

Obj = dict[str, Any]

KINDS = ("configmaps", "secrets", "serviceaccounts", "persistentvolumes", "persistentvolumeclaims")

# Kubernetes v1.32's PersistentVolumeSource: every source a PersistentVolume may have.
PV_SOURCES = {
    "gcePersistentDisk", "awsElasticBlockStore", "hostPath", "glusterfs", "nfs", "rbd",
    "iscsi", "cinder", "cephfs", "fc", "flocker", "flexVolume", "azureFile", "vsphereVolume",
    "quobyte", "azureDisk", "photonPersistentDisk", "portworxVolume", "scaleIO", "local",
    "storageos", "csi",
}  # fmt: skip


def info(name: str) -> ResourceInfo:
    found = resolve(name)
    assert found is not None and found.schema is not None, name
    return found


def pv_spec_fields() -> dict[str, Any]:
    schema = info("pv").schema
    assert schema is not None
    spec = schema.definitions[CORE + "PersistentVolumeSpec"]
    assert isinstance(spec, Struct)
    return dict(spec.fields)


@pytest.mark.parametrize("plural", KINDS)
def test_every_field_is_described(plural: str) -> None:
    schema = info(plural).schema
    assert schema is not None and schema.description
    undescribed = [key for key, m in schema.fields.items() if not description_of(m)]
    for name, definition in schema.definitions.items():
        assert isinstance(definition, Struct) and definition.description, name
        undescribed += [
            f"{name}.{k}" for k, m in definition.fields.items() if not description_of(m)
        ]
    assert undescribed == []


def test_pv_spec_declares_every_kubernetes_source() -> None:
    fields = pv_spec_fields()
    assert {k for k in fields if k in PV_SOURCES} == PV_SOURCES
    assert all(isinstance(prop_of(fields[k]), Ref) for k in PV_SOURCES)


@pytest.mark.parametrize("source", sorted(PV_SOURCES - {"hostPath", "local"}))
def test_sources_no_node_can_mount_are_refused(source: str) -> None:
    volume = {
        "metadata": {"name": "data"},
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], source: {}},
    }
    messages = [f"{c.field}: {c.message}" for c in validate(info("pv"), volume)]
    assert f"spec.{source}: Forbidden: only hostPath and local volumes are supported" in messages


def test_service_account_secrets_merge_by_name() -> None:
    account = {"secrets": [{"name": "a"}, {"name": "b"}], "imagePullSecrets": [{"name": "r"}]}
    patch = {"secrets": [{"name": "c"}], "imagePullSecrets": [{"name": "s"}]}
    merged = strategic_merge_patch(account, patch, "ServiceAccount")
    assert merged["secrets"] == [{"name": "a"}, {"name": "b"}, {"name": "c"}]
    assert merged["imagePullSecrets"] == [{"name": "s"}]  # atomic: replaced


def test_claim_conditions_merge_by_type_and_access_modes_are_replaced() -> None:
    claim: Obj = {
        "spec": {"accessModes": ["ReadWriteOnce", "ReadOnlyMany"]},
        "status": {"conditions": [{"type": "Resizing", "status": "True"}]},
    }
    patch: Obj = {
        "spec": {"accessModes": ["ReadWriteMany"]},
        "status": {"conditions": [{"type": "FileSystemResizePending", "status": "True"}]},
    }
    merged = strategic_merge_patch(claim, patch, "PersistentVolumeClaim")
    assert merged["spec"]["accessModes"] == ["ReadWriteMany"]
    assert [c["type"] for c in merged["status"]["conditions"]] == [
        "Resizing",
        "FileSystemResizePending",
    ]
