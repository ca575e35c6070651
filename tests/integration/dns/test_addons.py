"""The add-on manager (`mk-controller-manager --controllers addons --addons-dir deploy/addons`)
against a real API server of its own (an etcd prefix of its own, so the session's cluster
never gets a kube-dns of its own): the DNS add-on appears, a deleted object comes back, a
field set by the manifest is put back while other fields stay, nothing is patched twice."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from minik8s.cluster import processes
from tests.conftest import APIServerProcess, EtcdProcess
from tests.integration.controllers.conftest import ControllerManager

from .conftest import wait_for

ADDONS = Path(__file__).resolve().parents[3] / "deploy" / "addons"
SVC = "/api/v1/namespaces/kube-system/services/kube-dns"
DEPLOY = "/apis/apps/v1/namespaces/kube-system/deployments/coredns"


@pytest.fixture(scope="module")
def isolated(
    etcd: EtcdProcess, workdir: Path
) -> Iterator[tuple[APIServerProcess, ControllerManager]]:
    port = processes.free_port()
    prefix = f"/addons-{uuid.uuid4().hex[:8]}"
    server = APIServerProcess(
        f"http://127.0.0.1:{port}", port, etcd.url, workdir / f"apiserver-{port}.log",
        ["--etcd-prefix", prefix],
    )  # fmt: skip
    server.start()
    cm = ControllerManager(
        server.url,
        workdir / "controller-manager-addons.log",
        ["--controllers", "addons", "--leader-elect=false", "--addons-dir", str(ADDONS),
         "--addon-var", "DNS_UPSTREAM=none"],
    )  # fmt: skip
    try:
        wait_for(cm.ready, "the controller manager's /healthz", 30)
        yield server, cm
    finally:
        cm.stop()
        server.stop()


def _get(api: httpx.Client, path: str) -> dict | None:  # type: ignore[type-arg]
    r = api.get(path)
    return r.json() if r.status_code == 200 else None


def test_the_dns_addon_is_applied_and_kept(
    isolated: tuple[APIServerProcess, ControllerManager],
) -> None:
    server, cm = isolated
    with httpx.Client(base_url=server.url, timeout=10) as api:
        svc = wait_for(lambda: _get(api, SVC), "the kube-dns Service")
        assert svc["spec"]["clusterIP"] == "10.96.0.10"
        assert [(p["name"], p["port"], p["protocol"]) for p in svc["spec"]["ports"]] == [
            ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP"),
        ]  # fmt: skip
        deploy = wait_for(lambda: _get(api, DEPLOY), "the coredns Deployment")
        assert deploy["spec"]["replicas"] == 2
        container = deploy["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] == "minik8s/dns:latest"
        assert "--upstream=none" in container["args"]

        # deleted: created again, with a new uid and the same address
        assert api.delete(SVC).status_code == 200
        again = wait_for(
            lambda: (s := _get(api, SVC)) and s["metadata"]["uid"] != svc["metadata"]["uid"] and s,
            "kube-dns re-created",
        )
        assert again["spec"]["clusterIP"] == "10.96.0.10"

        # a field the manifest sets is put back; one it does not set stays
        patch = {"spec": {"replicas": 5}, "metadata": {"labels": {"mine": "yes"}}}
        r = api.patch(DEPLOY, json=patch, headers={"Content-Type": "application/merge-patch+json"})
        assert r.status_code == 200, r.text
        back = wait_for(
            lambda: (d := _get(api, DEPLOY)) and d["spec"]["replicas"] == 2 and d,
            "replicas put back",
        )
        assert back["metadata"]["labels"]["mine"] == "yes"

        # an object of a user in kube-system is left alone
        user = {"metadata": {"name": "mine"}, "data": {"a": "b"}}
        assert api.post("/api/v1/namespaces/kube-system/configmaps", json=user).status_code == 201

    log = cm.log.read_text()
    assert log.count("add-ons: applied deployments:kube-system/coredns again") == 1, log[-3000:]
    assert log.count("add-ons: created services:kube-system/kube-dns") == 2
