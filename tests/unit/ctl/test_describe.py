"""`describe` text: kubectl's layout (checked against real kubectl output) from plain dicts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from minik8s.ctl.describers import Related, describe, selector_string, split_replica_sets

NOW = datetime(2025, 1, 1, 0, 10, tzinfo=UTC)
T0 = "2025-01-01T00:00:00Z"

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p1", "namespace": "default", "labels": {"app": "web"}, "uid": "u1"},
    "spec": {
        "nodeName": "n1",
        "containers": [
            {
                "name": "c",
                "image": "busybox",
                "command": ["sleep", "1"],
                "env": [{"name": "A", "value": "b"}],
                "resources": {"limits": {"cpu": "100m"}, "requests": {"cpu": "100m"}},
            }
        ],
        "priority": 0,
    },
    "status": {
        "phase": "Running",
        "podIP": "10.244.0.7",
        "podIPs": [{"ip": "10.244.0.7"}],
        "hostIP": "10.0.0.5",
        "startTime": T0,
        "qosClass": "BestEffort",
        "conditions": [
            {"type": "Ready", "status": "True"},
            {"type": "PodScheduled", "status": "True"},
        ],
        "containerStatuses": [
            {
                "name": "c",
                "ready": True,
                "restartCount": 2,
                "image": "busybox",
                "imageID": "docker://sha",
                "containerID": "docker://abc",
                "state": {"running": {"startedAt": T0}},
                "lastState": {
                    "terminated": {
                        "exitCode": 1,
                        "reason": "Error",
                        "startedAt": T0,
                        "finishedAt": T0,
                    }
                },
            }
        ],
    },
}

# What kubectl v1.32 printed for this pod (`kubectl describe pod p1`).
POD_TEXT = """\
Name:         p1
Namespace:    default
Priority:     0
Node:         n1/10.0.0.5
Start Time:   Wed, 01 Jan 2025 00:00:00 +0000
Labels:       app=web
Annotations:  <none>
Status:       Running
IP:           10.244.0.7
IPs:
  IP:  10.244.0.7
Containers:
  c:
    Container ID:  docker://abc
    Image:         busybox
    Image ID:      docker://sha
    Port:          <none>
    Host Port:     <none>
    Command:
      sleep
      1
    State:          Running
      Started:      Wed, 01 Jan 2025 00:00:00 +0000
    Last State:     Terminated
      Reason:       Error
      Exit Code:    1
      Started:      Wed, 01 Jan 2025 00:00:00 +0000
      Finished:     Wed, 01 Jan 2025 00:00:00 +0000
    Ready:          True
    Restart Count:  2
    Limits:
      cpu:  100m
    Requests:
      cpu:  100m
    Environment:
      A:     b
    Mounts:  <none>
Conditions:
  Type           Status
  Ready          True<space>
  PodScheduled   True<space>
