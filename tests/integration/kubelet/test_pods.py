"""Pods through a real kubelet, CRI shim and Docker: run, status, restart, termination."""

from __future__ import annotations

import time

import httpx

from minik8s.cri import cri_pb2 as pb
from tests.integration.kubelet.conftest import KubeletProcess
from tests.integration.kubelet.helpers import (
    IDLE,
    condition,
    container,
    create,
    cstatus,
    get,
    phase,
    pod,
    wait_pod,
)


def test_node_registers_with_lease(api: httpx.Client, kubelet: KubeletProcess) -> None:
    node = api.get(f"/api/v1/nodes/{kubelet.node}").json()
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == kubelet.node
    status = node["status"]
    assert {"type": "InternalIP", "address": "127.0.0.1"} in status["addresses"]
    assert status["daemonEndpoints"]["kubeletEndpoint"]["Port"] == kubelet.port
    assert int(status["capacity"]["pods"]) == 110
    ready = [c for c in status["conditions"] if c["type"] == "Ready"]
    assert ready and ready[0]["status"] == "True"
    assert node["spec"]["podCIDR"] == kubelet.shim.pod_cidr
    assert status["nodeInfo"]["containerRuntimeVersion"].startswith("docker://")
    lease = api.get(
        f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{kubelet.node}"
    )
    assert lease.status_code == 200, lease.text
    assert lease.json()["spec"]["holderIdentity"] == kubelet.node


