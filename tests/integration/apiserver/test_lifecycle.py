"""Finalizers, deletion, namespaces and the pod/scale subresources."""

from __future__ import annotations

from pathlib import Path

import httpx

from minik8s.cluster import processes
from tests.conftest import EtcdProcess
from tests.manifests import manifest

MERGE = {"Content-Type": "application/merge-patch+json"}


def test_finalizers_hold_an_object_until_removed(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/configmaps"
    api.post(path, json=manifest("configmaps", "fin", finalizers=["example.com/hold"]))
    r = api.delete(f"{path}/fin")
    assert r.status_code == 202
    held = api.get(f"{path}/fin").json()
    assert held["metadata"]["deletionTimestamp"]
    assert held["metadata"]["finalizers"] == ["example.com/hold"]
    # Adding finalizers to a terminating object is refused.
    r = api.patch(
        f"{path}/fin", json={"metadata": {"finalizers": ["example.com/hold", "b/c"]}}, headers=MERGE
    )
    assert r.status_code == 422
    r = api.patch(f"{path}/fin", json={"metadata": {"finalizers": None}}, headers=MERGE)
    assert r.status_code == 200, r.text
    assert api.get(f"{path}/fin").status_code == 404


def test_propagation_policies_become_finalizers(api: httpx.Client, ns: str) -> None:
    path = f"/apis/apps/v1/namespaces/{ns}/replicasets"
    api.post(path, json=manifest("replicasets", "orphan-me"))
    api.post(path, json=manifest("replicasets", "fg"))
    r = api.request("DELETE", f"{path}/orphan-me", json={"propagationPolicy": "Orphan"})
    assert r.status_code == 202
    assert r.json()["metadata"]["finalizers"] == ["orphan"]
    r = api.delete(f"{path}/fg", params={"propagationPolicy": "Foreground"})
    assert r.status_code == 202
    assert r.json()["metadata"]["finalizers"] == ["foregroundDeletion"]
    r = api.delete(f"{path}/fg", params={"propagationPolicy": "Sideways"})
    assert r.status_code == 400


def test_namespace_deletion_marks_terminating_and_blocks_new_content(api: httpx.Client) -> None:
    api.post("/api/v1/namespaces", json={"metadata": {"name": "doomed-ns"}})
    r = api.delete("/api/v1/namespaces/doomed-ns")
    assert r.status_code == 202
    ns = api.get("/api/v1/namespaces/doomed-ns").json()
    assert ns["status"]["phase"] == "Terminating" and ns["metadata"]["deletionTimestamp"]
    r = api.post("/api/v1/namespaces/doomed-ns/configmaps", json=manifest("configmaps", "late"))
    assert r.status_code == 403
    assert "being terminated" in r.json()["message"]
    # The namespace controller's last step: an empty spec.finalizers through /finalize.
    ns["spec"]["finalizers"] = []
    r = api.put("/api/v1/namespaces/doomed-ns/finalize", json=ns)
    assert r.status_code == 200, r.text
    assert api.get("/api/v1/namespaces/doomed-ns").status_code == 404


def test_builtin_namespaces_exist(api: httpx.Client) -> None:
    names = {n["metadata"]["name"] for n in api.get("/api/v1/namespaces").json()["items"]}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names


def test_binding_sets_node_once(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/pods"
    pod = api.post(path, json=manifest("pods", "bind-me")).json()
    assert pod["status"]["phase"] == "Pending"
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "bind-me"},
        "target": {"apiVersion": "v1", "kind": "Node", "name": "node-a"},
    }
    r = api.post(f"{path}/bind-me/binding", json=binding)
    assert r.status_code == 201, r.text
    bound = api.get(f"{path}/bind-me").json()
    assert bound["spec"]["nodeName"] == "node-a"
    assert any(
        c["type"] == "PodScheduled" and c["status"] == "True" for c in bound["status"]["conditions"]
    )
    binding["target"]["name"] = "node-b"
    r = api.post(f"{path}/bind-me/binding", json=binding)
    assert r.status_code == 409
    assert "already assigned" in r.json()["message"]
    assert api.get(f"{path}/bind-me").json()["spec"]["nodeName"] == "node-a"
    # spec.nodeName cannot be changed by a plain update either.
    bound["spec"]["nodeName"] = "node-b"
    assert api.put(f"{path}/bind-me", json=bound).status_code == 422


def test_binding_a_recreated_pod_is_not_refused_for_the_old_one(api: httpx.Client, ns: str) -> None:
    """The binding starts from the watch cache's copy; a copy of the deleted pod (bound)
    must not make the new pod of the same name look bound."""
    path = f"/api/v1/namespaces/{ns}/pods"
    for i in range(10):
        api.post(path, json=manifest("pods", "again"))
        r = api.post(f"{path}/again/binding", json={"target": {"kind": "Node", "name": f"n{i}"}})
        assert r.status_code == 201, r.text
        assert api.get(f"{path}/again").json()["spec"]["nodeName"] == f"n{i}"
        r = api.delete(f"{path}/again", params={"gracePeriodSeconds": 0})
        assert r.status_code == 200, r.text


