"""Validation: each rule accepts a realistic manifest and names the exact field it rejects."""

from __future__ import annotations

import base64
import copy
import random
from collections.abc import Callable
from typing import Any

import pytest

from minik8s.api.defaults import apply_defaults
from minik8s.api.errors import (
    DUPLICATE,
    FORBIDDEN,
    INVALID,
    NOT_FOUND,
    NOT_SUPPORTED,
    REQUIRED,
    TOO_LONG,
    Cause,
)
from minik8s.api.resources import RESOURCES, ResourceInfo, resolve
from minik8s.api.validation import (
    is_dns1123_label,
    is_dns1123_subdomain,
    validate,
    validate_labels,
    validate_name,
)

Obj = dict[str, Any]


def _info(name: str) -> ResourceInfo:
    info = resolve(name)
    assert info is not None
    return info


def errors(kind: str, obj: Obj, old: Obj | None = None) -> list[Cause]:
    """Validate after defaulting, as the API server does."""
    info = _info(kind)
    apply_defaults(info, obj)
    if old is not None:
        apply_defaults(info, old)
    return validate(info, obj, old)


def fields(causes: list[Cause]) -> list[str]:
    return [c.field for c in causes]


def only(causes: list[Cause], field: str, reason: str | None = None) -> Cause:
    """Assert that exactly one error was reported, for `field`; return it."""
    assert fields(causes) == [field], [c.describe() for c in causes]
    if reason is not None:
        assert causes[0].reason == reason, causes[0]
    return causes[0]


# --------------------------------------------------------------------------- fixtures


def container(**extra: Any) -> Obj:
    return {
        "name": "web",
        "image": "minik8s/httpd:v2",
        "ports": [{"name": "http", "containerPort": 8080}],
        "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5},
        "resources": {
            "requests": {"cpu": "100m", "memory": "64Mi"},
            "limits": {"cpu": "500m", "memory": "128Mi"},
        },
        "env": [
            {"name": "GREETING", "value": "hello"},
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        ],
        "volumeMounts": [{"name": "config", "mountPath": "/etc/web"}],
        **extra,
    }


def pod_spec() -> Obj:
    return {
        "containers": [container()],
        "volumes": [{"name": "config", "configMap": {"name": "web-config"}}],
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": [
            {"key": "dedicated", "operator": "Equal", "value": "web", "effect": "NoSchedule"}
        ],
    }


def pod() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web-0", "namespace": "default", "labels": {"app": "web"}},
        "spec": pod_spec(),
    }


def deployment() -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web", "tier": "frontend"}},
                "spec": pod_spec(),
            },
        },
    }


def statefulset() -> Obj:
    sts = deployment()
    sts["kind"] = "StatefulSet"
    sts["spec"]["serviceName"] = "web"
    return sts


def daemonset() -> Obj:
    ds = deployment()
    ds["kind"] = "DaemonSet"
    del ds["spec"]["replicas"]
    return ds


def job() -> Obj:
    spec = pod_spec()
    spec["restartPolicy"] = "Never"
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "pi"},
        "spec": {"backoffLimit": 4, "template": {"spec": spec}},
    }


def cronjob() -> Obj:
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "report"},
        "spec": {
            "schedule": "*/5 * * * *",
            "jobTemplate": {"spec": copy.deepcopy(job()["spec"])},
        },
    }


def service() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def node() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": "node-1", "labels": {"kubernetes.io/hostname": "node-1"}},
        "spec": {
            "podCIDR": "10.244.1.0/24",
            "podCIDRs": ["10.244.1.0/24"],
            "taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
        },
    }


def secret() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db"},
        "data": {"password": base64.b64encode(b"s3cret").decode()},
        "stringData": {"user": "admin"},
    }


def configmap() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "web-config"},
        "data": {"index.html": "<h1>hi</h1>", "LOG_LEVEL": "debug"},
        "binaryData": {"logo.png": base64.b64encode(b"\x89PNG").decode()},
    }


def endpoints() -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "web"},
        "subsets": [
            {
                "addresses": [{"ip": "10.244.1.5", "targetRef": {"kind": "Pod", "name": "w"}}],
                "notReadyAddresses": [{"ip": "10.244.2.7"}],
                "ports": [{"name": "http", "port": 8080}],
            }
        ],
    }


def hpa() -> Obj:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2,
            "maxReplicas": 10,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 70},
                    },
                }
            ],
        },
    }


def lease() -> Obj:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "node-1", "namespace": "kube-node-lease"},
        "spec": {
            "holderIdentity": "node-1",
            "leaseDurationSeconds": 40,
            "renewTime": "2024-01-01T00:00:00.000000Z",
        },
    }


VALID: dict[str, Callable[[], Obj]] = {
    "pods": pod,
    "deployments": deployment,
    "replicasets": deployment,
    "statefulsets": statefulset,
    "daemonsets": daemonset,
    "jobs": job,
    "cronjobs": cronjob,
    "services": service,
    "nodes": node,
    "secrets": secret,
    "configmaps": configmap,
    "endpoints": endpoints,
    "hpa": hpa,
    "leases": lease,
    "namespaces": lambda: {"metadata": {"name": "team-a"}},
    "serviceaccounts": lambda: {"metadata": {"name": "builder"}, "secrets": [{"name": "tok"}]},
    "events": lambda: {
        "metadata": {"name": "web-0.17a2b3c4d5e6f7"},
        "involvedObject": {"kind": "Pod", "name": "web-0", "namespace": "default"},
        "reason": "Scheduled",
        "message": "Successfully assigned default/web-0 to node-1",
        "type": "Normal",
        "count": 1,
    },
}


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_manifests(kind: str) -> None:
    assert errors(kind, VALID[kind]()) == []


@pytest.mark.parametrize("kind", sorted(VALID))
def test_unchanged_update_is_valid(kind: str) -> None:
    assert errors(kind, VALID[kind](), VALID[kind]()) == []


# --------------------------------------------------------------------------- names & labels


@pytest.mark.parametrize("name", ["a", "web", "web-1", "1web", "a" * 63])
def test_dns1123_label_ok(name: str) -> None:
    assert is_dns1123_label(name)


@pytest.mark.parametrize("name", ["", "Web", "web_1", "-web", "web-", "a.b", "a" * 64, "wéb"])
def test_dns1123_label_bad(name: str) -> None:
    assert not is_dns1123_label(name)


@pytest.mark.parametrize("name", ["web", "web.v1", "node-1.example.com", "a" * 253])
def test_dns1123_subdomain_ok(name: str) -> None:
    assert is_dns1123_subdomain(name)


@pytest.mark.parametrize("name", ["", "Web", "a..b", ".a", "a.", "a_b", "a" * 254])
def test_dns1123_subdomain_bad(name: str) -> None:
    assert not is_dns1123_subdomain(name)


@pytest.mark.parametrize(
    ("kind", "name", "ok"),
    [
        ("deployments", "web.v1", True),
        ("deployments", "Web", False),
        ("namespaces", "team-a", True),
        ("namespaces", "team.a", False),
        ("services", "web", True),
        ("services", "web.v1", False),
        ("services", "1web", False),  # Services are DNS-1035 labels: a letter first
        ("nodes", "node-1.lab.local", True),
        ("events", "web-0.17a2b3c4", True),
        ("leases", "kube-scheduler", True),
        ("cronjobs", "a" * 52, True),
        ("cronjobs", "a" * 53, False),
        ("hpa", "Web_Scaler", True),
        ("hpa", "a/b", False),
        ("hpa", "..", False),
    ],
)
def test_validate_name(kind: str, name: str, ok: bool) -> None:
    assert (validate_name(_info(kind), name) == []) is ok