def test_pod_runs_with_ip_and_two_containers_share_localhost(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    server = container("server", "httpd -f -p 8080 -h /")
    client = container(
        "client",
        "until echo | nc 127.0.0.1 8080 >/dev/null 2>&1; do sleep 0.2; done; echo reached; " + IDLE,
    )
    create(api, ns, pod("web", kubelet.node, server, client))
    p = wait_pod(
        api,
        ns,
        "web",
        lambda p: phase(p) == "Running" and condition(p, "Ready") == "True",
        "web Running and Ready",
    )
    assert p["status"]["podIP"].startswith(kubelet.shim.pod_cidr.rsplit(".", 1)[0])
    assert p["status"]["hostIP"] == "127.0.0.1"
    assert cstatus(p, "server")["state"].get("running")
    assert p["status"]["qosClass"] == "BestEffort"
    logs = httpx.get(f"http://127.0.0.1:{kubelet.port}/containerLogs/{ns}/web/client", timeout=10)
    assert logs.status_code == 200 and "reached" in logs.text


def test_init_container_runs_first(api: httpx.Client, ns: str, kubelet: KubeletProcess) -> None:
    body = pod(
        "init",
        kubelet.node,
        container(
            "main", "cat /work/ready && " + IDLE, volumeMounts=[{"name": "w", "mountPath": "/work"}]
        ),
        initContainers=[
            container(
                "setup",
                "echo done > /work/ready",
                volumeMounts=[{"name": "w", "mountPath": "/work"}],
            )
        ],
        volumes=[{"name": "w", "emptyDir": {}}],
    )
    create(api, ns, body)
    p = wait_pod(api, ns, "init", lambda p: phase(p) == "Running", "init pod Running")
    assert cstatus(p, "setup", init=True)["state"]["terminated"]["exitCode"] == 0
    assert condition(p, "Initialized") == "True"


def test_crashing_container_backs_off(api: httpx.Client, ns: str, kubelet: KubeletProcess) -> None:
    create(api, ns, pod("crash", kubelet.node, container("main", "echo crashed; exit 3")))
    p = wait_pod(
        api,
        ns,
        "crash",
        lambda p: (
            cstatus(p).get("state", {}).get("waiting", {}).get("reason") == "CrashLoopBackOff"
            and cstatus(p)["restartCount"] >= 2
        ),
        "CrashLoopBackOff",
        timeout=90,
    )
    s = cstatus(p)
    assert s["lastState"]["terminated"]["exitCode"] == 3
    assert phase(p) == "Running"
    r = httpx.get(
        f"http://127.0.0.1:{kubelet.port}/containerLogs/{ns}/crash/main",
        params={"previous": "true"},
        timeout=10,
    )
    assert r.status_code == 200 and r.text == "crashed\n", r.text
    reasons = [
        e["reason"]
        for e in api.get(f"/api/v1/namespaces/{ns}/events").json()["items"]
        if e["involvedObject"]["name"] == "crash"
    ]
    assert "BackOff" in reasons and "Started" in reasons


def test_never_restart_ends_failed_or_succeeded(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    create(api, ns, pod("ok", kubelet.node, container("main", "echo bye"), restartPolicy="Never"))
    create(api, ns, pod("bad", kubelet.node, container("main", "exit 7"), restartPolicy="Never"))
    p = wait_pod(api, ns, "ok", lambda p: phase(p) == "Succeeded", "ok Succeeded")
    assert cstatus(p)["state"]["terminated"]["reason"] == "Completed"
    p = wait_pod(api, ns, "bad", lambda p: phase(p) == "Failed", "bad Failed")
    assert cstatus(p)["state"]["terminated"]["exitCode"] == 7
    assert cstatus(p)["restartCount"] == 0


def _wait_gone(api: httpx.Client, ns: str, name: str, timeout: float = 60) -> float:
    started = time.monotonic()
    while get(api, ns, name) is not None:
        assert time.monotonic() - started < timeout, f"pod {name} was not removed"
        time.sleep(0.2)
    return time.monotonic() - started


def _sandboxes(kubelet: KubeletProcess, uid: str) -> list[pb.PodSandbox]:
    items = kubelet.shim.rt.ListPodSandbox(pb.ListPodSandboxRequest()).items
    return [s for s in items if s.metadata.uid == uid]


def test_graceful_delete_runs_prestop_hooks_and_removes_pod(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    host = kubelet.workdir / f"hooks-{ns}"
    host.mkdir()
    mount = [{"name": "host", "mountPath": "/host"}]
    exec_hook = {"preStop": {"exec": {"command": ["sh", "-c", "echo exec-hook > /host/exec"]}}}
    http_hook = {"preStop": {"httpGet": {"path": "/bye", "port": 8080}}}
    main = container("main", lifecycle=exec_hook, volumeMounts=mount)
    listener = container(
        "listener",
        "nc -l -p 8080 > /host/request; " + IDLE,
        lifecycle=http_hook,
        volumeMounts=mount,
    )
    volumes = [{"name": "host", "hostPath": {"path": str(host), "type": "Directory"}}]
    create(api, ns, pod("bye", kubelet.node, main, listener, volumes=volumes))
    p = wait_pod(api, ns, "bye", lambda p: phase(p) == "Running", "bye Running")
    uid = p["metadata"]["uid"]
    r = api.delete(f"/api/v1/namespaces/{ns}/pods/bye")
    assert r.status_code in (200, 202), r.text
    _wait_gone(api, ns, "bye")
    assert not _sandboxes(kubelet, uid)
    assert (host / "exec").read_text() == "exec-hook\n"
    assert (host / "request").read_text().startswith("GET /bye ")


def test_delete_honours_grace_period(api: httpx.Client, ns: str, kubelet: KubeletProcess) -> None:
    stubborn = container("main", "trap '' TERM; while :; do sleep 1; done")
    create(api, ns, pod("slow", kubelet.node, stubborn, terminationGracePeriodSeconds=3))
    p = wait_pod(api, ns, "slow", lambda p: phase(p) == "Running", "slow Running")
    r = api.delete(f"/api/v1/namespaces/{ns}/pods/slow")
    assert r.status_code in (200, 202), r.text
    elapsed = _wait_gone(api, ns, "slow")
    assert elapsed >= 2.5, f"SIGKILL came before the grace period ({elapsed:.1f}s)"
    assert not _sandboxes(kubelet, p["metadata"]["uid"])


def test_image_update_replaces_the_container(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    create(api, ns, pod("swap", kubelet.node, container("main")))
    wait_pod(api, ns, "swap", lambda p: phase(p) == "Running", "swap Running")
    patch = {"spec": {"containers": [{"name": "main", "image": "minik8s/shell:latest"}]}}
    r = api.patch(
        f"/api/v1/namespaces/{ns}/pods/swap",
        json=patch,
        headers={"Content-Type": "application/strategic-merge-patch+json"},
    )
    assert r.status_code == 200, r.text
    p = wait_pod(
        api,
        ns,
        "swap",
        lambda p: (
            cstatus(p).get("image") == "minik8s/shell:latest"
            and cstatus(p).get("restartCount") == 1
            and bool(cstatus(p)["state"].get("running"))
        ),
        "the container replaced with the new image",
    )
    assert phase(p) == "Running"
