"""The official `kubernetes` Python client against the API server."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from kubernetes import client as k8s
from kubernetes import watch as k8s_watch

from tests.conftest import APIServerProcess


@pytest.fixture
def core(apiserver: APIServerProcess) -> Iterator[k8s.ApiClient]:
    cfg = k8s.Configuration()
    cfg.host = apiserver.url
    with k8s.ApiClient(cfg) as api_client:
        yield api_client


def test_create_list_and_read(core: k8s.ApiClient, ns: str) -> None:
    v1 = k8s.CoreV1Api(core)
    apps = k8s.AppsV1Api(core)
    cm = k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="cfg", labels={"a": "b"}), data={"k": "v"})
    created = v1.create_namespaced_config_map(ns, cm)
    assert created.metadata.uid and created.data == {"k": "v"}
    listed = v1.list_namespaced_config_map(ns, label_selector="a=b")
    assert [i.metadata.name for i in listed.items] == ["cfg"]

    dep = k8s.V1Deployment(
        metadata=k8s.V1ObjectMeta(name="web"),
        spec=k8s.V1DeploymentSpec(
            replicas=2,
            selector=k8s.V1LabelSelector(match_labels={"app": "web"}),
            template=k8s.V1PodTemplateSpec(
                metadata=k8s.V1ObjectMeta(labels={"app": "web"}),
                spec=k8s.V1PodSpec(containers=[k8s.V1Container(name="web", image="nginx")]),
            ),
        ),
    )
    made = apps.create_namespaced_deployment(ns, dep)
    assert made.spec.strategy.type == "RollingUpdate"
    assert apps.read_namespaced_deployment("web", ns).spec.replicas == 2
    scale = apps.patch_namespaced_deployment_scale("web", ns, {"spec": {"replicas": 3}})
    assert scale.spec.replicas == 3

    with pytest.raises(k8s.ApiException) as err:
        v1.read_namespaced_config_map("missing", ns)
    assert err.value.status == 404


def test_watch_stream(core: k8s.ApiClient, ns: str) -> None:
    v1 = k8s.CoreV1Api(core)
    rv = v1.list_namespaced_config_map(ns).metadata.resource_version
    seen: list[tuple[str, str]] = []
    w = k8s_watch.Watch()
    done = threading.Event()

    def consume() -> None:
        for ev in w.stream(
            v1.list_namespaced_config_map, ns, resource_version=rv, timeout_seconds=20
        ):
            seen.append((ev["type"], ev["object"].metadata.name))
            if len(seen) == 3:
                w.stop()
        done.set()

    t = threading.Thread(target=consume, daemon=True)
    t.start()
    v1.create_namespaced_config_map(ns, k8s.V1ConfigMap(metadata=k8s.V1ObjectMeta(name="w1")))
    v1.patch_namespaced_config_map("w1", ns, {"data": {"x": "y"}})
    v1.delete_namespaced_config_map("w1", ns)
    assert done.wait(25)
    assert seen == [("ADDED", "w1"), ("MODIFIED", "w1"), ("DELETED", "w1")]