@pytest.mark.parametrize(
    "labels",
    [
        {"app": "web"},
        {"app.kubernetes.io/name": "web", "example.com/tier": ""},
        {"Version": "V1.2_3"},
        {"a" * 63: "b" * 63},
        None,
    ],
)
def test_labels_ok(labels: Any) -> None:
    assert validate_labels(labels, "metadata.labels") == []


@pytest.mark.parametrize(
    "labels",
    [
        {"-app": "web"},
        {"a/b/c": "x"},
        {"Example.com/x": "y"},
        {"/x": "y"},
        {"x/": "y"},
        {"a" * 64: "x"},
        {"app": "-web"},
        {"app": "has space"},
        {"app": "b" * 64},
        {"app": 5},
        ["app=web"],
    ],
)
def test_labels_bad(labels: Any) -> None:
    causes = validate_labels(labels, "spec.selector")
    assert causes and set(fields(causes)) == {"spec.selector"}


# --------------------------------------------------------------------------- metadata


def test_name_required() -> None:
    obj = deployment()
    del obj["metadata"]["name"]
    only(errors("deployments", obj), "metadata.name", REQUIRED)


def test_generate_name_still_needs_name() -> None:
    obj = deployment()
    obj["metadata"] = {"generateName": "web-"}
    only(errors("deployments", obj), "metadata.name", REQUIRED)
    obj["metadata"]["name"] = "web-x7k2p"
    assert errors("deployments", obj) == []


def test_bad_generate_name() -> None:
    obj = deployment()
    obj["metadata"]["generateName"] = "Web_"
    only(errors("deployments", obj), "metadata.generateName")


def test_bad_name() -> None:
    obj = deployment()
    obj["metadata"]["name"] = "Web_App"
    cause = only(errors("deployments", obj), "metadata.name", INVALID)
    assert "RFC 1123 subdomain" in cause.message


def test_bad_namespace() -> None:
    obj = pod()
    obj["metadata"]["namespace"] = "Team_A"
    only(errors("pods", obj), "metadata.namespace")


def test_namespace_on_cluster_scoped_kind() -> None:
    obj = node()
    obj["metadata"]["namespace"] = "default"
    only(errors("nodes", obj), "metadata.namespace", FORBIDDEN)


def test_metadata_wrong_type() -> None:
    obj = deployment()
    obj["metadata"]["labels"] = ["app=web"]
    assert "metadata.labels" in fields(errors("deployments", obj))


def test_annotation_keys() -> None:
    obj = pod()
    obj["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
        "Example.COM/Note": "ok",
    }
    assert errors("pods", obj) == []
    obj["metadata"]["annotations"] = {"bad key": "x"}
    only(errors("pods", obj), "metadata.annotations")


def test_annotations_too_large() -> None:
    obj = pod()
    obj["metadata"]["annotations"] = {"big": "x" * (256 * 1024)}
    only(errors("pods", obj), "metadata.annotations", TOO_LONG)


def test_owner_references() -> None:
    ref = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "web-5d4f",
        "uid": "u-1",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    obj = pod()
    obj["metadata"]["ownerReferences"] = [ref]
    assert errors("pods", obj) == []
    del obj["metadata"]["ownerReferences"][0]["uid"]
    only(errors("pods", obj), "metadata.ownerReferences[0].uid", REQUIRED)


def test_only_one_controller_reference() -> None:
    ref = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "a",
        "uid": "1",
        "controller": True,
    }
    obj = pod()
    obj["metadata"]["ownerReferences"] = [ref, {**ref, "name": "b", "uid": "2"}]
    only(errors("pods", obj), "metadata.ownerReferences")


def test_finalizers() -> None:
    obj = pod()
    obj["metadata"]["finalizers"] = [
        "kubernetes",
        "foregroundDeletion",
        "orphan",
        "example.com/cleanup",
    ]
    assert errors("pods", obj) == []
    obj["metadata"]["finalizers"] = ["example.com/a/b"]
    only(errors("pods", obj), "metadata.finalizers")


def test_name_is_immutable() -> None:
    new = deployment()
    new["metadata"]["name"] = "other"
    cause = only(errors("deployments", new, deployment()), "metadata.name")
    assert "field is immutable" in cause.message


# --------------------------------------------------------------------------- pods

C0 = "spec.containers[0]"


def _pod_with(**container_fields: Any) -> Obj:
    obj = pod()
    obj["spec"]["containers"][0].update(container_fields)
    return obj


@pytest.mark.parametrize("containers", [None, []])
def test_containers_required(containers: Any) -> None:
    obj = pod()
    obj["spec"]["containers"] = containers
    only(errors("pods", obj), "spec.containers", REQUIRED)


def test_pod_without_spec() -> None:
    obj = pod()
    del obj["spec"]
    only(errors("pods", obj), "spec.containers", REQUIRED)


def test_container_name_format() -> None:
    only(errors("pods", _pod_with(name="Web_1")), f"{C0}.name")


def test_container_name_required() -> None:
    obj = pod()
    del obj["spec"]["containers"][0]["name"]
    only(errors("pods", obj), f"{C0}.name", REQUIRED)


def test_container_names_unique_across_init_containers() -> None:
    obj = pod()
    obj["spec"]["initContainers"] = [{"name": "web", "image": "minik8s/busybox"}]
    only(errors("pods", obj), f"{C0}.name", DUPLICATE)


def test_image_required() -> None:
    obj = pod()
    del obj["spec"]["containers"][0]["image"]
    only(errors("pods", obj), f"{C0}.image", REQUIRED)


def test_init_container_image_required() -> None:
    obj = pod()
    obj["spec"]["initContainers"] = [{"name": "init"}]
    only(errors("pods", obj), "spec.initContainers[0].image", REQUIRED)


@pytest.mark.parametrize("port", [0, 65536, -1])
def test_container_port_range(port: int) -> None:
    cause = only(
        errors("pods", _pod_with(ports=[{"containerPort": port}])), f"{C0}.ports[0].containerPort"
    )
    assert "between 1 and 65535" in cause.message


def test_container_port_required() -> None:
    only(
        errors("pods", _pod_with(ports=[{"name": "http"}])),
        f"{C0}.ports[0].containerPort",
        REQUIRED,
    )


def test_host_port() -> None:
    assert errors("pods", _pod_with(ports=[{"containerPort": 80, "hostPort": 8080}])) == []
    only(
        errors("pods", _pod_with(ports=[{"containerPort": 80, "hostPort": 70000}])),
        f"{C0}.ports[0].hostPort",
    )


def test_host_port_conflict_between_containers() -> None:
    obj = _pod_with(ports=[{"containerPort": 80, "hostPort": 8080}])
    obj["spec"]["containers"].append(
        {"name": "side", "image": "x:1", "ports": [{"containerPort": 81, "hostPort": 8080}]}
    )
    only(errors("pods", obj), "spec.containers[1].ports[0].hostPort", DUPLICATE)


