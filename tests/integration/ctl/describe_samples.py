"""Objects of the newer kinds, with statuses, for comparing `mkctl describe` with kubectl.

`seed(api, ns)` creates them through the real API server (statuses written through the
status subresource, as the controllers would) and returns their names by kind.
"""

from __future__ import annotations

from typing import Any

import httpx

Obj = dict[str, Any]

TIME = "2025-01-02T03:04:05Z"
LATER = "2025-01-02T03:04:25Z"

_TEMPLATE: Obj = {
    "metadata": {"labels": {"app": "web"}},
    "spec": {
        "containers": [{"name": "c", "image": "minik8s/busybox:latest", "command": ["true"]}],
        "restartPolicy": "Never",
    },
}


def _always(template: Obj) -> Obj:
    return {**template, "spec": {**template["spec"], "restartPolicy": "Always"}}


def _create(api: httpx.Client, path: str, body: Obj, status: Obj | None = None) -> Obj:
    r = api.post(path, json=body)
    assert r.status_code == 201, r.text
    created: Obj = r.json()
    if status is not None:
        created["status"] = status
        url = f"{path}/{created['metadata']['name']}/status"
        r = api.put(url, json=created)
        assert r.status_code == 200, r.text
        created = r.json()
    return created


def seed(api: httpx.Client, ns: str, suffix: str) -> dict[str, str]:
    """Create one object of each kind; the names are `<kind>-<suffix>` (cluster-scoped ones
    must not collide between tests)."""
    names: dict[str, str] = {}
    core, apps, batch = f"/api/v1/namespaces/{ns}", f"/apis/apps/v1/namespaces/{ns}", ""
    batch = f"/apis/batch/v1/namespaces/{ns}"
    names["job"] = "pi"
    _create(
        api,
        f"{batch}/jobs",
        {
            "metadata": {"name": "pi"},
            "spec": {
                "parallelism": 2,
                "completions": 5,
                "completionMode": "Indexed",
                "backoffLimit": 4,
                "activeDeadlineSeconds": 600,
                "ttlSecondsAfterFinished": 100,
                "template": _TEMPLATE,
            },
        },
        {
            "startTime": TIME,
            "completionTime": LATER,
            "succeeded": 5,
            "failed": 1,
            "ready": 0,
            "completedIndexes": "0-4",
            "conditions": [
                {
                    "type": "Complete",
                    "status": "True",
                    "lastProbeTime": LATER,
                    "lastTransitionTime": LATER,
                }
            ],
        },
    )
    names["cronjob"] = "report"
    _create(
        api,
        f"{batch}/cronjobs",
        {
            "metadata": {"name": "report"},
            "spec": {
                "schedule": "*/5 * * * *",
                "timeZone": "Etc/UTC",
                "concurrencyPolicy": "Forbid",
                "startingDeadlineSeconds": 30,
                "successfulJobsHistoryLimit": 2,
                "jobTemplate": {"spec": {"template": _TEMPLATE}},
            },
        },
        {
            "lastScheduleTime": TIME,
            "lastSuccessfulTime": LATER,
            "active": [{"kind": "Job", "name": "report-123", "namespace": ns}],
        },
    )
    names["daemonset"] = "agent"
    agent = _always(_TEMPLATE)
    agent = {**agent, "spec": {**agent["spec"], "nodeSelector": {"disk": "ssd"}}}
    _create(
        api,
        f"{apps}/daemonsets",
        {
            "metadata": {"name": "agent", "labels": {"tier": "node"}},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": agent},
        },
        {
            "desiredNumberScheduled": 3,
            "currentNumberScheduled": 3,
            "numberReady": 2,
            "updatedNumberScheduled": 3,
            "numberAvailable": 2,
            "numberUnavailable": 1,
            "numberMisscheduled": 0,
            "observedGeneration": 1,
        },
    )
    names["statefulset"] = "db"
    _create(
        api,
        f"{apps}/statefulsets",
        {
            "metadata": {"name": "db"},
            "spec": {
                "replicas": 3,
                "serviceName": "db",
                "selector": {"matchLabels": {"app": "web"}},
                "podManagementPolicy": "Parallel",
                "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
                "template": _always(_TEMPLATE),
                "volumeClaimTemplates": [
                    {
                        "metadata": {"name": "data"},
                        "spec": {
                            "accessModes": ["ReadWriteOnce"],
                            "storageClassName": "local",
                            "resources": {"requests": {"storage": "1Gi"}},
                        },
                    }
                ],
            },
        },
        {"replicas": 3, "readyReplicas": 2, "currentReplicas": 3, "updatedReplicas": 1},
    )
    names["hpa"] = "web"
    _create(
        api,
        f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers",
        {
            "metadata": {"name": "web"},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": 1,
                "maxReplicas": 5,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 50},
                        },
                    }
                ],
            },
        },
        {
            "currentReplicas": 2,
            "desiredReplicas": 3,
            "lastScaleTime": TIME,
            "currentMetrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "current": {"averageUtilization": 75, "averageValue": "150m"},
                    },
                }
            ],
            "conditions": [
                {
                    "type": "AbleToScale",
                    "status": "True",
                    "reason": "SucceededRescale",
                    "message": "the HPA controller was able to update the target scale to 3",
                    "lastTransitionTime": TIME,
                }
            ],
        },
    )
    names["priorityclass"] = f"high-{suffix}"
    _create(
        api,
        "/apis/scheduling.k8s.io/v1/priorityclasses",
        {
            "metadata": {"name": f"high-{suffix}"},
            "value": 1000,
            "description": "for the important pods",
            "preemptionPolicy": "Never",
        },
    )
    names["pv"] = f"pv-{suffix}"
    _create(
        api,
        "/api/v1/persistentvolumes",
        {
            "metadata": {"name": f"pv-{suffix}"},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": "local",
                "hostPath": {"path": "/tmp/pv", "type": "DirectoryOrCreate"},
                "claimRef": {"kind": "PersistentVolumeClaim", "namespace": ns, "name": "data"},
            },
        },
        {"phase": "Bound"},
    )
    names["pvc"] = "data"
    _create(
        api,
        f"{core}/persistentvolumeclaims",
        {
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "storageClassName": "local",
                "resources": {"requests": {"storage": "1Gi"}},
                "volumeName": f"pv-{suffix}",
            },
        },
        {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}},
    )
    names["controllerrevision"] = "db-7d9f"
    _create(
        api,
        f"{apps}/controllerrevisions",
        {
            "metadata": {"name": "db-7d9f", "labels": {"app": "web"}},
            "revision": 2,
            "data": {"spec": {"template": {"metadata": {"labels": {"app": "web"}}}}},
        },
    )
    return names