def test_pod_on_a_node_waits_for_graceful_deletion(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/pods"
    api.post(path, json=manifest("pods", "graceful"))
    api.post(f"{path}/graceful/binding", json={"target": {"kind": "Node", "name": "n1"}})
    r = api.delete(f"{path}/graceful")
    assert r.status_code == 202
    meta = api.get(f"{path}/graceful").json()["metadata"]
    assert meta["deletionGracePeriodSeconds"] == 30 and meta["deletionTimestamp"]
    # What the kubelet does once the containers are gone:
    r = api.request("DELETE", f"{path}/graceful", json={"gracePeriodSeconds": 0})
    assert r.status_code == 200
    assert api.get(f"{path}/graceful").status_code == 404
    # An unscheduled pod has nobody to wait for.
    api.post(path, json=manifest("pods", "unscheduled"))
    assert api.delete(f"{path}/unscheduled").status_code == 200


def test_scale_subresource(api: httpx.Client, ns: str) -> None:
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    api.post(path, json=manifest("deployments", "sc"))
    scale = api.get(f"{path}/sc/scale").json()
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 3
    assert scale["status"]["selector"] == "app=web"
    r = api.patch(f"{path}/sc/scale", json={"spec": {"replicas": 6}}, headers=MERGE)
    assert r.status_code == 200 and r.json()["spec"]["replicas"] == 6
    assert api.get(f"{path}/sc").json()["spec"]["replicas"] == 6
    scale = r.json()
    scale["spec"]["replicas"] = -2
    r = api.put(f"{path}/sc/scale", json=scale)
    assert r.status_code == 422 and r.json()["details"]["causes"][0]["field"] == "spec.replicas"
    assert api.get(f"{path}/configmaps/scale").status_code == 404


def test_a_scale_without_replicas_scales_to_zero(api: httpx.Client, ns: str) -> None:
    """client-go's Scale has `replicas` omitempty: a Go client scaling to 0 sends none."""
    path = f"/apis/apps/v1/namespaces/{ns}/deployments"
    api.post(path, json=manifest("deployments", "zero"))
    scale = api.get(f"{path}/zero/scale").json()
    del scale["spec"]["replicas"]
    r = api.put(f"{path}/zero/scale", json=scale)
    assert r.status_code == 200, r.text
    assert api.get(f"{path}/zero").json()["spec"]["replicas"] == 0


def test_eviction_deletes_the_pod(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/pods"
    api.post(path, json=manifest("pods", "evict-me"))
    r = api.post(
        f"{path}/evict-me/eviction",
        json={"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "evict-me"}},
    )
    assert r.status_code == 201, r.text
    assert api.get(f"{path}/evict-me").status_code == 404


def test_pod_log_errors_name_what_is_missing(api: httpx.Client, ns: str) -> None:
    path = f"/api/v1/namespaces/{ns}/pods"
    api.post(path, json=manifest("pods", "logs"))
    r = api.get(f"{path}/logs/log")
    assert r.status_code == 400 and "not scheduled" in r.json()["message"]
    r = api.get(f"{path}/logs/log", params={"container": "nope"})
    assert r.status_code == 400 and "nope" in r.json()["message"]
    api.post(f"{path}/logs/binding", json={"target": {"kind": "Node", "name": f"{ns}-gone"}})
    r = api.get(f"{path}/logs/log")
    assert r.status_code == 503 and f"{ns}-gone" in r.json()["message"]


def test_pod_log_streams_from_the_nodes_kubelet_endpoint(api: httpx.Client, ns: str) -> None:
    """The proxy relays the node's /containerLogs answer (a loopback stand-in serves it here;
    the kubelet's own tests cover the real one)."""
    import http.server
    import threading

    seen: list[str] = []

    class Logs(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"line one\nline two\n")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Logs)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        node = f"{ns}-node"
        api.post("/api/v1/nodes", json={"metadata": {"name": node}})
        status = {
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": server.server_address[1]}},
        }
        r = api.patch(f"/api/v1/nodes/{node}/status", json={"status": status}, headers=MERGE)
        assert r.status_code == 200, r.text
        path = f"/api/v1/namespaces/{ns}/pods"
        api.post(path, json=manifest("pods", "talker"))
        api.post(f"{path}/talker/binding", json={"target": {"kind": "Node", "name": node}})
        r = api.get(f"{path}/talker/log", params={"tailLines": "5", "follow": "true"})
        assert r.status_code == 200 and r.text == "line one\nline two\n"
        assert seen == [f"/containerLogs/{ns}/talker/web?follow=true&tailLines=5"]
    finally:
        server.shutdown()
        api.delete(f"/api/v1/nodes/{ns}-node")


def test_events_expire_after_their_ttl(etcd: EtcdProcess, tmp_path: Path) -> None:
    port = processes.free_port()
    server = processes.start_apiserver(etcd.url, port, tmp_path / "api.log", ["--event-ttl", "2"])
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as api:
            r = api.post("/api/v1/namespaces/default/events", json=manifest("events", "short"))
            assert r.status_code == 201, r.text
            cm = api.post(
                "/api/v1/namespaces/default/configmaps",
                json=manifest("configmaps", "ttl-neighbour"),
            )
            assert cm.status_code == 201
            processes.wait_until(
                lambda: api.get("/api/v1/namespaces/default/events/short").status_code == 404,
                15,
                "the event to expire",
            )
            # Only events expire.
            assert api.get("/api/v1/namespaces/default/configmaps/ttl-neighbour").status_code == 200
            api.delete("/api/v1/namespaces/default/configmaps/ttl-neighbour")
    finally:
        processes.stop(server)
