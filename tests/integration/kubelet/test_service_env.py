"""Service environment variables reach the containers (real Docker), and the kubelet
registers its Node again when the Node is deleted while it runs."""

from __future__ import annotations

import time

import httpx

from tests.integration.kubelet.conftest import KubeletProcess
from tests.integration.kubelet.helpers import IDLE, container, create, phase, pod, wait_pod


def _service(api: httpx.Client, ns: str) -> dict:
    body = {
        "metadata": {"name": "web-svc"},
        "spec": {
            "ports": [
                {"name": "http", "port": 80, "targetPort": 8080},
                {"name": "stats", "port": 9090, "protocol": "UDP"},
            ]
        },
    }
    r = api.post(f"/api/v1/namespaces/{ns}/services", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _env_of(api: httpx.Client, ns: str, kubelet: KubeletProcess, name: str, **spec: object) -> dict:
    host = kubelet.workdir / f"env-{ns}-{name}"
    host.mkdir()
    main = container(
        "main",
        "env > /host/env.tmp && mv /host/env.tmp /host/env; " + IDLE,
        env=[{"name": "SELF", "value": "at $(KUBERNETES_SERVICE_HOST)"}],
        volumeMounts=[{"name": "host", "mountPath": "/host"}],
    )
    volumes = [{"name": "host", "hostPath": {"path": str(host), "type": "Directory"}}]
    create(api, ns, pod(name, kubelet.node, main, volumes=volumes, **spec))
    wait_pod(api, ns, name, lambda p: phase(p) == "Running", f"{name} Running")
    deadline = time.monotonic() + 30
    while not (host / "env").exists():
        assert time.monotonic() < deadline, "the container never wrote its env"
        time.sleep(0.1)
    lines = (host / "env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def test_containers_see_service_variables(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    svc = _service(api, ns)
    ip = svc["spec"]["clusterIP"]
    kube_ip = api.get("/api/v1/namespaces/default/services/kubernetes").json()["spec"]["clusterIP"]
    env = _env_of(api, ns, kubelet, "linked")
    assert env["KUBERNETES_SERVICE_HOST"] == kube_ip
    assert env["KUBERNETES_SERVICE_PORT"] == "443"
    assert env["KUBERNETES_SERVICE_PORT_HTTPS"] == "443"
    assert env["KUBERNETES_PORT"] == f"tcp://{kube_ip}:443"
    assert env["KUBERNETES_PORT_443_TCP"] == f"tcp://{kube_ip}:443"
    assert env["KUBERNETES_PORT_443_TCP_PROTO"] == "tcp"
    assert env["KUBERNETES_PORT_443_TCP_PORT"] == "443"
    assert env["KUBERNETES_PORT_443_TCP_ADDR"] == kube_ip
    assert env["WEB_SVC_SERVICE_HOST"] == ip
    assert env["WEB_SVC_SERVICE_PORT"] == "80"
    assert env["WEB_SVC_SERVICE_PORT_HTTP"] == "80"
    assert env["WEB_SVC_SERVICE_PORT_STATS"] == "9090"
    assert env["WEB_SVC_PORT"] == f"tcp://{ip}:80"
    assert env["WEB_SVC_PORT_9090_UDP"] == f"udp://{ip}:9090"
    assert env["WEB_SVC_PORT_9090_UDP_PROTO"] == "udp"
    assert env["SELF"] == f"at {kube_ip}"  # $(VAR) may name a Service variable

    # Without service links: only the kubernetes Service of `default`.
    env = _env_of(api, ns, kubelet, "unlinked", enableServiceLinks=False)
    assert env["KUBERNETES_SERVICE_HOST"] == kube_ip
    assert not [k for k in env if k.startswith("WEB_SVC_")]


def test_a_deleted_node_is_registered_again(api: httpx.Client, kubelet: KubeletProcess) -> None:
    path = f"/api/v1/nodes/{kubelet.node}"
    uid = api.get(path).json()["metadata"]["uid"]
    assert api.delete(path).status_code == 200
    deadline = time.monotonic() + 15
    while True:
        r = api.get(path)
        if r.status_code == 200 and r.json()["metadata"]["uid"] != uid:
            break
        assert time.monotonic() < deadline, f"the node was not registered again: {r.text}"
        time.sleep(0.1)
    node = r.json()
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == kubelet.node

    def ready() -> bool:
        conditions = (api.get(path).json().get("status") or {}).get("conditions") or []
        return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)

    while not ready():
        assert time.monotonic() < deadline + 15, "the node never became Ready again"
        time.sleep(0.2)
