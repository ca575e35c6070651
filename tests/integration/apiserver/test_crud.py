"""CRUD of every kind through the real API server on a real etcd."""

from __future__ import annotations

import concurrent.futures
import json

import httpx
import pytest

from minik8s.api.resources import RESOURCES, ResourceInfo
from tests.manifests import manifest, object_name

KINDS = [r for r in RESOURCES]


def _path(info: ResourceInfo, ns: str, name: str | None = None) -> str:
    return info.path(ns if info.namespaced else None, name)


def _unique(info: ResourceInfo, ns: str) -> str:
    # Cluster-scoped names must not clash between tests.
    return "obj" if info.namespaced else object_name(info.plural, f"{ns}-obj")


@pytest.mark.parametrize("info", KINDS, ids=[r.plural for r in KINDS])
def test_crud_every_kind(api: httpx.Client, ns: str, info: ResourceInfo) -> None:
    name = _unique(info, ns)
    body = manifest(info.plural, name)
    created = api.post(_path(info, ns), json=body)
    assert created.status_code == 201, created.text
    obj = created.json()
    meta = obj["metadata"]
    assert obj["kind"] == info.kind and obj["apiVersion"] == info.api_version
    assert meta["uid"] and meta["creationTimestamp"] and int(meta["resourceVersion"]) > 0
    assert meta.get("namespace") == (ns if info.namespaced else None)

    got = api.get(_path(info, ns, name))
    assert got.status_code == 200
    assert got.json() == obj

    listed = api.get(_path(info, ns)).json()
    assert listed["kind"] == info.list_kind
    assert name in [i["metadata"]["name"] for i in listed["items"]]
    assert int(listed["metadata"]["resourceVersion"]) >= int(meta["resourceVersion"])

    obj["metadata"].setdefault("labels", {})["touched"] = "yes"
    updated = api.put(_path(info, ns, name), json=obj)
    assert updated.status_code == 200, updated.text
    assert updated.json()["metadata"]["labels"]["touched"] == "yes"
    assert int(updated.json()["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])

    deleted = api.delete(_path(info, ns, name))
    assert deleted.status_code in (200, 202), deleted.text
    if info.kind == "Namespace":
        # A namespace is marked Terminating; its contents go first (the namespace controller).
        assert api.get(_path(info, ns, name)).json()["status"]["phase"] == "Terminating"
    else:
        assert api.get(_path(info, ns, name)).status_code == 404


def test_generate_name(api: httpx.Client, ns: str) -> None:
    body = {"metadata": {"generateName": "web-"}, "data": {"a": "b"}}
    names = set()
    for _ in range(3):
        r = api.post(f"/api/v1/namespaces/{ns}/configmaps", json=body)
        assert r.status_code == 201, r.text
        names.add(r.json()["metadata"]["name"])
    assert len(names) == 3
    assert all(n.startswith("web-") and len(n) == len("web-") + 5 for n in names)


def test_create_twice_is_already_exists(api: httpx.Client, ns: str) -> None:
    body = manifest("configmaps", "dup")
    assert api.post(f"/api/v1/namespaces/{ns}/configmaps", json=body).status_code == 201
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", json=body)
    assert r.status_code == 409
    status = r.json()
    assert status["kind"] == "Status" and status["reason"] == "AlreadyExists"
    assert status["details"]["name"] == "dup"


def test_missing_object_is_not_found(api: httpx.Client, ns: str) -> None:
    r = api.get(f"/api/v1/namespaces/{ns}/pods/nope")
    assert r.status_code == 404
    assert r.json()["reason"] == "NotFound"
    assert r.json()["message"] == 'pods "nope" not found'


def test_create_in_missing_namespace_is_not_found(api: httpx.Client) -> None:
    r = api.post("/api/v1/namespaces/no-such-ns/configmaps", json=manifest("configmaps", "a"))
    assert r.status_code == 404
    assert "no-such-ns" in r.json()["message"]


def test_stale_update_conflicts_and_only_one_writer_wins(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    obj = api.post(path, json=manifest("configmaps", "race")).json()

    def write(value: str) -> int:
        body = json.loads(json.dumps(obj))
        body["data"] = {"writer": value}
        with httpx.Client(base_url=str(api.base_url), timeout=10) as c:
            return c.put(f"{path}/race", json=body).status_code

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(write, ["a", "b"]))
    assert codes == [200, 409]
    r = api.put(f"{path}/race", json=obj)  # still the first resourceVersion
    assert r.status_code == 409 and r.json()["reason"] == "Conflict"


def test_status_subresource_is_separate_from_spec(api: httpx.Client, ns: str) -> None:
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    dep = api.post(path, json=manifest("deployments", "web")).json()
    assert "status" not in dep or not dep["status"]
    assert dep["metadata"]["generation"] == 1

    dep["status"] = {"replicas": 3}
    dep["spec"]["replicas"] = 5
    main = api.put(f"{path}/web", json=dep).json()
    assert main["spec"]["replicas"] == 5
    assert not main.get("status"), "the main resource must ignore status"
    assert main["metadata"]["generation"] == 2

    main["status"] = {"replicas": 3, "observedGeneration": 2}
    main["spec"]["replicas"] = 9
    st = api.put(f"{path}/web/status", json=main)
    assert st.status_code == 200, st.text
    assert st.json()["status"]["replicas"] == 3
    assert st.json()["spec"]["replicas"] == 5, "the status subresource must ignore spec"
    assert st.json()["metadata"]["generation"] == 2

    labelled = api.patch(
        f"{path}/web",
        json={"metadata": {"labels": {"tier": "front"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    ).json()
    assert labelled["metadata"]["generation"] == 2, "metadata changes keep the generation"


def test_defaults_are_applied(api: httpx.Client, ns: str) -> None:
    dep = api.post(
        f"/apis/apps/v1/namespaces/{ns}/deployments", json=manifest("deployments", "d")
    ).json()
    spec = dep["spec"]
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    pod_spec = spec["template"]["spec"]
    assert pod_spec["restartPolicy"] == "Always"
    assert pod_spec["containers"][0]["imagePullPolicy"] == "Always"
    assert pod_spec["containers"][0]["ports"][0]["protocol"] == "TCP"


def test_invalid_object_names_the_field_and_writes_nothing(api: httpx.Client, ns: str) -> None:
    body = manifest("deployments", "bad")
    body["spec"]["replicas"] = -1
    body["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    r = api.post(f"/apis/apps/v1/namespaces/{ns}/deployments", json=body)
    assert r.status_code == 422
    status = r.json()
    assert status["reason"] == "Invalid"
    fields = {c["field"] for c in status["details"]["causes"]}
    assert {"spec.replicas", "spec.template.metadata.labels"} <= fields
    assert 'Deployment.apps "bad" is invalid' in status["message"]
    assert api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/bad").status_code == 404


@pytest.mark.parametrize(
    "content,ctype,code",
    [
        (b"{not json", "application/json", 400),
        (b"kind: [unclosed", "application/yaml", 400),
        (b"", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
    ],
)
def test_malformed_bodies(
    api: httpx.Client, ns: str, content: bytes, ctype: str, code: int
) -> None:
    r = api.post(
        f"/api/v1/namespaces/{ns}/configmaps", content=content, headers={"Content-Type": ctype}
    )
    assert r.status_code == code, r.text
    assert r.json()["kind"] == "Status"
    assert api.get(f"/api/v1/namespaces/{ns}/configmaps").json()["items"] == []


def test_yaml_body_is_accepted(api: httpx.Client, ns: str) -> None:
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n"
    r = api.post(
        f"/api/v1/namespaces/{ns}/configmaps",
        content=doc,
        headers={"Content-Type": "application/yaml"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"] == {"a": "b"}


def test_wrong_kind_and_namespace_mismatch(api: httpx.Client, ns: str) -> None:
    wrong_kind = manifest("configmaps", "a")
    wrong_kind["kind"] = "Secret"
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", json=wrong_kind)
    assert r.status_code == 400 and "kind" in r.json()["message"]
    other_ns = manifest("configmaps", "a", namespace="elsewhere")
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", json=other_ns)
    assert r.status_code == 400 and "namespace" in r.json()["message"]
    assert api.get(f"/api/v1/namespaces/{ns}/configmaps").json()["items"] == []


def test_unknown_resource_is_not_found(api: httpx.Client, ns: str) -> None:
    r = api.get(f"/api/v1/namespaces/{ns}/widgets")
    assert r.status_code == 404 and r.json()["kind"] == "Status"
    assert api.get("/apis/nope.example.com/v1/things").status_code == 404


def test_oversized_body_is_rejected(api: httpx.Client, ns: str) -> None:
    big = manifest("configmaps", "big")
    big["data"] = {"blob": "x" * (4 * 1024 * 1024)}  # over the 3 MiB body limit
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", json=big)
    assert r.status_code == 413
    assert r.json()["reason"] == "RequestEntityTooLarge"
    assert api.get(f"/api/v1/namespaces/{ns}/configmaps/big").status_code == 404


def test_patch_types(api: httpx.Client, ns: str) -> None:
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    dep = manifest("deployments", "p")
    dep["spec"]["template"]["spec"]["containers"].append(
        {"name": "sidecar", "image": "minik8s/busybox:latest"}
    )
    assert api.post(path, json=dep).status_code == 201

    smp = {
        "spec": {
            "template": {"spec": {"containers": [{"name": "web", "image": "minik8s/httpd:v2"}]}}
        }
    }
    r = api.patch(
        f"{path}/p", json=smp, headers={"Content-Type": "application/strategic-merge-patch+json"}
    )
    assert r.status_code == 200, r.text
    containers = r.json()["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("web", "minik8s/httpd:v2"),
        ("sidecar", "minik8s/busybox:latest"),
    ]

    jp = [{"op": "replace", "path": "/spec/replicas", "value": 7}]
    r = api.patch(f"{path}/p", json=jp, headers={"Content-Type": "application/json-patch+json"})
    assert r.status_code == 200 and r.json()["spec"]["replicas"] == 7

    bad = [{"op": "remove", "path": "/spec/nothing/here"}]
    r = api.patch(f"{path}/p", json=bad, headers={"Content-Type": "application/json-patch+json"})
    assert r.status_code == 422, r.text
    assert api.get(f"{path}/p").json()["spec"]["replicas"] == 7

    mp = {"metadata": {"labels": {"app": None, "new": "yes"}}}
    r = api.patch(f"{path}/p", json=mp, headers={"Content-Type": "application/merge-patch+json"})
    assert r.json()["metadata"]["labels"] == {"new": "yes"}

    r = api.patch(f"{path}/p", json=mp, headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


def test_delete_with_stale_precondition_conflicts(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    obj = api.post(path, json=manifest("configmaps", "pre")).json()
    api.put(f"{path}/pre", json=obj)
    r = api.request(
        "DELETE",
        f"{path}/pre",
        json={"preconditions": {"resourceVersion": obj["metadata"]["resourceVersion"]}},
    )
    assert r.status_code == 409
    assert api.get(f"{path}/pre").status_code == 200


def test_deletecollection_by_label(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    for i, tier in enumerate(["a", "a", "b"]):
        api.post(path, json=manifest("configmaps", f"c{i}", labels={"tier": tier}))
    r = api.delete(path, params={"labelSelector": "tier=a"})
    assert r.status_code == 200, r.text
    left = [i["metadata"]["name"] for i in api.get(path).json()["items"]]
    assert left == ["c2"]


def test_concurrent_patches_without_a_version_all_apply(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    api.post(path, json=manifest("configmaps", "busy"))

    def label(i: int) -> int:
        with httpx.Client(base_url=str(api.base_url), timeout=20) as c:
            return c.patch(
                f"{path}/busy",
                json={"metadata": {"labels": {f"k{i}": "v"}}},
                headers={"Content-Type": "application/merge-patch+json"},
            ).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(label, range(8)))
    assert codes == [200] * 8
    labels = api.get(f"{path}/busy").json()["metadata"]["labels"]
    assert {f"k{i}" for i in range(8)} <= set(labels)
    stale = api.get(f"{path}/busy").json()["metadata"]["resourceVersion"]
    api.patch(
        f"{path}/busy",
        json={"data": {"x": "1"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    r = api.patch(
        f"{path}/busy",
        json={"metadata": {"resourceVersion": stale}, "data": {"y": "2"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 409, "a version in the patch is a precondition"
