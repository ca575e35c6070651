"""PersistentVolume and PersistentVolumeClaim: registry entries, defaults and validation."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from minik8s.api.defaults import apply_defaults
from minik8s.api.resources import ResourceInfo, resolve
from minik8s.api.validation import validate

Obj = dict[str, Any]


def info(name: str) -> ResourceInfo:
    found = resolve(name)
    assert found is not None, name
    return found


PV, PVC = info("pv"), info("pvc")


def pv(**spec: Any) -> Obj:
    base: Obj = {
        "capacity": {"storage": "1Gi"},
        "accessModes": ["ReadWriteOnce"],
        "hostPath": {"path": "/srv/data"},
    }
    base.update(spec)
    return {"metadata": {"name": "data"}, "spec": {k: v for k, v in base.items() if v is not None}}


def pvc(**spec: Any) -> Obj:
    base: Obj = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}
    base.update(spec)
    return {
        "metadata": {"name": "claim", "namespace": "default"},
        "spec": {k: v for k, v in base.items() if v is not None},
    }


def errors_of(resource: ResourceInfo, obj: Obj, old: Obj | None = None) -> list[str]:
    apply_defaults(resource, obj)
    return [c.describe() for c in validate(resource, obj, old)]


def test_registry_entries() -> None:
    assert (PV.kind, PV.plural, PV.namespaced, PV.has_status) == (
        "PersistentVolume",
        "persistentvolumes",
        False,
        True,
    )
    assert (PVC.kind, PVC.plural, PVC.namespaced, PVC.has_status) == (
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        True,
        True,
    )
    assert PV.path(name="x") == "/api/v1/persistentvolumes/x"
    assert resolve("persistentvolumeclaims") is PVC


def test_pv_defaults() -> None:
    obj = pv()
    apply_defaults(PV, obj)
    assert obj["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert obj["spec"]["volumeMode"] == "Filesystem"
    assert obj["status"] == {"phase": "Available"}
    explicit = pv(persistentVolumeReclaimPolicy="Delete")
    apply_defaults(PV, explicit)
    assert explicit["spec"]["persistentVolumeReclaimPolicy"] == "Delete"


def test_pvc_defaults() -> None:
    obj = pvc()
    apply_defaults(PVC, obj)
    assert obj["spec"]["volumeMode"] == "Filesystem"
    assert obj["status"] == {"phase": "Pending"}


def test_valid_pvs() -> None:
    assert errors_of(PV, pv()) == []
    local = pv(hostPath=None, local={"path": "/mnt/disk"})
    assert errors_of(PV, local) == []
    typed = pv(hostPath={"path": "/srv/x", "type": "DirectoryOrCreate"})
    assert errors_of(PV, typed) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"capacity": None}, "spec.capacity[storage]: Required value"),
        ({"capacity": {"storage": "lots"}}, "spec.capacity[storage]: Invalid value"),
        ({"accessModes": None}, "spec.accessModes: Required value"),
        ({"accessModes": ["ReadWriteSome"]}, 'spec.accessModes[0]: Unsupported value: "ReadWr'),
        ({"hostPath": None}, "spec: Required value: must specify a volume type"),
        ({"hostPath": {}}, "spec.hostPath.path: Required value"),
        ({"hostPath": {"path": "/x", "type": "Dir"}}, "spec.hostPath.type: Unsupported value"),
        ({"local": {"path": "/y"}}, "spec.local: Forbidden: may not specify more than 1 volume"),
        ({"nfs": {"server": "s", "path": "/"}}, "spec.nfs: Forbidden: only hostPath and local"),
        ({"persistentVolumeReclaimPolicy": "Keep"}, "spec.persistentVolumeReclaimPolicy: Unsup"),
        ({"volumeMode": "Raw"}, "spec.volumeMode: Unsupported value"),
    ],
)
def test_invalid_pvs(spec: Obj, expected: str) -> None:
    found = errors_of(PV, pv(**spec))
    assert any(e.startswith(expected) for e in found), found


def test_pv_source_is_immutable() -> None:
    old = pv()
    apply_defaults(PV, old)
    moved = copy.deepcopy(old)
    moved["spec"]["hostPath"]["path"] = "/elsewhere"
    assert errors_of(PV, moved, old) == [
        "spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable "
        "after creation"
    ]
    grown = copy.deepcopy(old)
    grown["spec"]["capacity"]["storage"] = "2Gi"
    grown["spec"]["claimRef"] = {"namespace": "default", "name": "claim"}
    assert errors_of(PV, grown, old) == []


def test_valid_pvc() -> None:
    assert errors_of(PVC, pvc()) == []
    assert errors_of(PVC, pvc(volumeName="data", storageClassName="")) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"accessModes": None}, "spec.accessModes: Required value"),
        ({"accessModes": []}, "spec.accessModes: Required value"),
        ({"accessModes": ["Nope"]}, "spec.accessModes[0]: Unsupported value"),
        ({"resources": None}, "spec.resources[storage]: Required value"),
        ({"resources": {"requests": {}}}, "spec.resources[storage]: Required value"),
        ({"resources": {"requests": {"storage": "x"}}}, "spec.resources[storage]: Invalid value"),
        ({"volumeName": "Not_A_Name"}, "spec.volumeName: Invalid value"),
    ],
)
def test_invalid_pvcs(spec: Obj, expected: str) -> None:
    found = errors_of(PVC, pvc(**spec))
    assert any(e.startswith(expected) for e in found), found


def test_pvc_spec_is_immutable_except_requests_and_empty_volume_name() -> None:
    old = pvc()
    apply_defaults(PVC, old)
    bound = copy.deepcopy(old)
    bound["spec"]["volumeName"] = "data"
    bound["spec"]["resources"]["requests"]["storage"] = "2Gi"
    assert errors_of(PVC, bound, old) == []
    rebound = copy.deepcopy(bound)
    rebound["spec"]["volumeName"] = "other"
    assert errors_of(PVC, rebound, bound) == [
        "spec: Forbidden: spec is immutable after creation except resources.requests and "
        "volumeName when it is empty"
    ]
    modes = copy.deepcopy(old)
    modes["spec"]["accessModes"] = ["ReadWriteMany"]
    assert len(errors_of(PVC, modes, old)) == 1
