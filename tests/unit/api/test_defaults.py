"""Defaulting: the values Kubernetes stores for fields a manifest leaves out."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from minik8s.api.defaults import apply_defaults
from minik8s.api.pods import compute_qos_class as pod_qos_class
from minik8s.api.resources import RESOURCES, ResourceInfo, resolve


def _info(name: str) -> ResourceInfo:
    info = resolve(name)
    assert info is not None
    return info


def _defaulted(kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    apply_defaults(_info(kind), obj)
    return obj


def _container(**extra: Any) -> dict[str, Any]:
    return {"name": "app", "image": "minik8s/httpd:v2", **extra}


def _pod(*containers: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"containers": list(containers) or [_container()]},
    }


def _deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [_container(ports=[{"containerPort": 8080}])]},
            },
        },
    }


def _job_template() -> dict[str, Any]:
    return {"spec": {"containers": [_container(image="minik8s/busybox")]}}


# --------------------------------------------------------------------------- pods


def test_pod_spec_defaults() -> None:
    spec = _defaulted("pods", _pod())["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True
    assert spec["priority"] == 0


def test_pod_spec_keeps_user_values() -> None:
    pod = _pod()
    pod["spec"].update(
        restartPolicy="Never",
        dnsPolicy="Default",
        priority=7,
        terminationGracePeriodSeconds=0,
        enableServiceLinks=False,
    )
    spec = _defaulted("pods", pod)["spec"]
    assert spec["restartPolicy"] == "Never"
    assert spec["dnsPolicy"] == "Default"
    assert spec["priority"] == 7
    assert spec["terminationGracePeriodSeconds"] == 0
    assert spec["enableServiceLinks"] is False


def test_container_defaults() -> None:
    container = _container(
        ports=[{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}],
        env=[{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
    )
    pod = _pod(container)
    pod["spec"]["initContainers"] = [_container(name="init", image="busybox")]
    spec = _defaulted("pods", pod)["spec"]
    c = spec["containers"][0]
    assert c["terminationMessagePath"] == "/dev/termination-log"
    assert c["terminationMessagePolicy"] == "File"
    assert c["imagePullPolicy"] == "IfNotPresent"
    assert c["resources"] == {}
    assert [p["protocol"] for p in c["ports"]] == ["TCP", "UDP"]
    assert c["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
    init = spec["initContainers"][0]
    assert init["imagePullPolicy"] == "Always"
    assert init["terminationMessagePolicy"] == "File"


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.25", "IfNotPresent"),
        ("registry:5000/team/app", "Always"),
        ("registry:5000/team/app:v1", "IfNotPresent"),
        ("registry:5000/team/app:latest", "Always"),
        ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
    ],
)
def test_image_pull_policy(image: str, policy: str) -> None:
    spec = _defaulted("pods", _pod(_container(image=image)))["spec"]
    assert spec["containers"][0]["imagePullPolicy"] == policy


def test_explicit_pull_policy_kept() -> None:
    spec = _defaulted("pods", _pod(_container(image="nginx", imagePullPolicy="Never")))["spec"]
    assert spec["containers"][0]["imagePullPolicy"] == "Never"


def test_probe_defaults() -> None:
    container = _container(
        livenessProbe={"httpGet": {"path": "/healthz", "port": 8080}},
        readinessProbe={"tcpSocket": {"port": 8080}, "periodSeconds": 3},
        startupProbe={"exec": {"command": ["true"]}},
    )
    c = _defaulted("pods", _pod(container))["spec"]["containers"][0]
    live = c["livenessProbe"]
    assert (live["timeoutSeconds"], live["periodSeconds"]) == (1, 10)
    assert (live["successThreshold"], live["failureThreshold"]) == (1, 3)
    assert live["httpGet"] == {"path": "/healthz", "port": 8080, "scheme": "HTTP"}
    assert c["readinessProbe"]["periodSeconds"] == 3
    assert c["startupProbe"]["failureThreshold"] == 3


def test_volume_defaults() -> None:
    pod = _pod()
    pod["spec"]["volumes"] = [
        {"name": "cfg", "configMap": {"name": "cfg"}},
        {"name": "tok", "secret": {"secretName": "tok", "defaultMode": 0o400}},
        {"name": "host", "hostPath": {"path": "/var/log"}},
    ]
    volumes = _defaulted("pods", pod)["spec"]["volumes"]
    assert volumes[0]["configMap"]["defaultMode"] == 420
    assert volumes[1]["secret"]["defaultMode"] == 0o400
    assert volumes[2]["hostPath"]["type"] == ""


def test_requests_default_to_limits() -> None:
    container = _container(
        resources={"limits": {"cpu": "500m", "memory": "64Mi"}, "requests": {"cpu": "100m"}}
    )
    resources = _defaulted("pods", _pod(container))["spec"]["containers"][0]["resources"]
    assert resources["requests"] == {"cpu": "100m", "memory": "64Mi"}


def test_templates_do_not_copy_limits_to_requests() -> None:
    dep = _deployment()
    dep["spec"]["template"]["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    resources = _defaulted("deployments", dep)["spec"]["template"]["spec"]["containers"][0][
        "resources"
    ]
    assert "requests" not in resources


def test_new_pod_status() -> None:
    status = _defaulted("pods", _pod())["status"]
    assert status == {"phase": "Pending", "qosClass": "BestEffort"}


def test_existing_pod_status_untouched() -> None:
    pod = _pod()
    pod["status"] = {"phase": "Running", "qosClass": "Burstable", "podIP": "10.244.0.5"}
    assert _defaulted("pods", pod)["status"]["phase"] == "Running"
    assert pod["status"]["qosClass"] == "Burstable"


@pytest.mark.parametrize(
    ("resources", "qos"),
    [
        ([{}], "BestEffort"),
        ([{"limits": {"cpu": "1", "memory": "1Gi"}}], "Guaranteed"),
        ([{"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1000m"}}], "Guaranteed"),
        ([{"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "500m"}}], "Burstable"),
        ([{"requests": {"cpu": "100m"}}], "Burstable"),
        ([{"limits": {"cpu": "1"}}], "Burstable"),
        ([{"limits": {"cpu": "1", "memory": "1Gi"}}, {}], "Burstable"),
        ([{"requests": {"cpu": "0"}}], "BestEffort"),
        ([{"requests": {"nvidia.com/gpu": "1"}}], "BestEffort"),
    ],
)
def test_qos_class(resources: list[dict[str, Any]], qos: str) -> None:
    containers = [_container(name=f"c{i}", resources=r) for i, r in enumerate(resources)]
    assert _defaulted("pods", _pod(*containers))["status"]["qosClass"] == qos


def test_qos_class_of_garbage_is_best_effort() -> None:
    assert pod_qos_class({"containers": [{"resources": {"limits": {"cpu": "lots"}}}]}) == (
        "BestEffort"
    )
    assert pod_qos_class("nonsense") == "BestEffort"


# --------------------------------------------------------------------------- services


def test_service_defaults() -> None:
    svc = {
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"port": 80}, {"port": 443, "targetPort": "https"}],
        },
    }
    spec = _defaulted("services", svc)["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"][0] == {"port": 80, "protocol": "TCP", "targetPort": 80}
    assert spec["ports"][1]["targetPort"] == "https"
    assert spec["ipFamilies"] == ["IPv4"]
    assert spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert "externalTrafficPolicy" not in spec
    assert "clusterIP" not in spec


@pytest.mark.parametrize("svc_type", ["NodePort", "LoadBalancer"])
def test_node_port_service_defaults(svc_type: str) -> None:
    spec = _defaulted("services", {"spec": {"type": svc_type, "ports": [{"port": 80}]}})["spec"]
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert "nodePort" not in spec["ports"][0]


def test_external_name_service_defaults() -> None:
    spec = _defaulted("services", {"spec": {"type": "ExternalName", "externalName": "a.b"}})["spec"]
    assert spec["sessionAffinity"] == "None"
    assert "ipFamilies" not in spec


def test_client_ip_affinity_timeout() -> None:
    spec = _defaulted("services", {"spec": {"sessionAffinity": "ClientIP"}})["spec"]
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


# --------------------------------------------------------------------------- workloads


def test_deployment_defaults() -> None:
    dep = _defaulted("deployments", _deployment())
    spec = dep["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    assert "minReadySeconds" not in spec
    pod_spec = spec["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Always"
    assert pod_spec["containers"][0]["ports"][0]["protocol"] == "TCP"
    assert "priority" not in pod_spec
    assert "status" not in dep


def test_deployment_recreate_strategy_gets_no_rolling_update() -> None:
    dep = _deployment()
    dep["spec"]["strategy"] = {"type": "Recreate"}
    assert _defaulted("deployments", dep)["spec"]["strategy"] == {"type": "Recreate"}


def test_deployment_partial_rolling_update() -> None:
    dep = _deployment()
    dep["spec"]["strategy"] = {"rollingUpdate": {"maxSurge": 1}}
    strategy = _defaulted("deployments", dep)["spec"]["strategy"]
    assert strategy["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": "25%"}


def test_replicaset_defaults() -> None:
    rs = _deployment()
    spec = _defaulted("replicasets", rs)["spec"]
    assert spec["replicas"] == 1
    assert "strategy" not in spec
    assert spec["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


def test_statefulset_defaults() -> None:
    sts = _deployment()
    sts["spec"]["serviceName"] = "web"
    spec = _defaulted("statefulsets", sts)["spec"]
    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["persistentVolumeClaimRetentionPolicy"] == {
        "whenDeleted": "Retain",
        "whenScaled": "Retain",
    }


def test_statefulset_on_delete() -> None:
    sts = _deployment()
    sts["spec"]["updateStrategy"] = {"type": "OnDelete"}
    assert _defaulted("statefulsets", sts)["spec"]["updateStrategy"] == {"type": "OnDelete"}


def test_daemonset_defaults() -> None:
    ds = _deployment()
    spec = _defaulted("daemonsets", ds)["spec"]
    assert spec["updateStrategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert "replicas" not in spec


def test_job_defaults() -> None:
    job = {"metadata": {"name": "pi"}, "spec": {"template": _job_template()}}
    spec = _defaulted("jobs", job)["spec"]
    assert (spec["completions"], spec["parallelism"]) == (1, 1)
    assert spec["backoffLimit"] == 6
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert "manualSelector" not in spec
    assert "selector" not in spec
    assert "restartPolicy" not in spec["template"]["spec"]
    assert spec["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


def test_job_parallelism_only_leaves_completions_unset() -> None:
    spec = _defaulted("jobs", {"spec": {"parallelism": 3, "template": _job_template()}})["spec"]
    assert spec["parallelism"] == 3
    assert "completions" not in spec


def test_job_completions_only() -> None:
    spec = _defaulted("jobs", {"spec": {"completions": 5, "template": _job_template()}})["spec"]
    assert (spec["completions"], spec["parallelism"]) == (5, 1)


def test_cronjob_defaults() -> None:
    cj = {
        "metadata": {"name": "tick"},
        "spec": {"schedule": "*/5 * * * *", "jobTemplate": {"spec": {"template": _job_template()}}},
    }
    spec = _defaulted("cronjobs", cj)["spec"]
    assert spec["concurrencyPolicy"] == "Allow"
    assert spec["suspend"] is False
    assert spec["successfulJobsHistoryLimit"] == 3
    assert spec["failedJobsHistoryLimit"] == 1
    pod_spec = spec["jobTemplate"]["spec"]["template"]["spec"]
    assert pod_spec["schedulerName"] == "default-scheduler"
    assert "restartPolicy" not in pod_spec


# --------------------------------------------------------------------------- other kinds


def test_secret_type() -> None:
    assert _defaulted("secrets", {"data": {}})["type"] == "Opaque"
    assert _defaulted("secrets", {"type": "kubernetes.io/tls"})["type"] == "kubernetes.io/tls"


def test_namespace_defaults() -> None:
    ns = _defaulted("namespaces", {"metadata": {"name": "dev"}})
    assert ns["spec"] == {"finalizers": ["kubernetes"]}
    assert ns["status"] == {"phase": "Active"}


def test_node_allocatable_from_capacity() -> None:
    node = _defaulted("nodes", {"status": {"capacity": {"cpu": "4", "pods": "110"}}})
    assert node["spec"] == {}
    assert node["status"]["allocatable"] == {"cpu": "4", "pods": "110"}


def test_hpa_defaults() -> None:
    hpa = {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5}}
    spec = _defaulted("hpa", hpa)["spec"]
    assert spec["minReplicas"] == 1
    assert spec["metrics"][0]["resource"]["target"]["averageUtilization"] == 80


@pytest.mark.parametrize("kind", ["configmaps", "events", "leases", "serviceaccounts"])
def test_kinds_without_defaults(kind: str) -> None:
    obj = {"metadata": {"name": "x"}, "data": {"a": "b"}}
    assert _defaulted(kind, copy.deepcopy(obj)) == obj


# --------------------------------------------------------------------------- robustness

_SAMPLES: dict[str, dict[str, Any]] = {
    "pods": _pod(
        _container(
            ports=[{"containerPort": 80}],
            resources={"limits": {"cpu": "1"}},
            livenessProbe={"httpGet": {"port": 80}},
            env=[{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        )
    ),
    "deployments": _deployment(),
    "services": {"spec": {"type": "NodePort", "ports": [{"port": 80}]}},
    "jobs": {"spec": {"template": _job_template()}},
    "cronjobs": {"spec": {"jobTemplate": {"spec": {"template": _job_template()}}}},
    "statefulsets": _deployment(),
    "daemonsets": _deployment(),
    "namespaces": {"metadata": {"name": "dev"}},
    "hpa": {"spec": {}},
    "nodes": {"status": {"capacity": {"cpu": "1"}}},
    "endpoints": {"subsets": [{"ports": [{"port": 80}]}]},
}


@pytest.mark.parametrize("kind", sorted(_SAMPLES))
def test_idempotent(kind: str) -> None:
    once = _defaulted(kind, copy.deepcopy(_SAMPLES[kind]))
    twice = _defaulted(kind, copy.deepcopy(once))
    assert once == twice


def _mutate(node: Any, rng: random.Random) -> Any:
    """Replace a random part of a JSON document with a value of a random wrong type."""
    junk = [None, 7, "x", [], [1, "a"], {}, {"a": None}, True, 1.5]
    if isinstance(node, dict) and node and rng.random() < 0.8:
        key = rng.choice(sorted(node))
        node[key] = _mutate(node[key], rng)
        return node
    if isinstance(node, list) and node and rng.random() < 0.8:
        i = rng.randrange(len(node))
        node[i] = _mutate(node[i], rng)
        return node
    return rng.choice(junk)


@pytest.mark.parametrize("kind", sorted(_SAMPLES))
def test_malformed_input_never_raises(kind: str) -> None:
    rng = random.Random(kind)
    for _ in range(200):
        obj = _mutate(copy.deepcopy(_SAMPLES[kind]), rng)
        if isinstance(obj, dict):
            apply_defaults(_info(kind), obj)


def test_every_kind_accepts_empty_object() -> None:
    for info in RESOURCES:
        apply_defaults(info, {})
        apply_defaults(info, {"spec": None, "status": None, "metadata": None})
        apply_defaults(info, {"spec": "wrong", "status": []})
