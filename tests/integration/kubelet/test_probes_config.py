"""Probes, env and volumes, bad input: through a real kubelet, CRI shim and Docker."""

from __future__ import annotations

import base64
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.integration.kubelet.conftest import KubeletProcess
from tests.integration.kubelet.helpers import (
    IDLE,
    condition,
    container,
    create,
    cstatus,
    phase,
    pod,
    wait_pod,
)


def _exec(kubelet: KubeletProcess, ns: str, name: str, *command: str) -> dict[str, Any]:
    r = httpx.post(
        f"http://127.0.0.1:{kubelet.port}/exec/{ns}/{name}/main",
        params=[("command", c) for c in command],
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def _events(api: httpx.Client, ns: str, name: str) -> list[str]:
    items = api.get(f"/api/v1/namespaces/{ns}/events").json()["items"]
    return [e["reason"] for e in items if e["involvedObject"]["name"] == name]


def test_liveness_failure_restarts_container(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    probe = {
        "exec": {"command": ["test", "-f", "/tmp/healthy"]},
        "periodSeconds": 1,
        "failureThreshold": 1,
    }
    main = container(
        "main", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; " + IDLE, livenessProbe=probe
    )
    create(api, ns, pod("live", kubelet.node, main))
    p = wait_pod(api, ns, "live", lambda p: cstatus(p).get("restartCount", 0) >= 1, "a restart", 90)
    assert p["status"]["containerStatuses"][0]["lastState"].get("terminated")
    assert "Unhealthy" in _events(api, ns, "live")


def test_readiness_probe_flips_ready(api: httpx.Client, ns: str, kubelet: KubeletProcess) -> None:
    probe = {"exec": {"command": ["test", "-f", "/tmp/ready"]}, "periodSeconds": 1}
    create(api, ns, pod("ready", kubelet.node, container("main", readinessProbe=probe)))
    p = wait_pod(api, ns, "ready", lambda p: phase(p) == "Running", "ready Running")
    assert condition(p, "Ready") == "False"
    assert _exec(kubelet, ns, "ready", "touch", "/tmp/ready")["exitCode"] == 0
    wait_pod(api, ns, "ready", lambda p: condition(p, "Ready") == "True", "Ready=True")
    _exec(kubelet, ns, "ready", "rm", "/tmp/ready")
    wait_pod(api, ns, "ready", lambda p: condition(p, "Ready") == "False", "Ready=False again")


def test_http_and_tcp_probes(api: httpx.Client, ns: str, kubelet: KubeletProcess) -> None:
    web = container(
        "main",
        "mkdir -p /www && echo hi > /www/index.html && httpd -f -p 8080 -h /www",
        readinessProbe={"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1},
        livenessProbe={"tcpSocket": {"port": 8080}, "periodSeconds": 1},
    )
    create(api, ns, pod("http", kubelet.node, web))
    p = wait_pod(api, ns, "http", lambda p: condition(p, "Ready") == "True", "http Ready")
    assert cstatus(p)["restartCount"] == 0


def test_configmap_and_secret_env_and_volumes(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    cm = {"metadata": {"name": "conf"}, "data": {"greeting": "hello", "file.txt": "v1"}}
    secret = {
        "metadata": {"name": "creds"},
        "data": {"password": base64.b64encode(b"s3cret").decode()},
    }
    assert api.post(f"/api/v1/namespaces/{ns}/configmaps", json=cm).status_code == 201
    assert api.post(f"/api/v1/namespaces/{ns}/secrets", json=secret).status_code == 201
    main = container(
        "main",
        env=[
            {
                "name": "GREETING",
                "valueFrom": {"configMapKeyRef": {"name": "conf", "key": "greeting"}},
            },
            {
                "name": "PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}},
            },
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "MSG", "value": "$(GREETING) from $(POD)"},
        ],
        envFrom=[{"configMapRef": {"name": "conf"}, "prefix": "CM_"}],
        volumeMounts=[
            {"name": "conf", "mountPath": "/etc/conf"},
            {"name": "creds", "mountPath": "/etc/creds", "readOnly": True},
            {"name": "info", "mountPath": "/etc/info"},
        ],
    )
    volumes = [
        {"name": "conf", "configMap": {"name": "conf"}},
        {"name": "creds", "secret": {"secretName": "creds"}},
        {
            "name": "info",
            "downwardAPI": {
                "items": [{"path": "ns", "fieldRef": {"fieldPath": "metadata.namespace"}}]
            },
        },
    ]
    create(api, ns, pod("cfg", kubelet.node, main, volumes=volumes))
    wait_pod(api, ns, "cfg", lambda p: phase(p) == "Running", "cfg Running")
    out = _exec(
        kubelet,
        ns,
        "cfg",
        "sh",
        "-c",
        "echo $MSG/$PASSWORD/$CM_greeting; cat /etc/conf/file.txt /etc/creds/password /etc/info/ns",
    )
    assert out["stdout"].split() == [
        "hello",
        "from",
        "cfg/s3cret/hello",
        "v1",
        "s3cret",
        ns,
    ] or out["stdout"].startswith("hello from cfg/s3cret/hello"), out
    assert f"v1s3cret{ns}" in out["stdout"].replace("\n", "")
    cm["data"]["file.txt"] = "v2"
    r = api.put(f"/api/v1/namespaces/{ns}/configmaps/conf", json=cm)
    assert r.status_code == 200, r.text
    deadline = time.monotonic() + 60
    while _exec(kubelet, ns, "cfg", "cat", "/etc/conf/file.txt")["stdout"] != "v2":
        assert time.monotonic() < deadline, "the configMap update never reached the file"
        time.sleep(0.5)


def test_empty_dir_shared_between_containers(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    mount = [{"name": "shared", "mountPath": "/shared"}]
    writer = container("writer", "echo from-writer > /shared/msg; " + IDLE, volumeMounts=mount)
    reader = container(
        "main", "until [ -f /shared/msg ]; do sleep 0.2; done; " + IDLE, volumeMounts=mount
    )
    body = pod("share", kubelet.node, writer, reader, volumes=[{"name": "shared", "emptyDir": {}}])
    create(api, ns, body)
    wait_pod(api, ns, "share", lambda p: phase(p) == "Running", "share Running")
    deadline = time.monotonic() + 30
    while _exec(kubelet, ns, "share", "cat", "/shared/msg")["stdout"].strip() != "from-writer":
        assert time.monotonic() < deadline
        time.sleep(0.3)


def test_missing_configmap_and_image_give_reasons(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    env = [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}}]
    create(api, ns, pod("nocm", kubelet.node, container("main", env=env)))
    missing = container("main", image="minik8s/does-not-exist:v1")
    missing["imagePullPolicy"] = "IfNotPresent"
    create(api, ns, pod("noimg", kubelet.node, missing))
    create(api, ns, pod("fine", kubelet.node, container("main")))

    def reason(p: dict[str, Any]) -> str:
        return str(cstatus(p).get("state", {}).get("waiting", {}).get("reason", ""))

    wait_pod(api, ns, "nocm", lambda p: reason(p) == "CreateContainerConfigError", "config error")
    wait_pod(
        api, ns, "noimg", lambda p: reason(p) in ("ErrImagePull", "ImagePullBackOff"), "pull error"
    )
    wait_pod(api, ns, "fine", lambda p: phase(p) == "Running", "the other pod still runs")
    assert "Failed" in _events(api, ns, "noimg")


def test_memory_limit_kills_with_oomkilled(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    hog = container(
        "main",
        "x=a; while :; do x=$x$x; done",
        resources={"limits": {"memory": "32Mi"}, "requests": {"memory": "32Mi"}},
    )
    create(api, ns, pod("oom", kubelet.node, hog, restartPolicy="Never"))
    p = wait_pod(api, ns, "oom", lambda p: phase(p) == "Failed", "oom Failed", 90)
    assert cstatus(p)["state"]["terminated"]["reason"] == "OOMKilled"
    assert p["status"]["qosClass"] == "Burstable"


def test_logs_follow_streams(api: httpx.Client, ns: str, kubelet: KubeletProcess) -> None:
    ticker = container(
        "main", "i=0; while [ $i -lt 200 ]; do echo tick $i; i=$((i+1)); sleep 0.2; done"
    )
    create(api, ns, pod("tick", kubelet.node, ticker))
    wait_pod(api, ns, "tick", lambda p: phase(p) == "Running", "tick Running")
    url = f"http://127.0.0.1:{kubelet.port}/containerLogs/{ns}/tick/main"
    seen: list[str] = []
    with httpx.stream("GET", url, params={"follow": "true"}, timeout=30) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            seen.append(line)
            if len(seen) >= 8:
                break
    assert seen[0].startswith("tick ") and len(seen) >= 8
    r = httpx.get(url, params={"tailLines": "2"}, timeout=10)
    assert len(r.text.splitlines()) == 2


def test_logs_through_the_api_server_and_kubectl(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    create(api, ns, pod("talk", kubelet.node, container("main", "echo one; echo two; " + IDLE)))
    wait_pod(api, ns, "talk", lambda p: phase(p) == "Running", "talk Running")
    deadline = time.monotonic() + 30
    while True:
        r = api.get(f"/api/v1/namespaces/{ns}/pods/talk/log")
        if r.status_code == 200 and r.text == "one\ntwo\n":
            break
        assert time.monotonic() < deadline, f"pods/log answered {r.status_code}: {r.text}"
        time.sleep(0.3)
    out = subprocess.run(
        [
            "kubectl",
            "--server",
            str(api.base_url).rstrip("/"),
            "logs",
            "-n",
            ns,
            "talk",
            "--tail",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "two\n"
    mkctl = Path(sys.executable).parent / "mkctl"
    out = subprocess.run(
        [str(mkctl), "--server", str(api.base_url).rstrip("/"), "logs", "-n", ns, "talk"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "one\ntwo\n"


def test_startup_probe_gates_readiness_and_host_network(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    main = container(
        "main",
        startupProbe={"exec": {"command": ["test", "-f", "/tmp/up"]}, "periodSeconds": 1},
        readinessProbe={"exec": {"command": ["true"]}, "periodSeconds": 1},
    )
    create(api, ns, pod("slowstart", kubelet.node, main))
    p = wait_pod(api, ns, "slowstart", lambda p: phase(p) == "Running", "slowstart Running")
    assert cstatus(p)["started"] is False and condition(p, "Ready") == "False"
    _exec(kubelet, ns, "slowstart", "touch", "/tmp/up")
    p = wait_pod(api, ns, "slowstart", lambda p: condition(p, "Ready") == "True", "started+ready")
    assert cstatus(p)["started"] is True

    create(api, ns, pod("hostnet", kubelet.node, container("main"), hostNetwork=True))
    p = wait_pod(api, ns, "hostnet", lambda p: phase(p) == "Running", "hostnet Running")
    assert p["status"]["podIP"] == "127.0.0.1"


def test_memory_empty_dir_is_tmpfs_and_unmounted_on_delete(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    mount = [{"name": "cache", "mountPath": "/cache"}]
    volumes = [{"name": "cache", "emptyDir": {"medium": "Memory", "sizeLimit": "8Mi"}}]
    p = create(
        api, ns, pod("mem", kubelet.node, container("main", volumeMounts=mount), volumes=volumes)
    )
    uid = p["metadata"]["uid"]
    wait_pod(api, ns, "mem", lambda p: phase(p) == "Running", "mem Running")
    mounts = _exec(kubelet, ns, "mem", "cat", "/proc/mounts")["stdout"]
    assert any(line.split()[1:3] == ["/cache", "tmpfs"] for line in mounts.splitlines()), mounts
    host = kubelet.workdir / "root" / "pods" / uid
    assert str(host) in Path("/proc/mounts").read_text()
    assert api.delete(f"/api/v1/namespaces/{ns}/pods/mem").status_code in (200, 202)
    deadline = time.monotonic() + 60
    while api.get(f"/api/v1/namespaces/{ns}/pods/mem").status_code != 404:
        assert time.monotonic() < deadline, "pod mem was not removed"
        time.sleep(0.2)
    assert str(host) not in Path("/proc/mounts").read_text()
    assert not host.exists()


def test_server_health_metrics_stats(api: httpx.Client, ns: str, kubelet: KubeletProcess) -> None:
    create(api, ns, pod("stats", kubelet.node, container("main")))
    p = wait_pod(api, ns, "stats", lambda p: phase(p) == "Running", "stats Running")
    base = f"http://127.0.0.1:{kubelet.port}"
    assert httpx.get(f"{base}/healthz", timeout=10).text == "ok"
    metrics = httpx.get(f"{base}/metrics", timeout=10).text
    assert "kubelet_running_pods" in metrics and "kubelet_pod_start_duration_seconds" in metrics
    deadline = time.monotonic() + 30
    while True:
        summary = httpx.get(f"{base}/stats/summary", timeout=20).json()
        mine = [s for s in summary["pods"] if s["podRef"]["uid"] == p["metadata"]["uid"]]
        if mine and mine[0]["memory"]["workingSetBytes"] > 0:
            break
        assert time.monotonic() < deadline, summary
        time.sleep(0.5)
    assert summary["node"]["memory"]["availableBytes"] > 0
    names = [x["metadata"]["name"] for x in httpx.get(f"{base}/pods", timeout=10).json()["items"]]
    assert "stats" in names
    missing = httpx.get(f"{base}/containerLogs/{ns}/nope/main", timeout=10)
    assert missing.status_code == 404


def test_exec_through_the_api_server_and_mkctl(
    api: httpx.Client, ns: str, kubelet: KubeletProcess
) -> None:
    create(api, ns, pod("shell", kubelet.node, container("main", IDLE)))
    wait_pod(api, ns, "shell", lambda p: phase(p) == "Running", "shell Running")
    r = api.post(
        f"/api/v1/namespaces/{ns}/pods/shell/exec",
        params={"command": ["sh", "-c", "echo out; echo err >&2; exit 3"]},
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"stdout": "out\n", "stderr": "err\n", "exitCode": 3}
    mkctl = Path(sys.executable).parent / "mkctl"
    out = subprocess.run(
        [
            str(mkctl),
            "--server",
            str(api.base_url).rstrip("/"),
            "exec",
            "-n",
            ns,
            "shell",
            "--",
            "sh",
            "-c",
            "echo hello; exit 4",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (out.returncode, out.stdout) == (4, "hello\n"), out.stderr
    r = api.post(
        f"/api/v1/namespaces/{ns}/pods/shell/exec", params={"command": "true", "container": "nope"}
    )
    assert r.status_code == 400 and "nope" in r.json()["message"]
