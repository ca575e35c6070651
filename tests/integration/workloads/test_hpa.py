"""The HPA on a real cluster: a CPU-burning Deployment is scaled up through its scale
subresource, and down again once the load stops and the (shortened, 20 s) scale-down
stabilisation window has passed. Flags: CONTROLLER_MANAGER_ARGS in conftest.py."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.workloads.conftest import Cluster, wait_for

Obj = dict[str, Any]
BUSY = ["sh", "-c", "while true; do :; done"]
IDLE = ["sleep", "3600"]


def deployment(name: str, command: list[str], requests: bool = True) -> Obj:
    resources = {"requests": {"cpu": "100m"}, "limits": {"cpu": "200m"}} if requests else {}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    "containers": [
                        {
                            "name": "main",
                            "image": "minik8s/busybox:latest",
                            "imagePullPolicy": "IfNotPresent",
                            "command": command,
                            "resources": resources,
                        }
                    ],
                },
            },
        },
    }


def hpa(name: str) -> Obj:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": 1,
            "maxReplicas": 3,
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
    }


def conditions(obj: Obj) -> dict[str, tuple[str, str]]:
    return {
        c["type"]: (c["status"], c["reason"])
        for c in (obj.get("status") or {}).get("conditions") or []
    }


def test_hpa_scales_a_deployment_up_under_load_and_down_after_the_window(
    cluster: Cluster, api: httpx.Client, ns: str
) -> None:
    deploys = f"/apis/apps/v1/namespaces/{ns}/deployments"
    hpas = f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers"
    assert api.post(deploys, json=deployment("burn", BUSY)).status_code == 201
    assert api.post(deploys, json=deployment("norequests", IDLE, False)).status_code == 201
    assert api.post(hpas, json=hpa("burn")).status_code == 201
    assert api.post(hpas, json=hpa("norequests")).status_code == 201
    try:

        def replicas() -> int:
            return int(api.get(f"{deploys}/burn/scale").json()["spec"]["replicas"])

        # one pod at ~200% of its 100m request against a 50% target: 3 (the maximum)
        wait_for(lambda: replicas() == 3, "the HPA to scale burn to 3", timeout=180)

        def recorded() -> Obj | None:
            found: Obj = api.get(f"{hpas}/burn").json()
            return found if (found.get("status") or {}).get("desiredReplicas") == 3 else None

        got = wait_for(recorded, "the HPA status to record the scale up")
        status = got["status"]
        assert status["desiredReplicas"] == 3 and status["lastScaleTime"]
        current = status["currentMetrics"][0]["resource"]
        assert current["name"] == "cpu" and current["current"]["averageUtilization"] > 55
        assert conditions(got)["ScalingActive"] == ("True", "ValidMetricFound")
        events = api.get(f"/api/v1/namespaces/{ns}/events").json()["items"]
        assert any(
            e["involvedObject"]["name"] == "burn"
            and e["reason"] == "SuccessfulRescale"
            and e["message"].startswith("New size: 3")
            for e in events
        ), events

        # pods without a cpu request cannot be measured against a utilisation target
        def inactive() -> tuple[str, str] | None:
            found = conditions(api.get(f"{hpas}/norequests").json()).get("ScalingActive")
            return found if found == ("False", "FailedGetResourceMetric") else None

        wait_for(inactive, "ScalingActive=False on the HPA of pods without requests", timeout=120)
        assert int(api.get(f"{deploys}/norequests/scale").json()["spec"]["replicas"]) == 1

        # the load stops (a new template: the pods sleep); after the 20 s window: 1 replica
        patch = {
            "spec": {"template": {"spec": {"containers": [{"name": "main", "command": IDLE}]}}}
        }
        r = api.patch(
            f"{deploys}/burn",
            json=patch,
            headers={"Content-Type": "application/strategic-merge-patch+json"},
        )
        assert r.status_code == 200, r.text
        wait_for(lambda: replicas() == 1, "the HPA to scale burn back to 1", timeout=240)
        wait_for(
            lambda: api.get(f"{hpas}/burn").json()["status"]["desiredReplicas"] == 1,
            "the HPA status to record the scale down",
        )
    except AssertionError:
        print(cluster.log("controller-manager"))
        print(cluster.log("apiserver"))
        raise
    finally:
        for name in ("burn", "norequests"):
            api.delete(f"{hpas}/{name}")
            api.delete(f"{deploys}/{name}")
