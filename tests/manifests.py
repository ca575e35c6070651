"""Realistic manifests of every kind, as a user writes them, for the tests."""

from __future__ import annotations

import copy
from typing import Any


def _pod_template(app: str, image: str = "minik8s/httpd:latest") -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": app}},
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": image,
                    "ports": [{"containerPort": 8080, "name": "http"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                }
            ]
        },
    }


MANIFESTS: dict[str, dict[str, Any]] = {
    "namespaces": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}},
    "nodes": {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "x", "labels": {"kubernetes.io/hostname": "x"}},
        "spec": {"podCIDR": "10.244.7.0/24"},
    },
    "pods": {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "x", "labels": {"app": "web"}},
        "spec": _pod_template("web")["spec"],
    },
    "services": {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "x"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    },
    "endpoints": {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "x"},
        "subsets": [{"addresses": [{"ip": "10.244.0.5"}], "ports": [{"port": 8080}]}],
    },
    "configmaps": {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "x"},
        "data": {"greeting": "hello"},
    },
    "secrets": {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "x"},
        "data": {"password": "c2VjcmV0"},
    },
    "events": {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "x"},
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
        "reason": "Scheduled",
        "message": "Successfully assigned default/web to node1",
        "type": "Normal",
    },
    "serviceaccounts": {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "x"}},
    "persistentvolumes": {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": "x"},
        "spec": {
            "capacity": {"storage": "1Gi"},
            "accessModes": ["ReadWriteOnce"],
            "hostPath": {"path": "/srv/minik8s/x", "type": "DirectoryOrCreate"},
        },
    },
    "persistentvolumeclaims": {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "x"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    },
    "deployments": {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": _pod_template("web"),
        },
    },
    "replicasets": {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "x"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "rs"}},
            "template": _pod_template("rs"),
        },
    },
    "daemonsets": {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "x"},
        "spec": {"selector": {"matchLabels": {"app": "ds"}}, "template": _pod_template("ds")},
    },
    "statefulsets": {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "x"},
        "spec": {
            "serviceName": "db",
            "replicas": 1,
            "selector": {"matchLabels": {"app": "db"}},
            "template": _pod_template("db"),
        },
    },
    "controllerrevisions": {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": "x"},
        "data": {"spec": {"template": {"$patch": "replace", **_pod_template("db")}}},
        "revision": 1,
    },
    "jobs": {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "x"},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {"name": "pi", "image": "minik8s/busybox:latest", "command": ["true"]}
                    ],
                }
            }
        },
    },
    "cronjobs": {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "x"},
        "spec": {
            "schedule": "*/5 * * * *",
            "jobTemplate": {
                "spec": {
                    "template": {
                        "spec": {
                            "restartPolicy": "OnFailure",
                            "containers": [
                                {
                                    "name": "tick",
                                    "image": "minik8s/busybox:latest",
                                    "command": ["date"],
                                }
                            ],
                        }
                    }
                }
            },
        },
    },
    "leases": {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "x"},
        "spec": {"holderIdentity": "node1", "leaseDurationSeconds": 40},
    },
    "priorityclasses": {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": "x"},
        "value": 1000,
        "description": "a class for tests",
    },
    "replicationcontrollers": {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": "x"},
        "spec": {"replicas": 0, "selector": {"app": "web"}, "template": _pod_template("web")},
    },
    "poddisruptionbudgets": {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "x"},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
    },
    "roles": {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "x"},
        "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
    },
    "rolebindings": {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "x"},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "ServiceAccount", "name": "default"},
        ],
        "roleRef": {"kind": "Role", "name": "pod-reader"},
    },
    "clusterroles": {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "x"},
        "rules": [
            {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]},
            {"nonResourceURLs": ["/healthz", "/metrics"], "verbs": ["get"]},
        ],
        "aggregationRule": {
            "clusterRoleSelectors": [{"matchLabels": {"example.com/aggregate-to-x": "true"}}]
        },
    },
    "clusterrolebindings": {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "x"},
        "subjects": [
            {"kind": "Group", "name": "system:authenticated"},
            {"kind": "ServiceAccount", "name": "builder", "namespace": "ci"},
        ],
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
    },
    # An APIService's name is `<version>.<group>`: `manifest()` derives both from it.
    "apiservices": {
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": {"name": "v1.x.example.com"},
        "spec": {
            "group": "x.example.com",
            "version": "v1",
            "service": {"namespace": "default", "name": "x-api"},
            "groupPriorityMinimum": 1000,
            "versionPriority": 15,
        },
    },
    "horizontalpodautoscalers": {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "x"},
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
}


def manifest(plural: str, name: str, **meta: Any) -> dict[str, Any]:
    obj = copy.deepcopy(MANIFESTS[plural])
    obj["metadata"]["name"] = name
    obj["metadata"].update(meta)
    if plural == "apiservices":  # the name says which group-version it is
        version, _, group = name.partition(".")
        obj["spec"].update(version=version, group=group)
    return obj


def object_name(plural: str, name: str) -> str:
    """`name` made valid for the kind: an APIService's name is `<version>.<group>`."""
    return f"v1.{name}.example.com" if plural == "apiservices" else name