def test_port_protocol() -> None:
    assert errors("pods", _pod_with(ports=[{"containerPort": 53, "protocol": "UDP"}])) == []
    only(
        errors("pods", _pod_with(ports=[{"containerPort": 80, "protocol": "HTTP"}])),
        f"{C0}.ports[0].protocol",
        NOT_SUPPORTED,
    )


@pytest.mark.parametrize("name", ["http_web", "8080", "a-very-long-port-name", "-http", "a--b"])
def test_port_name_format(name: str) -> None:
    obj = _pod_with(ports=[{"containerPort": 80, "name": name}], readinessProbe=None)
    only(errors("pods", obj), f"{C0}.ports[0].name")


def test_port_names_unique() -> None:
    ports = [{"containerPort": 80, "name": "http"}, {"containerPort": 81, "name": "http"}]
    only(errors("pods", _pod_with(ports=ports)), f"{C0}.ports[1].name", DUPLICATE)


def test_env_name_format() -> None:
    only(errors("pods", _pod_with(env=[{"name": "1ST", "value": "x"}])), f"{C0}.env[0].name")
    assert errors("pods", _pod_with(env=[{"name": "my.env-NAME_1", "value": "x"}])) == []


def test_env_name_required() -> None:
    only(errors("pods", _pod_with(env=[{"value": "x"}])), f"{C0}.env[0].name", REQUIRED)


def test_env_value_from_needs_exactly_one_source() -> None:
    two = {
        "fieldRef": {"fieldPath": "metadata.name"},
        "secretKeyRef": {"name": "db", "key": "password"},
    }
    only(errors("pods", _pod_with(env=[{"name": "A", "valueFrom": two}])), f"{C0}.env[0].valueFrom")
    only(
        errors("pods", _pod_with(env=[{"name": "A", "valueFrom": {}}])),
        f"{C0}.env[0].valueFrom",
        REQUIRED,
    )


def test_env_value_and_value_from() -> None:
    env = {"name": "A", "value": "x", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "a"}}}
    only(errors("pods", _pod_with(env=[env])), f"{C0}.env[0].valueFrom")


def test_env_field_paths() -> None:
    good = ["metadata.namespace", "status.podIP", "spec.nodeName", "metadata.labels['app']"]
    env = [
        {"name": f"E{i}", "valueFrom": {"fieldRef": {"fieldPath": p}}} for i, p in enumerate(good)
    ]
    assert errors("pods", _pod_with(env=env)) == []
    bad = [{"name": "E", "valueFrom": {"fieldRef": {"fieldPath": "spec.containers"}}}]
    only(
        errors("pods", _pod_with(env=bad)),
        f"{C0}.env[0].valueFrom.fieldRef.fieldPath",
        NOT_SUPPORTED,
    )


def test_env_key_ref_needs_key() -> None:
    env = [{"name": "E", "valueFrom": {"secretKeyRef": {"name": "db"}}}]
    only(errors("pods", _pod_with(env=env)), f"{C0}.env[0].valueFrom.secretKeyRef.key", REQUIRED)


def test_env_from() -> None:
    assert errors("pods", _pod_with(envFrom=[{"configMapRef": {"name": "cfg"}}])) == []
    only(errors("pods", _pod_with(envFrom=[{"prefix": "X_"}])), f"{C0}.envFrom[0]", REQUIRED)


def test_restart_policy() -> None:
    obj = pod()
    obj["spec"]["restartPolicy"] = "Sometimes"
    only(errors("pods", obj), "spec.restartPolicy", NOT_SUPPORTED)


def test_dns_policy() -> None:
    obj = pod()
    obj["spec"]["dnsPolicy"] = "Google"
    only(errors("pods", obj), "spec.dnsPolicy", NOT_SUPPORTED)
    obj["spec"]["dnsPolicy"] = "None"
    only(errors("pods", obj), "spec.dnsConfig", REQUIRED)
    obj["spec"]["dnsConfig"] = {"nameservers": ["1.1.1.1"]}
    assert errors("pods", obj) == []


def test_image_pull_policy() -> None:
    only(
        errors("pods", _pod_with(imagePullPolicy="Sometimes")),
        f"{C0}.imagePullPolicy",
        NOT_SUPPORTED,
    )


def test_resource_quantity_must_parse() -> None:
    resources = {"limits": {"cpu": "lots"}, "requests": {"cpu": "1"}}
    cause = only(errors("pods", _pod_with(resources=resources)), f"{C0}.resources.limits[cpu]")
    assert "quantities must match" in cause.message


def test_resource_quantity_not_negative() -> None:
    only(
        errors("pods", _pod_with(resources={"requests": {"memory": "-1Mi"}})),
        f"{C0}.resources.requests[memory]",
    )


def test_requests_not_above_limits() -> None:
    resources = {
        "requests": {"cpu": "1", "memory": "1Gi"},
        "limits": {"cpu": "500m", "memory": "2Gi"},
    }
    cause = only(errors("pods", _pod_with(resources=resources)), f"{C0}.resources.requests[cpu]")
    assert "must be less than or equal to cpu limit of 500m" in cause.message


def test_extended_resource_names() -> None:
    resources = {"limits": {"nvidia.com/gpu": 1}}
    assert errors("pods", _pod_with(resources=resources)) == []
    causes = errors("pods", _pod_with(resources={"limits": {"bad name": 1}}))
    # the limit is copied into requests by defaulting, so both are reported, as Kubernetes does
    assert fields(causes) == [
        f"{C0}.resources.limits[bad name]",
        f"{C0}.resources.requests[bad name]",
    ]


def test_volume_names_unique() -> None:
    obj = pod()
    obj["spec"]["volumes"].append({"name": "config", "emptyDir": {}})
    only(errors("pods", obj), "spec.volumes[1].name", DUPLICATE)


def test_volume_needs_a_source() -> None:
    obj = pod()
    obj["spec"]["volumes"].append({"name": "data"})
    only(errors("pods", obj), "spec.volumes[1]", REQUIRED)


def test_volume_only_one_source() -> None:
    obj = pod()
    obj["spec"]["volumes"][0]["emptyDir"] = {}
    only(errors("pods", obj), "spec.volumes[0].configMap", FORBIDDEN)


def test_volume_sources() -> None:
    obj = pod()
    obj["spec"]["volumes"] += [
        {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}},
        {"name": "logs", "hostPath": {"path": "/var/log", "type": "Directory"}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
        {
            "name": "tok",
            "secret": {
                "secretName": "tok",
                "defaultMode": 0o400,
                "items": [{"key": "a", "path": "a.txt"}],
            },
        },
    ]
    assert errors("pods", obj) == []
    obj["spec"]["volumes"][2]["hostPath"]["type"] = "Folder"
    only(errors("pods", obj), "spec.volumes[2].hostPath.type", NOT_SUPPORTED)
    obj["spec"]["volumes"][2]["hostPath"]["type"] = "Directory"
    del obj["spec"]["volumes"][3]["persistentVolumeClaim"]["claimName"]
    only(errors("pods", obj), "spec.volumes[3].persistentVolumeClaim.claimName", REQUIRED)


def test_volume_mount_refers_to_volume() -> None:
    cause = only(
        errors("pods", _pod_with(volumeMounts=[{"name": "nope", "mountPath": "/x"}])),
        f"{C0}.volumeMounts[0].name",
        NOT_FOUND,
    )
    assert cause.message == 'Not found: "nope"'


def test_volume_mount_path_required() -> None:
    only(
        errors("pods", _pod_with(volumeMounts=[{"name": "config"}])),
        f"{C0}.volumeMounts[0].mountPath",
        REQUIRED,
    )


