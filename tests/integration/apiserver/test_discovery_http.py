"""Discovery, health and metrics endpoints over HTTP."""

from __future__ import annotations

import httpx


def test_discovery_documents(api: httpx.Client) -> None:
    assert api.get("/api").json()["versions"] == ["v1"]
    groups = {g["name"] for g in api.get("/apis").json()["groups"]}
    assert {"apps", "batch", "coordination.k8s.io", "autoscaling"} <= groups
    core = {r["name"] for r in api.get("/api/v1").json()["resources"]}
    assert {"pods", "pods/status", "pods/binding", "services", "namespaces"} <= core
    apps = {r["name"] for r in api.get("/apis/apps/v1").json()["resources"]}
    assert {"deployments", "deployments/scale", "replicasets"} <= apps
    assert api.get("/apis/apps").json()["preferredVersion"]["version"] == "v1"
    assert api.get("/apis/nope").status_code == 404
    assert api.get("/version").json()["major"] == "1"
    assert "io.k8s.api.apps.v1.Deployment" in api.get("/openapi/v2").json()["definitions"]
    paths = api.get("/openapi/v3").json()["paths"]
    doc = api.get(paths["apis/apps/v1"]["serverRelativeURL"]).json()
    assert "io.k8s.api.apps.v1.Deployment" in doc["components"]["schemas"]


def test_health_and_metrics(api: httpx.Client, ns: str) -> None:
    assert api.get("/healthz").text == "ok"
    assert api.get("/readyz").status_code == 200
    api.get(f"/api/v1/namespaces/{ns}/configmaps")
    text = api.get("/metrics").text
    assert (
        'apiserver_request_total{code="200",resource="configmaps",subresource="",verb="list"}'
        in text
    )
    assert "apiserver_request_duration_seconds_bucket" in text


def test_table_output(api: httpx.Client, ns: str) -> None:
    accept = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
    api.post(
        f"/api/v1/namespaces/{ns}/configmaps",
        json={"metadata": {"name": "t"}, "data": {"a": "1", "b": "2"}},
    )
    table = api.get(f"/api/v1/namespaces/{ns}/configmaps", headers=accept).json()
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert table["rows"][0]["cells"][:2] == ["t", 2]
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
