"""`mkctl describe` on real objects, with their events and related objects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from tests.integration.ctl.conftest import Mkctl
from tests.integration.ctl.samples import WEB


def _post(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = api.post(path, json=body)
    assert r.status_code == 201, r.text
    created: dict[str, Any] = r.json()
    return created


def _event(obj: dict[str, Any], kind: str, reason: str, message: str) -> dict[str, Any]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = obj["metadata"]
    return {
        "metadata": {"name": f"{meta['name']}.{uuid.uuid4().hex[:8]}"},
        "involvedObject": {
            "kind": kind,
            "name": meta["name"],
            "namespace": meta.get("namespace", ""),
            "uid": meta["uid"],
        },
        "reason": reason,
        "message": message,
        "type": "Normal",
        "count": 1,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "source": {"component": "test"},
    }


def test_describe_deployment_with_events_and_replica_sets(
    mkctl: Mkctl, api: httpx.Client, ns: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    mkctl("apply", "-f", str(manifest))
    deploy = api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/web").json()
    _post(api, f"/api/v1/namespaces/{ns}/events", _event(deploy, "Deployment", "Scaled", "up to 2"))
    other = _post(api, f"/api/v1/namespaces/{ns}/configmaps", {"metadata": {"name": "web"}})
    _post(api, f"/api/v1/namespaces/{ns}/events", _event(other, "ConfigMap", "Other", "not ours"))
    template = deploy["spec"]["template"]
    rs = {
        "metadata": {
            "name": "web-abc",
            "labels": {"app": "web"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "web",
                    "uid": deploy["metadata"]["uid"],
                    "controller": True,
                }
            ],
        },
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}, "template": template},
    }
    _post(api, f"/apis/apps/v1/namespaces/{ns}/replicasets", rs)

    text = mkctl("describe", "deployment", "web").stdout
    lines = text.splitlines()
    assert lines[0] == "Name:                   web"
    assert lines[1] == f"Namespace:              {ns}"
    assert "Annotations:            <none>" in lines  # last-applied is not shown
    assert (
        "Replicas:               2 desired | 0 updated | 0 total | 0 available | 0 unavailable"
        in lines
    )
    assert "      MODE:        blue" in lines
    assert any(
        line.startswith("NewReplicaSet:") and "web-abc (0/2 replicas created)" in line
        for line in lines
    )
    events = text.split("Events:")[1].splitlines()
    assert events[1].split() == ["Type", "Reason", "Age", "From", "Message"]
    assert events[3].split()[:2] == ["Normal", "Scaled"] and events[3].endswith("up to 2")
    assert "not ours" not in text

    by_selector = mkctl("describe", "rs", "-l", "app=web").stdout
    assert by_selector.startswith("Name:           web-abc\n")
    assert "Controlled By:  Deployment/web" in by_selector
    assert "Pods Status:    0 Running / 0 Waiting / 0 Succeeded / 0 Failed" in by_selector


def test_describe_pod_service_node_and_prefixes(mkctl: Mkctl, api: httpx.Client, ns: str) -> None:
    pod = {
        "metadata": {"name": "web-1", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "9"]}]},
    }
    _post(api, f"/api/v1/namespaces/{ns}/pods", pod)
    _post(api, f"/api/v1/namespaces/{ns}/pods", {**pod, "metadata": {"name": "web-2"}})
    text = mkctl("describe", "pod", "web-1").stdout
    assert "Status:       Pending" in text
    assert "    Image:      busybox" in text and "      sleep\n      9\n" in text
    both = mkctl("describe", "pods", "web").stdout  # a name prefix, as in kubectl
    assert [line.split()[1] for line in both.splitlines() if line.startswith("Name:")] == [
        "web-1",
        "web-2",
    ]
    assert "Events:           <none>\n\n\nName:" in both  # kubectl's separator

    service = {
        "metadata": {"name": "front"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    _post(api, f"/api/v1/namespaces/{ns}/services", service)
    text = mkctl("describe", "svc", "front").stdout
    assert "Type:                     ClusterIP" in text
    assert "Port:                     <unset>  80/TCP" in text
    assert "TargetPort:               8080/TCP" in text

    node_name = f"{ns}-node"
    node = _post(
        api,
        "/api/v1/nodes",
        {"metadata": {"name": node_name}, "spec": {"podCIDR": "10.244.9.0/24"}},
    )
    _post(api, "/api/v1/namespaces/default/events", _event(node, "Node", "Registered", "hello"))
    text = mkctl("describe", "node", node_name, namespaced=False).stdout
    assert text.startswith(f"Name:               {node_name}\n")
    assert "PodCIDR:" in text and "Non-terminated Pods:" in text
    assert "Registered" in text and "hello" in text
    api.delete(f"/api/v1/nodes/{node_name}")

    assert (
        mkctl.fails("describe", "svc", "nope")
        == 'Error from server (NotFound): services "nope" not found'
    )