def test_volume_mount_sub_path() -> None:
    mounts = [{"name": "config", "mountPath": "/x", "subPath": "../etc"}]
    only(errors("pods", _pod_with(volumeMounts=mounts)), f"{C0}.volumeMounts[0].subPath")


def test_probe_needs_a_handler() -> None:
    only(
        errors("pods", _pod_with(livenessProbe={"periodSeconds": 10})),
        f"{C0}.livenessProbe",
        REQUIRED,
    )


def test_probe_only_one_handler() -> None:
    probe = {"httpGet": {"port": 8080}, "tcpSocket": {"port": 8080}}
    only(errors("pods", _pod_with(livenessProbe=probe)), f"{C0}.livenessProbe.tcpSocket", FORBIDDEN)


@pytest.mark.parametrize(
    "key", ["periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold"]
)
def test_probe_thresholds(key: str) -> None:
    probe = {"tcpSocket": {"port": 8080}, key: 0}
    only(errors("pods", _pod_with(readinessProbe=probe)), f"{C0}.readinessProbe.{key}")


def test_liveness_success_threshold_must_be_one() -> None:
    probe = {"exec": {"command": ["true"]}, "successThreshold": 2}
    only(errors("pods", _pod_with(livenessProbe=probe)), f"{C0}.livenessProbe.successThreshold")
    assert errors("pods", _pod_with(readinessProbe=probe)) == []


def test_probe_ports() -> None:
    assert errors("pods", _pod_with(livenessProbe={"grpc": {"port": 9090}})) == []
    probe = {"httpGet": {"port": "8080"}}  # a string port must be a name
    only(errors("pods", _pod_with(livenessProbe=probe)), f"{C0}.livenessProbe.httpGet.port")
    only(
        errors("pods", _pod_with(livenessProbe={"tcpSocket": {}})),
        f"{C0}.livenessProbe.tcpSocket.port",
        REQUIRED,
    )


def test_init_containers_may_not_have_probes() -> None:
    obj = pod()
    init = {"name": "init", "image": "busybox:1", "readinessProbe": {"tcpSocket": {"port": 1}}}
    obj["spec"]["initContainers"] = [init]
    only(errors("pods", obj), "spec.initContainers[0].readinessProbe", FORBIDDEN)
    init["restartPolicy"] = "Always"  # a sidecar may
    assert errors("pods", obj) == []


def test_termination_grace_period() -> None:
    obj = pod()
    obj["spec"]["terminationGracePeriodSeconds"] = -1
    only(errors("pods", obj), "spec.terminationGracePeriodSeconds")


def test_node_selector_labels() -> None:
    obj = pod()
    obj["spec"]["nodeSelector"] = {"disk": "fast ssd"}
    only(errors("pods", obj), "spec.nodeSelector")


@pytest.mark.parametrize(
    ("toleration", "field", "reason"),
    [
        ({"key": "k", "operator": "Exists", "value": "v"}, "operator", INVALID),
        ({"key": "k", "operator": "Maybe"}, "operator", NOT_SUPPORTED),
        ({"key": "k", "value": "v", "effect": "NoWay"}, "effect", NOT_SUPPORTED),
        ({"operator": "Equal", "value": "v"}, "operator", INVALID),
        (
            {"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 5},
            "effect",
            INVALID,
        ),
        ({"key": "bad key", "operator": "Exists"}, "key", INVALID),
    ],
)
def test_tolerations(toleration: Obj, field: str, reason: str) -> None:
    obj = pod()
    obj["spec"]["tolerations"].append(toleration)
    only(errors("pods", obj), f"spec.tolerations[1].{field}", reason)


def test_valid_tolerations() -> None:
    obj = pod()
    obj["spec"]["tolerations"] += [
        {"operator": "Exists"},
        {
            "key": "node.kubernetes.io/not-ready",
            "operator": "Exists",
            "effect": "NoExecute",
            "tolerationSeconds": 300,
        },
        {"key": "k", "effect": ""},
    ]
    assert errors("pods", obj) == []


def _affinity_pod(affinity: Obj) -> Obj:
    obj = pod()
    obj["spec"]["affinity"] = affinity
    return obj


def _node_affinity(*exprs: Obj) -> Obj:
    term = {"matchExpressions": list(exprs)}
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}
        }
    }


NODE_TERM = (
    "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
    "nodeSelectorTerms[0].matchExpressions[0]"
)


def test_node_affinity() -> None:
    good = _node_affinity(
        {"key": "zone", "operator": "In", "values": ["a", "b"]},
        {"key": "gpu", "operator": "DoesNotExist"},
        {"key": "cores", "operator": "Gt", "values": ["4"]},
    )
    assert errors("pods", _affinity_pod(good)) == []
    bad_op = _node_affinity({"key": "zone", "operator": "Near", "values": ["a"]})
    only(errors("pods", _affinity_pod(bad_op)), f"{NODE_TERM}.operator", NOT_SUPPORTED)
    no_values = _node_affinity({"key": "zone", "operator": "In"})
    only(errors("pods", _affinity_pod(no_values)), f"{NODE_TERM}.values", REQUIRED)
    not_int = _node_affinity({"key": "cores", "operator": "Lt", "values": ["many"]})
    only(errors("pods", _affinity_pod(not_int)), f"{NODE_TERM}.values[0]")
    extra = _node_affinity({"key": "gpu", "operator": "Exists", "values": ["x"]})
    only(errors("pods", _affinity_pod(extra)), f"{NODE_TERM}.values", FORBIDDEN)


def test_pod_anti_affinity() -> None:
    term: Obj = {
        "labelSelector": {"matchLabels": {"app": "web"}},
        "topologyKey": "kubernetes.io/hostname",
    }
    affinity: Obj = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [term],
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 50, "podAffinityTerm": copy.deepcopy(term)}
            ],
        }
    }
    assert errors("pods", _affinity_pod(affinity)) == []
    del term["topologyKey"]
    only(
        errors("pods", _affinity_pod(affinity)),
        "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]"
        ".topologyKey",
        REQUIRED,
    )
    term["topologyKey"] = "zone"
    affinity["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"] = 0
    only(
        errors("pods", _affinity_pod(affinity)),
        "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight",
    )


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (["spec", "containers"], "web", "spec.containers"),
        (["spec", "containers", 0], "web", "spec.containers[0]"),
        (["spec", "terminationGracePeriodSeconds"], "30", "spec.terminationGracePeriodSeconds"),
        (["spec", "hostNetwork"], "yes", "spec.hostNetwork"),
        (
            ["spec", "containers", 0, "ports", 0, "containerPort"],
            "8080",
            f"{C0}.ports[0].containerPort",
        ),
        (["spec", "containers", 0, "env"], {"A": "b"}, f"{C0}.env"),
        (["spec", "containers", 0, "command"], "sleep 1", f"{C0}.command"),
        (["spec", "volumes"], {"config": {}}, "spec.volumes"),
    ],
)
def test_wrong_types_are_causes(path: list[Any], value: Any, field: str) -> None:
    obj = pod()
    target: Any = obj
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    causes = errors("pods", obj)
    assert field in fields(causes)
    assert any("must be" in c.message for c in causes if c.field == field)


