"""Endpoints follow pod readiness; namespaces are emptied and finalized; default
ServiceAccounts appear."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.controllers.conftest import ControllerManager, Kubelet, Obj, wait_for

pytestmark = pytest.mark.integration
MERGE = {"Content-Type": "application/merge-patch+json"}


def pod(name: str, labels: dict[str, str], port_name: str, port: int) -> Obj:
    return {
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "image": "minik8s/httpd:latest",
                    "ports": [{"name": port_name, "containerPort": port}],
                }
            ]
        },
    }


def endpoints(api: httpx.Client, ns: str, name: str) -> Obj | None:
    r = api.get(f"/api/v1/namespaces/{ns}/endpoints/{name}")
    return r.json() if r.status_code == 200 else None


def addresses(ep: Obj | None, bucket: str = "addresses") -> set[tuple[str, int]]:
    out = set()
    for subset in (ep or {}).get("subsets") or []:
        for a in subset.get(bucket) or []:
            for p in subset.get("ports") or []:
                out.add((a["targetRef"]["name"], p["port"]))
    return out


def test_endpoints_follow_readiness(
    api: httpx.Client, ns: str, controller_manager: ControllerManager
) -> None:
    svc = {
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"app": "web"},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }
    assert api.post(f"/api/v1/namespaces/{ns}/services", json=svc).status_code == 201
    manual = {"metadata": {"name": "manual"}, "spec": {"ports": [{"port": 81}]}}
    assert api.post(f"/api/v1/namespaces/{ns}/services", json=manual).status_code == 201
    for name, port in (("a", 8080), ("b", 9090)):  # the named port differs per pod
        body = pod(name, {"app": "web"}, "http", port)
        assert api.post(f"/api/v1/namespaces/{ns}/pods", json=body).status_code == 201
    with Kubelet(str(api.base_url), ns) as kubelet:
        wait_for(
            lambda: addresses(endpoints(api, ns, "web")) == {("a", 8080), ("b", 9090)},
            "both pods ready in the endpoints",
        )
        kubelet.hold = lambda p: True
        target = next(p for p in kubelet.pods() if p["metadata"]["name"] == "a")
        kubelet.mark(target, False)
        wait_for(
            lambda: (
                addresses(endpoints(api, ns, "web"), "notReadyAddresses") == {("a", 8080)}
                and addresses(endpoints(api, ns, "web")) == {("b", 9090)}
            ),
            "pod a under notReadyAddresses",
            10,
        )
        kubelet.mark(target, True)
        wait_for(
            lambda: addresses(endpoints(api, ns, "web")) == {("a", 8080), ("b", 9090)},
            "pod a ready again",
            10,
        )
    api.delete(f"/api/v1/namespaces/{ns}/pods/b")
    wait_for(lambda: addresses(endpoints(api, ns, "web")) == {("a", 8080)}, "pod b gone")
    assert endpoints(api, ns, "manual") is None  # no selector: left alone
    api.delete(f"/api/v1/namespaces/{ns}/services/web")
    wait_for(lambda: endpoints(api, ns, "web") is None, "endpoints deleted with the service")


def test_namespace_deletion_and_default_service_account(
    api: httpx.Client, controller_manager: ControllerManager
) -> None:
    name = f"del-{uuid.uuid4().hex[:8]}"
    assert api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).status_code == 201
    wait_for(
        lambda: api.get(f"/api/v1/namespaces/{name}/serviceaccounts/default").status_code == 200,
        "the default service account",
    )
    base = f"/api/v1/namespaces/{name}"
    api.post(f"{base}/configmaps", json={"metadata": {"name": "cm"}, "data": {"a": "b"}})
    api.post(f"{base}/pods", json=pod("p", {"app": "x"}, "http", 80))
    api.post(
        f"/apis/apps/v1/namespaces/{name}/replicasets",
        json={
            "metadata": {"name": "rs"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": "rs"}},
                "template": {
                    "metadata": {"labels": {"app": "rs"}},
                    "spec": {"containers": [{"name": "c", "image": "i"}]},
                },
            },
        },
    )
    wait_for(lambda: len(api.get(f"{base}/pods").json()["items"]) == 3, "the pods")
    assert api.delete(f"/api/v1/namespaces/{name}").status_code in (200, 202)
    wait_for(
        lambda: api.get(f"/api/v1/namespaces/{name}").status_code == 404, "the namespace to be gone"
    )
