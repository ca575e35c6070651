"""Table columns of PersistentVolumes and PersistentVolumeClaims, as kubectl prints them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from apiserver.tables import column_definitions, table_row
from minik8s.api.resources import ResourceInfo, resolve

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
CREATED = "2024-05-01T11:55:00Z"


def info(name: str) -> ResourceInfo:
    found = resolve(name)
    assert found is not None, name
    return found


def row(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    columns = [c["name"] for c in column_definitions(info(kind))]
    return dict(zip(columns, table_row(info(kind), obj, NOW), strict=True))


def test_pv_columns() -> None:
    names = [c["name"] for c in column_definitions(info("pv"))]
    assert names == [
        "Name",
        "Capacity",
        "Access Modes",
        "Reclaim Policy",
        "Status",
        "Claim",
        "StorageClass",
        "Age",
    ]
    pv = {
        "metadata": {"name": "data", "creationTimestamp": CREATED},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce", "ReadOnlyMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "claimRef": {"namespace": "web", "name": "claim"},
            "storageClassName": "manual",
            "hostPath": {"path": "/srv"},
        },
        "status": {"phase": "Bound"},
    }
    assert row("pv", pv) == {
        "Name": "data",
        "Capacity": "1Gi",
        "Access Modes": "RWO,ROX",
        "Reclaim Policy": "Retain",
        "Status": "Bound",
        "Claim": "web/claim",
        "StorageClass": "manual",
        "Age": "5m",
    }
    assert row("pv", {"metadata": {"name": "bare"}})["Claim"] == ""


def test_pvc_columns() -> None:
    names = [c["name"] for c in column_definitions(info("pvc"))]
    assert names == [
        "Name",
        "Status",
        "Volume",
        "Capacity",
        "Access Modes",
        "StorageClass",
        "Age",
    ]
    pvc = {
        "metadata": {"name": "claim", "namespace": "web", "creationTimestamp": CREATED},
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "resources": {"requests": {"storage": "1Gi"}},
            "volumeName": "data",
            "storageClassName": "manual",
        },
        "status": {
            "phase": "Bound",
            "capacity": {"storage": "2Gi"},
            "accessModes": ["ReadWriteMany", "ReadWriteOncePod"],
        },
    }
    assert row("pvc", pvc) == {
        "Name": "claim",
        "Status": "Bound",
        "Volume": "data",
        "Capacity": "2Gi",
        "Access Modes": "RWX,RWOP",
        "StorageClass": "manual",
        "Age": "5m",
    }
    pending = row("pvc", {"metadata": {"name": "p"}, "status": {"phase": "Pending"}})
    assert (pending["Status"], pending["Volume"], pending["Capacity"]) == ("Pending", "", "")