def test_errors_are_all_collected() -> None:
    obj = _pod_with(name="Bad_Name", image="", imagePullPolicy="Sometimes")
    obj["spec"]["restartPolicy"] = "Sometimes"
    assert set(fields(errors("pods", obj))) == {
        f"{C0}.name",
        f"{C0}.image",
        f"{C0}.imagePullPolicy",
        "spec.restartPolicy",
    }


# --------------------------------------------------------------------------- pod updates


def _stored_pod() -> Obj:
    obj = pod()
    obj["spec"]["nodeName"] = "node-1"
    return obj


def test_pod_update_may_change_image() -> None:
    new = _stored_pod()
    new["spec"]["containers"][0]["image"] = "minik8s/httpd:v3"
    new["spec"]["activeDeadlineSeconds"] = 600
    new["spec"]["tolerations"].append({"operator": "Exists"})
    new["metadata"]["labels"]["version"] = "v3"
    assert errors("pods", new, _stored_pod()) == []


def test_pod_update_may_not_change_other_fields() -> None:
    new = _stored_pod()
    new["spec"]["containers"][0]["command"] = ["sh"]
    cause = only(errors("pods", new, _stored_pod()), "spec", FORBIDDEN)
    assert "pod updates may not change fields other than" in cause.message


def test_pod_update_may_not_change_node_name() -> None:
    new = _stored_pod()
    new["spec"]["nodeName"] = "node-2"
    only(errors("pods", new, _stored_pod()), "spec", FORBIDDEN)
    new["spec"]["nodeName"] = "node-1"
    old = _stored_pod()
    del old["spec"]["nodeName"]
    only(errors("pods", new, old), "spec", FORBIDDEN)


def test_pod_update_may_only_shorten_deadline() -> None:
    old = _stored_pod()
    old["spec"]["activeDeadlineSeconds"] = 60
    new = copy.deepcopy(old)
    new["spec"]["activeDeadlineSeconds"] = 30
    assert errors("pods", new, copy.deepcopy(old)) == []
    new["spec"]["activeDeadlineSeconds"] = 120
    only(errors("pods", new, old), "spec.activeDeadlineSeconds")


# --------------------------------------------------------------------------- apps/v1

WORKLOADS = ["deployments", "replicasets", "statefulsets", "daemonsets"]


def _workload(kind: str) -> Obj:
    return VALID[kind]()


@pytest.mark.parametrize("kind", WORKLOADS)
def test_selector_required(kind: str) -> None:
    obj = _workload(kind)
    del obj["spec"]["selector"]
    only(errors(kind, obj), "spec.selector", REQUIRED)


@pytest.mark.parametrize("kind", WORKLOADS)
def test_selector_not_empty(kind: str) -> None:
    obj = _workload(kind)
    obj["spec"]["selector"] = {}
    cause = only(errors(kind, obj), "spec.selector")
    assert "empty selector is invalid" in cause.message


@pytest.mark.parametrize("kind", WORKLOADS)
def test_selector_must_match_template(kind: str) -> None:
    obj = _workload(kind)
    obj["spec"]["template"]["metadata"]["labels"] = {"app": "api"}
    cause = only(errors(kind, obj), "spec.template.metadata.labels")
    assert "`selector` does not match template `labels`" in cause.message


@pytest.mark.parametrize("kind", WORKLOADS)
def test_template_required(kind: str) -> None:
    obj = _workload(kind)
    del obj["spec"]["template"]
    only(errors(kind, obj), "spec.template", REQUIRED)


@pytest.mark.parametrize("kind", WORKLOADS)
def test_template_restart_policy_always(kind: str) -> None:
    obj = _workload(kind)
    obj["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    only(errors(kind, obj), "spec.template.spec.restartPolicy", NOT_SUPPORTED)


@pytest.mark.parametrize("kind", WORKLOADS)
def test_template_pod_spec_is_validated(kind: str) -> None:
    obj = _workload(kind)
    del obj["spec"]["template"]["spec"]["containers"][0]["image"]
    only(errors(kind, obj), "spec.template.spec.containers[0].image", REQUIRED)


@pytest.mark.parametrize("kind", WORKLOADS)
def test_template_active_deadline_forbidden(kind: str) -> None:
    obj = _workload(kind)
    obj["spec"]["template"]["spec"]["activeDeadlineSeconds"] = 10
    only(errors(kind, obj), "spec.template.spec.activeDeadlineSeconds", FORBIDDEN)


@pytest.mark.parametrize("kind", WORKLOADS)
def test_selector_is_immutable(kind: str) -> None:
    new = _workload(kind)
    new["spec"]["selector"]["matchLabels"]["tier"] = "frontend"
    causes = errors(kind, new, _workload(kind))
    assert fields(causes) == ["spec.selector" if kind != "statefulsets" else "spec"]


@pytest.mark.parametrize(
    "expressions",
    [
        [{"key": "app", "operator": "In", "values": ["web", "www"]}],
        [{"key": "tier", "operator": "Exists"}, {"key": "canary", "operator": "DoesNotExist"}],
        [{"key": "app", "operator": "NotIn", "values": ["api"]}],
    ],
)
def test_match_expressions_matching(expressions: list[Obj]) -> None:
    obj = deployment()
    obj["spec"]["selector"] = {"matchExpressions": expressions}
    assert errors("deployments", obj) == []


@pytest.mark.parametrize(
    "expressions",
    [
        [{"key": "app", "operator": "In", "values": ["api"]}],
        [{"key": "tier", "operator": "DoesNotExist"}],
        [{"key": "app", "operator": "NotIn", "values": ["web"]}],
    ],
)
def test_match_expressions_not_matching(expressions: list[Obj]) -> None:
    obj = deployment()
    obj["spec"]["selector"] = {"matchLabels": {"app": "web"}, "matchExpressions": expressions}
    only(errors("deployments", obj), "spec.template.metadata.labels")


@pytest.mark.parametrize(
    ("expr", "field", "reason"),
    [
        ({"key": "app", "operator": "Near", "values": ["x"]}, "operator", NOT_SUPPORTED),
        ({"key": "app", "operator": "In"}, "values", REQUIRED),
        ({"key": "app", "operator": "In", "values": []}, "values", REQUIRED),
        ({"key": "app", "operator": "Exists", "values": ["web"]}, "values", FORBIDDEN),
        ({"key": "app", "operator": "In", "values": ["bad value"]}, "values[0]", INVALID),
        ({"operator": "Exists"}, "key", REQUIRED),
        ({"key": "app"}, "operator", REQUIRED),
    ],
)
def test_match_expression_rules(expr: Obj, field: str, reason: str) -> None:
    obj = deployment()
    obj["spec"]["selector"] = {"matchLabels": {"app": "web"}, "matchExpressions": [expr]}
    only(errors("deployments", obj), f"spec.selector.matchExpressions[0].{field}", reason)


@pytest.mark.parametrize("kind", ["deployments", "replicasets", "statefulsets"])
def test_replicas(kind: str) -> None:
    obj = _workload(kind)
    obj["spec"]["replicas"] = 0
    assert errors(kind, obj) == []
    obj["spec"]["replicas"] = -1
    cause = only(errors(kind, obj), "spec.replicas")
    assert cause.message == "Invalid value: -1: must be greater than or equal to 0"
    obj["spec"]["replicas"] = "three"
    assert only(errors(kind, obj), "spec.replicas").message.endswith("must be an integer")


@pytest.mark.parametrize(
    "rolling",
    [
        {"maxSurge": 1, "maxUnavailable": 0},
        {"maxSurge": "30%", "maxUnavailable": "0%"},
        {"maxSurge": 0, "maxUnavailable": "100%"},
    ],
)
def test_deployment_rolling_update_ok(rolling: Obj) -> None:
    obj = deployment()
    obj["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": rolling}
    assert errors("deployments", obj) == []


@pytest.mark.parametrize(
    ("rolling", "field"),
    [
        ({"maxSurge": "abc"}, "maxSurge"),
        ({"maxSurge": "-1%"}, "maxSurge"),
        ({"maxSurge": -1}, "maxSurge"),
        ({"maxSurge": 1.5}, "maxSurge"),
        ({"maxUnavailable": "150%"}, "maxUnavailable"),
        ({"maxSurge": 0, "maxUnavailable": 0}, "maxUnavailable"),
        ({"maxSurge": "0%", "maxUnavailable": 0}, "maxUnavailable"),
    ],
)
def test_deployment_rolling_update_bad(rolling: Obj, field: str) -> None:
    obj = deployment()
    obj["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": rolling}
    only(errors("deployments", obj), f"spec.strategy.rollingUpdate.{field}")


def test_deployment_strategy_type() -> None:
    obj = deployment()
    obj["spec"]["strategy"] = {"type": "Recreate"}
    assert errors("deployments", obj) == []
    obj["spec"]["strategy"] = {"type": "BlueGreen"}
    only(errors("deployments", obj), "spec.strategy.type", NOT_SUPPORTED)
    obj["spec"]["strategy"] = {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}
    only(errors("deployments", obj), "spec.strategy.rollingUpdate", FORBIDDEN)


def test_deployment_history_and_deadlines() -> None:
    obj = deployment()
    obj["spec"]["revisionHistoryLimit"] = -1
    only(errors("deployments", obj), "spec.revisionHistoryLimit")
    obj = deployment()
    obj["spec"].update(minReadySeconds=30, progressDeadlineSeconds=30)
    only(errors("deployments", obj), "spec.progressDeadlineSeconds")
    obj["spec"]["progressDeadlineSeconds"] = 31
    assert errors("deployments", obj) == []
    obj["spec"]["minReadySeconds"] = -1
    only(errors("deployments", obj), "spec.minReadySeconds")


def test_deployment_update_may_scale_and_roll() -> None:
    new = deployment()
    new["spec"]["replicas"] = 10
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "minik8s/httpd:v3"
    assert errors("deployments", new, deployment()) == []


def test_daemonset_update_strategy() -> None:
    obj = daemonset()
    obj["spec"]["updateStrategy"] = {"type": "OnDelete"}
    assert errors("daemonsets", obj) == []
    obj["spec"]["updateStrategy"] = {"type": "Replace"}
    only(errors("daemonsets", obj), "spec.updateStrategy.type", NOT_SUPPORTED)
    obj["spec"]["updateStrategy"] = {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0},
    }
    only(errors("daemonsets", obj), "spec.updateStrategy.rollingUpdate.maxUnavailable")


