"""Restarts and outages: the API server keeps nothing of its own and recovers by itself."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from minik8s.cluster import processes
from tests.conftest import APIServerProcess, EtcdProcess
from tests.manifests import manifest

from .watching import WatchStream


def test_restart_loses_nothing(fresh_apiserver: APIServerProcess) -> None:
    with httpx.Client(base_url=fresh_apiserver.url, timeout=10) as api:
        api.post("/api/v1/namespaces", json={"metadata": {"name": "survivor"}})
        dep = api.post(
            "/apis/apps/v1/namespaces/survivor/deployments", json=manifest("deployments", "keep")
        ).json()
        svc = api.post(
            "/api/v1/namespaces/survivor/services", json=manifest("services", "keep")
        ).json()
        rv = dep["metadata"]["resourceVersion"]
    fresh_apiserver.restart()
    with httpx.Client(base_url=fresh_apiserver.url, timeout=10) as api:
        assert api.get("/apis/apps/v1/namespaces/survivor/deployments/keep").json() == dep
        assert api.get("/api/v1/namespaces/survivor/services/keep").json() == svc
        # A watch from a version before the restart still sees every later change.
        with WatchStream(
            fresh_apiserver.url, "/apis/apps/v1/namespaces/survivor/deployments", resourceVersion=rv
        ) as w:
            api.patch(
                "/apis/apps/v1/namespaces/survivor/deployments/keep",
                json={"spec": {"replicas": 1}},
                headers={"Content-Type": "application/merge-patch+json"},
            )
            ev = w.next()
            assert ev["type"] == "MODIFIED" and ev["object"]["spec"]["replicas"] == 1
        # The ClusterIP stays taken across the restart.
        taken = manifest("services", "clash")
        taken["spec"]["clusterIP"] = svc["spec"]["clusterIP"]
        assert api.post("/api/v1/namespaces/survivor/services", json=taken).status_code == 422


def test_etcd_outage_answers_503_quickly_and_recovers(tmp_path: Path) -> None:
    port, peer, api_port = processes.free_port(), processes.free_port(), processes.free_port()
    data = tmp_path / "etcd"
    etcd = processes.start_etcd(data, port, peer, tmp_path / "etcd.log")
    url = f"http://127.0.0.1:{port}"
    server = processes.start_apiserver(
        url, api_port, tmp_path / "api.log", ["--etcd-request-timeout", "1"]
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{api_port}", timeout=10) as api:
            assert (
                api.post(
                    "/api/v1/namespaces/default/configmaps", json=manifest("configmaps", "before")
                ).status_code
                == 201
            )
            processes.stop(etcd)
            started = time.monotonic()
            r = api.get("/api/v1/namespaces/default/configmaps/before")
            assert r.status_code in (503, 504), r.text
            assert r.json()["kind"] == "Status"
            assert time.monotonic() - started < 5
            assert api.get("/readyz").status_code == 503
            etcd = processes.start_etcd(data, port, peer, tmp_path / "etcd.log")
            processes.wait_until(
                lambda: api.get("/readyz").status_code == 200, 30, "readyz after etcd came back"
            )
            r = api.get("/api/v1/namespaces/default/configmaps/before")
            assert r.status_code == 200
            assert (
                api.post(
                    "/api/v1/namespaces/default/configmaps", json=manifest("configmaps", "after")
                ).status_code
                == 201
            )
    finally:
        processes.stop(server)
        processes.stop(etcd)


def test_watch_older_than_cache_window_ends_cleanly_at_timeout(
    fresh_apiserver: APIServerProcess,
) -> None:
    with httpx.Client(base_url=fresh_apiserver.url, timeout=10) as api:
        api.post("/api/v1/namespaces", json={"metadata": {"name": "old-window"}})
        rv = api.post(
            "/api/v1/namespaces/old-window/configmaps", json=manifest("configmaps", "a")
        ).json()["metadata"]["resourceVersion"]
    # After a restart the cache starts later than `rv`: the watch is served by its own etcd
    # watch, and must still replay, stream and end cleanly.
    fresh_apiserver.restart()
    with httpx.Client(base_url=fresh_apiserver.url, timeout=10) as api:
        api.post("/api/v1/namespaces/old-window/configmaps", json=manifest("configmaps", "b"))
        with api.stream(
            "GET",
            "/api/v1/namespaces/old-window/configmaps",
            params={"watch": "true", "resourceVersion": rv, "timeoutSeconds": "2"},
        ) as r:
            lines = [line for line in r.iter_lines() if line.strip()]
    assert [json.loads(line)["object"]["metadata"]["name"] for line in lines] == ["b"]


def test_api_server_compacts_etcd_history(etcd: EtcdProcess, tmp_path: Path) -> None:
    port = processes.free_port()
    server = processes.start_apiserver(
        etcd.url, port, tmp_path / "api.log", ["--etcd-compaction-interval", "1"]
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as api:
            old = api.post(
                "/api/v1/namespaces/default/configmaps", json=manifest("configmaps", "compact-me")
            ).json()["metadata"]["resourceVersion"]

            def expired() -> bool:
                r = api.get(
                    "/api/v1/namespaces/default/configmaps",
                    params={"watch": "true", "resourceVersion": old, "timeoutSeconds": "1"},
                )
                first = r.text.splitlines()[0] if r.text else ""
                return bool(first) and json.loads(first)["type"] == "ERROR"

            processes.wait_until(expired, 20, "etcd history before the object to be compacted")
            # Current state is untouched; a fresh version watches fine.
            assert api.get("/api/v1/namespaces/default/configmaps/compact-me").status_code == 200
            api.delete("/api/v1/namespaces/default/configmaps/compact-me")
    finally:
        processes.stop(server)
