"""Resource types mkctl learns from the server's discovery, and JSON manifest streams."""

from __future__ import annotations

import json

import httpx

from tests.integration.ctl.conftest import Mkctl


def test_types_only_the_server_knows_resolve_through_discovery(mkctl: Mkctl) -> None:
    table = mkctl("get", "cs", namespaced=False).stdout.splitlines()
    assert table[0].split() == ["NAME", "STATUS", "MESSAGE", "ERROR"]
    assert any(line.split()[:2] == ["etcd-0", "Healthy"] for line in table[1:])
    one = json.loads(mkctl("get", "componentstatus/etcd-0", "-o", "json").stdout)
    assert one["kind"] == "ComponentStatus" and one["metadata"]["name"] == "etcd-0"
    described = mkctl("describe", "cs", "etcd-0", namespaced=False).stdout
    assert described.startswith("Name:") and "Healthy" in described
    # Served by metrics.k8s.io without storage: no nodes here, but the type resolves.
    assert mkctl("get", "nodes.metrics.k8s.io").stderr == "No resources found\n"
    assert mkctl("get", "podmetrics").stderr.startswith("No resources found in ")
    assert mkctl.fails("delete", "cs", "etcd-0").startswith("Error from server (MethodNotAllowed)")
    assert mkctl.fails("get", "nosuchthings") == (
        'error: the server doesn\'t have a resource type "nosuchthings"'
    )


def _cm(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def test_apply_json_documents_separated_by_dashes_and_lists(
    mkctl: Mkctl, api: httpx.Client, ns: str
) -> None:
    stream = "\n---\n".join(
        [
            json.dumps(_cm("one"), indent=2),
            json.dumps({"apiVersion": "v1", "kind": "List", "items": [_cm("two"), _cm("three")]}),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: four\n",
        ]
    )
    out = mkctl("apply", "-f", "-", stdin=stream).stdout
    assert out.splitlines() == [
        "configmap/one created",
        "configmap/two created",
        "configmap/three created",
        "configmap/four created",
    ]
    names = {
        i["metadata"]["name"]
        for i in api.get(f"/api/v1/namespaces/{ns}/configmaps").json()["items"]
    }
    assert {"one", "two", "three", "four"} <= names
    # A broken JSON document names its line in the whole stream; the ones before it apply.
    error = mkctl.fails("apply", "-f", "-", stdin=json.dumps(_cm("five")) + '\n---\n{"kind":\n')
    assert error.startswith("error: error parsing STDIN: json: line 4, column 1")
    assert api.get(f"/api/v1/namespaces/{ns}/configmaps/five").status_code == 200