def test_statefulset_without_service_name() -> None:
    obj = statefulset()
    del obj["spec"]["serviceName"]
    assert errors("statefulsets", obj) == []


def test_statefulset_fields() -> None:
    obj = statefulset()
    obj["spec"]["podManagementPolicy"] = "Random"
    only(errors("statefulsets", obj), "spec.podManagementPolicy", NOT_SUPPORTED)
    obj = statefulset()
    obj["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": -1}}
    only(errors("statefulsets", obj), "spec.updateStrategy.rollingUpdate.partition")
    obj["spec"]["updateStrategy"] = {"type": "OnDelete", "rollingUpdate": {"partition": 1}}
    only(errors("statefulsets", obj), "spec.updateStrategy.rollingUpdate", FORBIDDEN)
    obj = statefulset()
    obj["spec"]["volumeClaimTemplates"] = [{"metadata": {}, "spec": {}}]
    only(errors("statefulsets", obj), "spec.volumeClaimTemplates[0].metadata.name", REQUIRED)


def test_statefulset_update_rules() -> None:
    new = statefulset()
    new["spec"]["replicas"] = 5
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "minik8s/httpd:v3"
    new["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}
    assert errors("statefulsets", new, statefulset()) == []
    new["spec"]["serviceName"] = "other"
    only(errors("statefulsets", new, statefulset()), "spec", FORBIDDEN)


# --------------------------------------------------------------------------- batch/v1


def test_job_restart_policy_required() -> None:
    obj = job()
    del obj["spec"]["template"]["spec"]["restartPolicy"]
    cause = only(errors("jobs", obj), "spec.template.spec.restartPolicy", REQUIRED)
    assert '"OnFailure", "Never"' in cause.message


def test_job_restart_policy_always_rejected() -> None:
    obj = job()
    obj["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    only(errors("jobs", obj), "spec.template.spec.restartPolicy", NOT_SUPPORTED)
    obj["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    assert errors("jobs", obj) == []


@pytest.mark.parametrize("key", ["parallelism", "completions", "backoffLimit"])
def test_job_counts_not_negative(key: str) -> None:
    obj = job()
    obj["spec"][key] = -1
    only(errors("jobs", obj), f"spec.{key}")


def test_job_active_deadline_positive() -> None:
    obj = job()
    obj["spec"]["activeDeadlineSeconds"] = 0
    only(errors("jobs", obj), "spec.activeDeadlineSeconds")


def test_indexed_job_needs_completions() -> None:
    obj = job()
    obj["spec"].update(completionMode="Indexed", parallelism=2)
    only(errors("jobs", obj), "spec.completions", REQUIRED)
    obj["spec"]["completionMode"] = "Sideways"
    only(errors("jobs", obj), "spec.completionMode", NOT_SUPPORTED)


def test_job_manual_selector() -> None:
    obj = job()
    obj["spec"]["manualSelector"] = True
    only(errors("jobs", obj), "spec.selector", REQUIRED)
    obj["spec"]["selector"] = {"matchLabels": {"job": "pi"}}
    only(errors("jobs", obj), "spec.template.metadata.labels")
    obj["spec"]["template"]["metadata"] = {"labels": {"job": "pi"}}
    assert errors("jobs", obj) == []


def test_job_template_is_immutable() -> None:
    new = job()
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "other:1"
    cause = only(errors("jobs", new, job()), "spec.template")
    assert "field is immutable" in cause.message
    new = job()
    new["spec"].update(parallelism=5, completions=1, suspend=True)
    assert errors("jobs", new, job()) == []


@pytest.mark.parametrize(
    "schedule",
    [
        "*/5 * * * *",
        "0 0 * * MON-FRI",
        "0 12 1,15 * *",
        "30 2 * jan,JUL sun",
        "0 0 ? * *",
        "5/15 * * * *",
        "0-59/10 0-23 1-31 1-12 0-6",
        "@hourly",
        "@daily",
        "@midnight",
        "@weekly",
        "@monthly",
        "@yearly",
        "@annually",
        "@every 1h30m",
    ],
)
def test_cron_schedule_ok(schedule: str) -> None:
    obj = cronjob()
    obj["spec"]["schedule"] = schedule
    assert errors("cronjobs", obj) == []


@pytest.mark.parametrize(
    "schedule",
    [
        "* * * *",
        "* * * * * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * * 13 *",
        "* * * * 7",
        "*/0 * * * *",
        "5-1 * * * *",
        "? * * * *",
        "* * * FOO *",
        "a b c d e",
        "1,,2 * * * *",
        "@often",
        "@every soon",
        "CRON_TZ=UTC 0 * * * *",
    ],
)
def test_cron_schedule_bad(schedule: str) -> None:
    obj = cronjob()
    obj["spec"]["schedule"] = schedule
    only(errors("cronjobs", obj), "spec.schedule", INVALID)


def test_cronjob_fields() -> None:
    obj = cronjob()
    del obj["spec"]["schedule"]
    only(errors("cronjobs", obj), "spec.schedule", REQUIRED)
    obj = cronjob()
    obj["spec"]["concurrencyPolicy"] = "Sometimes"
    only(errors("cronjobs", obj), "spec.concurrencyPolicy", NOT_SUPPORTED)
    obj = cronjob()
    obj["spec"]["successfulJobsHistoryLimit"] = -1
    only(errors("cronjobs", obj), "spec.successfulJobsHistoryLimit")
    obj = cronjob()
    del obj["spec"]["jobTemplate"]
    only(errors("cronjobs", obj), "spec.jobTemplate", REQUIRED)


def test_cronjob_job_template_is_validated_like_a_job() -> None:
    obj = cronjob()
    obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    only(
        errors("cronjobs", obj), "spec.jobTemplate.spec.template.spec.restartPolicy", NOT_SUPPORTED
    )
    obj = cronjob()
    obj["spec"]["jobTemplate"]["spec"]["backoffLimit"] = -2
    only(errors("cronjobs", obj), "spec.jobTemplate.spec.backoffLimit")


def test_cronjob_time_zone() -> None:
    obj = cronjob()
    obj["spec"]["timeZone"] = "UTC"
    assert errors("cronjobs", obj) == []
    obj["spec"]["timeZone"] = "Mars/Olympus_Mons"
    only(errors("cronjobs", obj), "spec.timeZone")


def test_cronjob_name_length() -> None:
    obj = cronjob()
    obj["metadata"]["name"] = "a" * 53
    cause = only(errors("cronjobs", obj), "metadata.name")
    assert "52 characters" in cause.message


# --------------------------------------------------------------------------- services


def _svc_with(**spec: Any) -> Obj:
    obj = service()
    obj["spec"].update(spec)
    return obj


def test_service_ports_required() -> None:
    only(errors("services", _svc_with(ports=[])), "spec.ports", REQUIRED)


def test_headless_and_external_name_need_no_ports() -> None:
    assert errors("services", _svc_with(ports=[], clusterIP="None")) == []
    obj = {
        "metadata": {"name": "db"},
        "spec": {"type": "ExternalName", "externalName": "db.example.com"},
    }
    assert errors("services", obj) == []
    del obj["spec"]["externalName"]
    only(errors("services", obj), "spec.externalName", REQUIRED)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("port", 0),
        ("port", 65536),
        ("targetPort", 0),
        ("targetPort", 70000),
        ("targetPort", "8080"),
        ("targetPort", "Web_Port"),
    ],
)
def test_service_port_values(key: str, value: Any) -> None:
    obj = service()
    obj["spec"]["ports"][0][key] = value
    only(errors("services", obj), f"spec.ports[0].{key}")


def test_service_port_protocol() -> None:
    obj = service()
    obj["spec"]["ports"][0]["protocol"] = "ICMP"
    only(errors("services", obj), "spec.ports[0].protocol", NOT_SUPPORTED)


def test_service_port_names() -> None:
    two = [{"port": 80}, {"port": 443}]
    assert fields(errors("services", _svc_with(ports=two))) == [
        "spec.ports[0].name",
        "spec.ports[1].name",
    ]
    same = [{"name": "web", "port": 80}, {"name": "web", "port": 443}]
    only(errors("services", _svc_with(ports=same)), "spec.ports[1].name", DUPLICATE)
    bad = [{"name": "Web", "port": 80}]
    only(errors("services", _svc_with(ports=bad)), "spec.ports[0].name")


def test_service_port_and_protocol_unique() -> None:
    ports = [{"name": "a", "port": 53}, {"name": "b", "port": 53}]
    only(errors("services", _svc_with(ports=ports)), "spec.ports[1]", DUPLICATE)
    ports[1]["protocol"] = "UDP"
    assert errors("services", _svc_with(ports=ports)) == []


def test_node_ports() -> None:
    ports = [{"name": "http", "port": 80, "nodePort": 30080}]
    assert errors("services", _svc_with(type="NodePort", ports=ports)) == []
    assert errors("services", _svc_with(type="LoadBalancer", ports=ports)) == []
    only(errors("services", _svc_with(ports=ports)), "spec.ports[0].nodePort", FORBIDDEN)
    ports[0]["nodePort"] = 8080
    cause = only(
        errors("services", _svc_with(type="NodePort", ports=ports)), "spec.ports[0].nodePort"
    )
    assert "30000-32767" in cause.message


def test_service_type() -> None:
    only(errors("services", _svc_with(type="Magic")), "spec.type", NOT_SUPPORTED)


@pytest.mark.parametrize(
    ("ip", "ok"),
    [
        ("10.96.0.10", True),
        ("None", True),
        ("", True),
        ("10.96.0.300", False),
        ("fd00::1", False),
        ("web", False),
    ],
)
def test_cluster_ip(ip: str, ok: bool) -> None:
    causes = errors("services", _svc_with(clusterIP=ip))
    assert (causes == []) is ok
    if not ok:
        only(causes, "spec.clusterIP")


def test_headless_node_port_rejected() -> None:
    only(errors("services", _svc_with(type="NodePort", clusterIP="None")), "spec.clusterIP")


def test_service_selector_values() -> None:
    only(errors("services", _svc_with(selector={"app": "web app"})), "spec.selector")


def test_service_session_affinity() -> None:
    assert errors("services", _svc_with(sessionAffinity="ClientIP")) == []
    only(
        errors("services", _svc_with(sessionAffinity="Sticky")),
        "spec.sessionAffinity",
        NOT_SUPPORTED,
    )


def test_external_traffic_policy_only_for_node_ports() -> None:
    only(errors("services", _svc_with(externalTrafficPolicy="Local")), "spec.externalTrafficPolicy")
    assert errors("services", _svc_with(type="NodePort", externalTrafficPolicy="Local")) == []


def test_service_name_is_dns1035() -> None:
    obj = service()
    obj["metadata"]["name"] = "1web"
    only(errors("services", obj), "metadata.name")


def test_cluster_ip_is_immutable() -> None:
    old = _svc_with(clusterIP="10.96.0.10")
    new = _svc_with(clusterIP="10.96.0.11")
    cause = only(errors("services", new, old), "spec.clusterIP")
    assert "field is immutable" in cause.message
    assert errors("services", _svc_with(clusterIP="10.96.0.10"), _svc_with(clusterIP="")) == []
    moved = {
        "metadata": {"name": "web"},
        "spec": {"type": "ExternalName", "externalName": "web.example.com"},
    }
    assert errors("services", moved, _svc_with(clusterIP="10.96.0.10")) == []


# --------------------------------------------------------------------------- other kinds


def test_node_rules() -> None:
    for cidr in ("10.244.1.0", "10.244.1.0/33", "garbage"):
        obj = node()
        obj["spec"]["podCIDR"] = cidr
        only(errors("nodes", obj), "spec.podCIDR")
    obj = node()
    obj["spec"]["podCIDRs"] = ["nope"]
    only(errors("nodes", obj), "spec.podCIDRs[0]")
    obj = node()
    obj["spec"]["taints"][0]["effect"] = "NoWay"
    only(errors("nodes", obj), "spec.taints[0].effect", NOT_SUPPORTED)
    obj = node()
    del obj["spec"]["taints"][0]["key"]
    only(errors("nodes", obj), "spec.taints[0].key", REQUIRED)
    obj = node()
    obj["spec"]["taints"].append(copy.deepcopy(obj["spec"]["taints"][0]))
    only(errors("nodes", obj), "spec.taints[1].effect", DUPLICATE)
    obj = node()
    obj["spec"]["unschedulable"] = "yes"
    only(errors("nodes", obj), "spec.unschedulable")


def test_namespace_name_is_a_label() -> None:
    only(errors("namespaces", {"metadata": {"name": "team.a"}}), "metadata.name")


def test_configmap_keys() -> None:
    obj = configmap()
    obj["data"]["bad key"] = "x"
    only(errors("configmaps", obj), "data[bad key]")
    obj = configmap()
    obj["data"][".."] = "x"
    only(errors("configmaps", obj), "data[..]")
    obj = configmap()
    obj["data"]["logo.png"] = "x"
    cause = only(errors("configmaps", obj), "data[logo.png]")
    assert "duplicate of key present in binaryData" in cause.message


def test_configmap_values() -> None:
    obj = configmap()
    obj["binaryData"]["blob"] = "not base64!"
    only(errors("configmaps", obj), "binaryData[blob]")
    obj = configmap()
    obj["data"]["n"] = 5
    only(errors("configmaps", obj), "data[n]")


def test_configmap_size() -> None:
    obj = configmap()
    obj["data"]["big"] = "x" * (1024 * 1024)
    only(errors("configmaps", obj), "data", TOO_LONG)


def test_immutable_configmap() -> None:
    old = configmap()
    old["immutable"] = True
    new = copy.deepcopy(old)
    new["data"]["LOG_LEVEL"] = "info"
    only(errors("configmaps", new, old), "data", FORBIDDEN)
    new = copy.deepcopy(old)
    new["immutable"] = False
    only(errors("configmaps", new, old), "immutable", FORBIDDEN)


def test_secret_rules() -> None:
    obj = secret()
    obj["data"]["token"] = "%%%"
    cause = only(errors("secrets", obj), "data[token]")
    assert "%%%" not in cause.message  # secret values are never echoed
    obj = secret()
    obj["stringData"]["bad/key"] = "x"
    only(errors("secrets", obj), "stringData[bad/key]")
    obj = secret()
    obj["type"] = "kubernetes.io/tls"
    obj["data"] = {"tls.crt": base64.b64encode(b"cert").decode()}
    only(errors("secrets", obj), "data[tls.key]", REQUIRED)
    obj["stringData"]["tls.key"] = "key"
    assert errors("secrets", obj) == []


def test_secret_type_is_immutable() -> None:
    new = secret()
    new["type"] = "kubernetes.io/basic-auth"
    new["stringData"] = {"username": "admin"}
    only(errors("secrets", new, secret()), "type")


def test_endpoints_rules() -> None:
    for ip, needle in (
        ("999.1.1.1", "valid IP"),
        ("127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
    ):
        obj = endpoints()
        obj["subsets"][0]["addresses"][0]["ip"] = ip
        assert needle in only(errors("endpoints", obj), "subsets[0].addresses[0].ip").message
    obj = endpoints()
    obj["subsets"][0]["ports"][0]["port"] = 0
    only(errors("endpoints", obj), "subsets[0].ports[0].port")
    obj = endpoints()
    del obj["subsets"][0]["notReadyAddresses"][0]["ip"]
    only(errors("endpoints", obj), "subsets[0].notReadyAddresses[0].ip", REQUIRED)


def test_lease_rules() -> None:
    obj = lease()
    obj["spec"]["leaseDurationSeconds"] = 0
    only(errors("leases", obj), "spec.leaseDurationSeconds")
    obj = lease()
    obj["spec"]["holderIdentity"] = 5
    only(errors("leases", obj), "spec.holderIdentity")


def test_event_and_service_account() -> None:
    event = VALID["events"]()
    event["count"] = -1
    only(errors("events", event), "count")
    account = VALID["serviceaccounts"]()
    account["automountServiceAccountToken"] = "no"
    only(errors("serviceaccounts", account), "automountServiceAccountToken")


def test_hpa_rules() -> None:
    obj = hpa()
    del obj["spec"]["scaleTargetRef"]["name"]
    only(errors("hpa", obj), "spec.scaleTargetRef.name", REQUIRED)
    obj = hpa()
    del obj["spec"]["scaleTargetRef"]
    assert set(fields(errors("hpa", obj))) == {
        "spec.scaleTargetRef.kind",
        "spec.scaleTargetRef.name",
    }
    obj = hpa()
    obj["spec"]["minReplicas"] = 0
    only(errors("hpa", obj), "spec.minReplicas")
    obj = hpa()
    obj["spec"]["maxReplicas"] = 1
    cause = only(errors("hpa", obj), "spec.maxReplicas")
    assert "minReplicas" in cause.message
    obj = hpa()
    obj["spec"]["metrics"][0]["type"] = "Magic"
    only(errors("hpa", obj), "spec.metrics[0].type", NOT_SUPPORTED)
    obj = hpa()
    obj["spec"]["metrics"] = [{"type": "Pods"}]
    only(errors("hpa", obj), "spec.metrics[0].pods", REQUIRED)
    obj = hpa()
    obj["spec"]["metrics"][0]["resource"]["target"]["type"] = "Percent"
    only(errors("hpa", obj), "spec.metrics[0].resource.target.type", NOT_SUPPORTED)


# --------------------------------------------------------------------------- robustness


def _mutate(node: Any, rng: random.Random) -> Any:
    """Replace a random part of a JSON document with a value of a random wrong type."""
    junk = [None, -3, "x", "", [], [1, "a"], {}, {"a": None}, True, 1.5, "1e999"]
    if isinstance(node, dict) and node and rng.random() < 0.85:
        key = rng.choice(sorted(node))
        node[key] = _mutate(node[key], rng)
        return node
    if isinstance(node, list) and node and rng.random() < 0.85:
        i = rng.randrange(len(node))
        node[i] = _mutate(node[i], rng)
        return node
    return rng.choice(junk)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_malformed_objects_never_raise(kind: str) -> None:
    info = _info(kind)
    rng = random.Random(kind)
    for _ in range(150):
        obj = _mutate(VALID[kind](), rng)
        old = _mutate(VALID[kind](), rng) if rng.random() < 0.5 else VALID[kind]()
        if not isinstance(obj, dict):
            continue
        apply_defaults(info, obj)
        causes = validate(info, obj, old if isinstance(old, dict) else None)
        assert all(isinstance(c, Cause) for c in causes)


def test_any_kind_with_garbage() -> None:
    for info in RESOURCES:
        for obj in ({}, {"spec": 1, "metadata": "x", "status": []}, {"data": [], "type": 1}):
            assert validate(info, obj, copy.deepcopy(obj))
        assert validate(info, "nonsense")  # type: ignore[arg-type]
