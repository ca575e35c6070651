"""The describers of the newer kinds on plain dicts: kubectl's labels and wording."""

from __future__ import annotations

from datetime import UTC, datetime

from minik8s.ctl.describe_autoscaling import metric_line
from minik8s.ctl.describers import Related, describe

NOW = datetime(2025, 1, 2, 3, 5, 0, tzinfo=UTC)


def _lines(obj: dict[str, object], **related: object) -> list[str]:
    return describe(obj, Related(events=[], now=NOW, **related)).splitlines()  # type: ignore[arg-type]


def test_hpa_metric_lines_for_every_source() -> None:
    def m(kind: str, key: str, body: dict[str, object]) -> dict[str, object]:
        return {"type": kind, key: body}

    assert metric_line(
        m("Resource", "resource", {"name": "memory", "target": {"averageValue": "100Mi"}}),
        None,
    ) == ("resource memory on pods:", "<unknown> / 100Mi")
    assert metric_line(
        m(
            "ContainerResource",
            "containerResource",
            {"name": "cpu", "container": "app", "target": {"averageUtilization": 60}},
        ),
        m("ContainerResource", "containerResource", {"current": {"averageUtilization": 30}}),
    ) == ('resource cpu of container "app" on pods  (as a percentage of request):', "30% (0) / 60%")
    assert metric_line(
        m("Pods", "pods", {"metric": {"name": "qps"}, "target": {"averageValue": "10"}}),
        m("Pods", "pods", {"current": {"averageValue": "4"}}),
    ) == ('"qps" on pods:', "4 / 10")
    obj = {
        "metric": {"name": "hits"},
        "describedObject": {"kind": "Service", "name": "web"},
        "target": {"type": "Value", "value": "5"},
    }
    assert metric_line(m("Object", "object", obj), None) == (
        '"hits" on Service/web:',
        "<unknown> / 5",
    )
    ext = {"metric": {"name": "queue"}, "target": {"type": "AverageValue", "averageValue": "3"}}
    assert metric_line(m("External", "external", ext), None) == (
        '"queue" (target average value):',
        "<unknown> / 3",
    )


def test_cronjob_with_defaults_unset_and_no_active_jobs() -> None:
    lines = _lines(
        {
            "kind": "CronJob",
            "metadata": {"name": "c", "namespace": "n"},
            "spec": {"schedule": "@hourly", "jobTemplate": {"spec": {"template": {}}}},
        }
    )
    assert "Suspend:                       <unset>" in lines
    assert any(line.split() == ["Last", "Schedule", "Time:", "<unset>"] for line in lines)
    assert any(line.split() == ["Active", "Jobs:", "<none>"] for line in lines)
    assert not any(line.startswith("Time Zone:") for line in lines)


def test_job_running_counts_duration_and_failed_condition() -> None:
    lines = _lines(
        {
            "kind": "Job",
            "metadata": {"name": "j", "namespace": "n"},
            "spec": {"parallelism": 1, "completions": 2, "completionMode": "NonIndexed"},
            "status": {
                "startTime": "2025-01-02T03:04:00Z",
                "active": 1,
                "failed": 2,
                "conditions": [
                    {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}
                ],
            },
        }
    )
    words = [line.split() for line in lines]
    assert ["Duration:", "60s"] in words  # still running: until now
    assert ["Pods", "Statuses:", "1", "Active", "/", "0", "Succeeded", "/", "2", "Failed"] in words
    assert ["Failed", "True", "BackoffLimitExceeded"] in words
    assert not any(w[:2] == ["Completed", "Indexes:"] for w in words)


def test_pv_sources_and_statefulset_without_claims() -> None:
    pv = _lines(
        {
            "kind": "PersistentVolume",
            "metadata": {"name": "v", "finalizers": ["kubernetes.io/pv-protection"]},
            "spec": {
                "accessModes": ["ReadWriteMany", "ReadOnlyMany"],
                "nfs": {"server": "10.0.0.1", "path": "/x"},
            },
        }
    )
    assert [line.split() for line in pv if "Modes" in line] == [["Access", "Modes:", "RWX,ROX"]]
    assert "Finalizers:      [kubernetes.io/pv-protection]" in pv
    assert "    Type:      NFS (an NFS mount that lasts the lifetime of a pod)" in pv
    sts = _lines(
        {
            "kind": "StatefulSet",
            "metadata": {"name": "s", "namespace": "n"},
            "spec": {"template": {"metadata": {"labels": {"a": "1", "b": "2"}}}},
        }
    )
    assert any(line.split() == ["Volume", "Claims:", "<none>"] for line in sts)
    labels = sts.index("  Labels:  a=1")
    assert sts[labels + 1] == "           b=2"  # one label a line, as kubectl
