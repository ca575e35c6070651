"""`mkctl top` (tables, sorting, kubectl's empty-list messages) and `mkctl autoscale`,
against the fake client."""

from __future__ import annotations

from typing import Any

import pytest

from minik8s.api.resources import ResourceInfo
from minik8s.ctl.cmd_autoscale import hpa_for
from minik8s.ctl.cmd_top import node_metrics_rows, pod_metrics_rows
from minik8s.ctl.context import CtlError

from .fake_client import FakeClient, run

Obj = dict[str, Any]
PODS = "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods"


def metrics(name: str, *containers: tuple[str, str, str]) -> Obj:
    return {
        "metadata": {"name": name, "namespace": "default"},
        "containers": [{"name": n, "usage": {"cpu": c, "memory": m}} for n, c, m in containers],
    }


def test_sorting_and_containers() -> None:
    items = [
        metrics("a", ("c", "10m", "300Mi")),
        metrics("b", ("c", "90m", "1Mi"), ("d", "5m", "1Mi")),
    ]
    assert [r[0] for r in pod_metrics_rows(items, False, sort_by="cpu")[1:]] == ["b", "a"]
    assert [r[0] for r in pod_metrics_rows(items, False, sort_by="memory")[1:]] == ["a", "b"]
    assert pod_metrics_rows(items, False, containers=True) == [
        ["POD", "NAME", "CPU(cores)", "MEMORY(bytes)"],
        ["a", "c", "10m", "300Mi"],
        ["b", "c", "90m", "1Mi"],
        ["b", "d", "5m", "1Mi"],
    ]
    nodes = [
        {"metadata": {"name": n}, "usage": {"cpu": c, "memory": "1Gi"}}
        for n, c in (("x", "1"), ("y", "2"))
    ]
    assert [r[0] for r in node_metrics_rows(nodes, {}, sort_by="cpu")[1:]] == ["y", "x"]


def test_empty_lists_say_why() -> None:
    fake = FakeClient()
    fake.answers[("GET", PODS)] = {"items": []}
    code, out, err = run(fake, "top", "pods")
    assert (code, out, err) == (0, "", "No resources found in default namespace.\n")
    fake.put({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}})
    code, _, err = run(fake, "top", "pods")
    assert (code, err) == (1, "error: metrics not available yet\n")


def test_no_headers_and_selector() -> None:
    fake = FakeClient()
    fake.answers[("GET", PODS)] = {"items": [metrics("a", ("c", "10m", "3Mi"))]}
    code, out, _ = run(fake, "top", "pod", "--no-headers", "-l", "app=a")
    assert (code, out.split()) == (0, ["a", "10m", "3Mi"])


def test_hpa_for() -> None:
    target = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ns"},
    }
    hpa = hpa_for(target, "web", 2, 5, 60)
    assert hpa["spec"] == {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "maxReplicas": 5,
        "minReplicas": 2,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": 60},
                },
            }
        ],
    }
    assert hpa_for(target, "web", -1, 3, -1)["spec"].keys() == {"scaleTargetRef", "maxReplicas"}
    with pytest.raises(CtlError, match="--max=MAXPODS is required"):
        hpa_for(target, "web", -1, -1, -1)
    with pytest.raises(CtlError, match="larger or equal to --min"):
        hpa_for(target, "web", 4, 3, -1)


class CreatingClient(FakeClient):
    def __init__(self, *objects: Obj) -> None:
        super().__init__(*objects)
        self.created: list[Obj] = []

    def create(self, r: ResourceInfo, obj: Obj, namespace: str | None = None, **kw: Any) -> Obj:
        self.created.append(obj)
        return obj


def test_autoscale_command() -> None:
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
    }
    fake = CreatingClient(deploy)
    code, out, _ = run(fake, "autoscale", "deployment", "web", "--max", "3", "--cpu-percent", "50")
    assert (code, out) == (0, "horizontalpodautoscaler.autoscaling/web autoscaled\n")
    assert fake.created[0]["spec"]["scaleTargetRef"]["name"] == "web"
    code, _, err = run(fake, "autoscale", "deployment/nope", "--max", "3")
    assert code == 1 and "not found" in err
    code, _, err = run(fake, "autoscale", "pod/x", "--max", "3")
    assert (code, err) == (
        1,
        "error: cannot autoscale a Pod: only Deployment, ReplicaSet, StatefulSet\n",
    )