Volumes:         <none>
QoS Class:       BestEffort
Node-Selectors:  <none>
Tolerations:     <none>
Events:          <none>
""".replace("<space>", " ")  # kubectl ends these two cells with a space


def _event(reason: str, message: str, count: int, first: str, last: str) -> dict[str, Any]:
    return {
        "type": "Normal",
        "reason": reason,
        "message": message,
        "count": count,
        "firstTimestamp": first,
        "lastTimestamp": last,
        "source": {"component": "deployment-controller"},
    }


def test_pod_matches_kubectl() -> None:
    assert describe(POD, Related(events=[], now=NOW)) == POD_TEXT


def test_events_table_with_repeats() -> None:
    events = [
        _event("ScalingReplicaSet", "Scaled up to 2", 2, T0, "2025-01-01T00:09:50Z"),
        _event("ScalingReplicaSet", "Scaled up to 1", 1, T0, T0),
    ]
    text = describe(POD, Related(events=events, now=NOW))
    assert text.endswith(
        "Events:\n"
        "  Type    Reason             Age                From                   Message\n"
        "  ----    ------             ----               ----                   -------\n"
        "  Normal  ScalingReplicaSet  10m                deployment-controller  Scaled up to 1\n"
        "  Normal  ScalingReplicaSet  10s (x2 over 10m)  deployment-controller  Scaled up to 2\n"
    )


DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {
        "name": "web",
        "namespace": "default",
        "uid": "d1",
        "creationTimestamp": T0,
        "labels": {"app": "web", "x": "y"},
        "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": "{}",
            "deployment.kubernetes.io/revision": "2",
        },
    },
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "containers": [
                    {"name": "web", "image": "httpd:v2", "ports": [{"containerPort": 8080}]}
                ]
            },
        },
    },
    "status": {"replicas": 3, "updatedReplicas": 3, "availableReplicas": 2},
}


def _rs(name: str, image: str, replicas: int) -> dict[str, Any]:
    template = {
        "metadata": {"labels": {"app": "web", "pod-template-hash": name[-3:]}},
        "spec": {
            "containers": [{"name": "web", "image": image, "ports": [{"containerPort": 8080}]}]
        },
    }
    return {
        "metadata": {"name": name, "ownerReferences": [{"uid": "d1", "controller": True}]},
        "spec": {"replicas": replicas, "template": template},
        "status": {"replicas": replicas},
    }


def test_deployment_sections() -> None:
    sets = [_rs("web-old", "httpd:v1", 1), _rs("web-new", "httpd:v2", 3), _rs("web-gone", "x", 0)]
    text = describe(DEPLOYMENT, Related(events=[], replica_sets=sets, now=NOW))
    lines = text.splitlines()
    assert lines[:4] == [
        "Name:                   web",
        "Namespace:              default",
        "CreationTimestamp:      Wed, 01 Jan 2025 00:00:00 +0000",
        "Labels:                 app=web",
    ]
    assert lines[4] == "                        x=y"
    # The last-applied annotation is not shown, as in kubectl.
    assert lines[5] == "Annotations:            deployment.kubernetes.io/revision: 2"
    assert (
        "Replicas:               3 desired | 3 updated | 3 total | 2 available | 0 unavailable"
        in lines
    )
    assert "RollingUpdateStrategy:  25% max unavailable, 25% max surge" in lines
    assert "    Port:          8080/TCP" in lines
    # Without conditions these lines join the block of the template's last lines.
    assert lines[-4:] == [
        "  Tolerations:     <none>",
        "OldReplicaSets:    web-old (1/1 replicas created)",
        "NewReplicaSet:     web-new (3/3 replicas created)",
        "Events:            <none>",
    ]


def test_split_replica_sets_ignores_sets_of_other_owners() -> None:
    foreign = _rs("other-abc", "httpd:v2", 3)
    foreign["metadata"]["ownerReferences"] = [{"uid": "zzz"}]
    old, new = split_replica_sets(DEPLOYMENT, [foreign])
    assert old == [] and new is None


def test_service_with_endpoints() -> None:
    service = {
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "type": "NodePort",
            "selector": {"app": "web"},
            "clusterIP": "10.96.0.10",
            "clusterIPs": ["10.96.0.10"],
            "ports": [{"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080}],
        },
    }
    endpoints = {
        "subsets": [
            {
                "addresses": [{"ip": f"10.244.0.{i}"} for i in range(1, 6)],
                "ports": [{"name": "http", "port": 8080}],
            }
        ]
    }
    lines = describe(service, Related(endpoints=endpoints, now=NOW)).splitlines()
    assert "Port:                     http  80/TCP" in lines
    assert "NodePort:                 http  30080/TCP" in lines
    assert (
        "Endpoints:                10.244.0.1:8080,10.244.0.2:8080,10.244.0.3:8080 + 2 more..."
        in lines
    )
    assert not any(line.startswith("Events") for line in lines)  # events not looked up


def test_node_lists_its_pods_and_allocations() -> None:
    node = {
        "kind": "Node",
        "metadata": {"name": "n1", "labels": {"node-role.kubernetes.io/worker": ""}},
        "spec": {"podCIDR": "10.244.0.0/24"},
        "status": {
            "allocatable": {"cpu": "4", "memory": "8Gi"},
            "addresses": [{"type": "InternalIP", "address": "10.0.0.5"}],
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
        },
    }
    pod = {**POD, "spec": {**POD["spec"]}}
    pod["spec"]["containers"] = [
        {"name": "c", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}}
    ]
    text = describe(node, Related(events=[], pods=[pod], lease_error="no lease", now=NOW))
    assert "Roles:              worker" in text
    assert "Lease:              Failed to get lease: no lease" in text
    assert "Non-terminated Pods:  (1 in total)" in text
    assert "  cpu                500m (12%)  0 (0%)" in text
    assert "  memory             1Gi (12%)   0 (0%)" in text


def test_unknown_kinds_get_a_generic_view() -> None:
    lease = {
        "kind": "Lease",
        "metadata": {"name": "n1", "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": "n1", "leaseDurationSeconds": 40},
    }
    text = describe(lease, Related(now=NOW))
    assert "Spec:\n  Holder Identity" not in text
    assert "  holderIdentity:        n1" in text


def test_selector_string() -> None:
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["b", "a"]},
            {"key": "legacy", "operator": "DoesNotExist"},
        ],
    }
    assert selector_string(selector) == "app=web,tier in (a,b),!legacy"
