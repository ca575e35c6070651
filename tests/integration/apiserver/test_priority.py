"""PriorityClasses and pod priority admission against the real API server and etcd."""

from __future__ import annotations

import subprocess
import uuid

import httpx

from tests.conftest import APIServerProcess

PCS = "/apis/scheduling.k8s.io/v1/priorityclasses"


def _pod(name: str, **spec: object) -> dict[str, object]:
    return {
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "minik8s/pause:latest"}], **spec},
    }


def test_system_classes_exist_and_kubectl_lists_them(
    api: httpx.Client, apiserver: APIServerProcess
) -> None:
    names = {pc["metadata"]["name"]: pc["value"] for pc in api.get(PCS).json()["items"]}
    assert names["system-cluster-critical"] == 2000000000
    assert names["system-node-critical"] == 2000001000
    out = subprocess.run(
        ["kubectl", "--server", apiserver.url, "get", "priorityclasses"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    header = out.stdout.splitlines()[0].split()
    assert header == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
    assert "system-node-critical" in out.stdout


def test_pod_gets_its_class_priority_and_unknown_class_is_forbidden(
    api: httpx.Client, ns: str
) -> None:
    name = f"gold-{uuid.uuid4().hex[:6]}"
    r = api.post(PCS, json={"metadata": {"name": name}, "value": 5000, "description": "gold"})
    assert r.status_code == 201, r.text
    assert r.json()["preemptionPolicy"] == "PreemptLowerPriority"  # defaulted

    r = api.post(f"/api/v1/namespaces/{ns}/pods", json=_pod("a", priorityClassName=name))
    assert r.status_code == 201, r.text
    assert r.json()["spec"]["priority"] == 5000

    r = api.post(f"/api/v1/namespaces/{ns}/pods", json=_pod("b", priorityClassName="nope"))
    assert r.status_code == 403
    assert "no PriorityClass with name nope was found" in r.json()["message"]
    assert api.get(f"/api/v1/namespaces/{ns}/pods/b").status_code == 404

    r = api.post(
        f"/api/v1/namespaces/{ns}/pods", json=_pod("c", priorityClassName=name, priority=7)
    )
    assert r.status_code == 403 and "computed 5000" in r.json()["message"]

    r = api.post(f"/api/v1/namespaces/{ns}/pods", json=_pod("d"))
    assert r.status_code == 201 and r.json()["spec"]["priority"] == 0
    api.delete(f"{PCS}/{name}")


def test_class_rules_name_the_field(api: httpx.Client) -> None:
    r = api.post(PCS, json={"metadata": {"name": "system-mine"}, "value": 1})
    assert r.status_code == 422
    assert r.json()["details"]["causes"][0]["field"] == "metadata.name"
    r = api.post(PCS, json={"metadata": {"name": "too-high"}, "value": 2000000000})
    assert r.status_code == 422 and r.json()["details"]["causes"][0]["field"] == "value"
    r = api.post(PCS, json={"metadata": {"name": "no-value"}})
    assert r.status_code == 422 and r.json()["details"]["causes"][0]["field"] == "value"

    name = f"v-{uuid.uuid4().hex[:6]}"
    created = api.post(PCS, json={"metadata": {"name": name}, "value": 10}).json()
    created["value"] = 11
    r = api.put(f"{PCS}/{name}", json=created)
    assert r.status_code == 422 and r.json()["details"]["causes"][0]["field"] == "value"
    api.delete(f"{PCS}/{name}")


def test_one_global_default_and_pods_without_a_class_get_it(api: httpx.Client, ns: str) -> None:
    first, second = f"d1-{uuid.uuid4().hex[:6]}", f"d2-{uuid.uuid4().hex[:6]}"
    r = api.post(PCS, json={"metadata": {"name": first}, "value": 42, "globalDefault": True})
    assert r.status_code == 201, r.text
    try:
        r = api.post(PCS, json={"metadata": {"name": second}, "value": 43, "globalDefault": True})
        assert r.status_code == 422 and r.json()["details"]["causes"][0]["field"] == "globalDefault"

        def defaulted() -> bool:
            got = api.post(f"/api/v1/namespaces/{ns}/pods", json=_pod(f"p-{uuid.uuid4().hex[:5]}"))
            return got.status_code == 201 and got.json()["spec"].get("priority") == 42

        assert defaulted()
    finally:
        api.delete(f"{PCS}/{first}")
