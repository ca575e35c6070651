"""Back-off, env resolution, CRI specs, log rendering, volume files: pure logic."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import pytest

from kubelet.backoff import Backoff
from kubelet.cri import pb
from kubelet.env import ConfigError, expand, resolve_env
from kubelet.server import render
from kubelet.specs import PodSettings, container_config, resources, sandbox_config
from kubelet.volumes import prepare

POD: dict[str, Any] = {
    "metadata": {"name": "web", "namespace": "prod", "uid": "u1", "labels": {"app": "web"}},
    "spec": {"nodeName": "n1", "containers": [{"name": "main", "image": "busybox"}]},
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_caps_and_resets() -> None:
    clock = Clock()
    b = Backoff(10, 40, 600, clock)
    key = ("u", "c")
    assert b.remaining(key, 990, 1000) == 0  # first restart at once
    assert [b.restarted(key) for _ in range(4)] == [10, 20, 40, 40]
    assert b.remaining(key, 995, 1000) == 40
    clock.now = 1030
    assert b.remaining(key, 995, 1000) == 10
    assert b.remaining(key, 0, 1000) == 0  # it ran for 10 minutes: reset
    b.restarted(key)
    b.forget_pod("u")
    assert b.remaining(key, 999, 1000) == 0


def test_expand() -> None:
    assert expand("$(A)-$(B)-$$(A)", {"A": "x"}) == "x-$(B)-$(A)"


def _fetch(objects: dict[tuple[str, str], dict[str, Any]]) -> Any:
    async def fetch(kind: str, ns: str, name: str) -> dict[str, Any] | None:
        return objects.get((kind, name))

    return fetch


def test_resolve_env() -> None:
    objects = {
        ("ConfigMap", "cm"): {"data": {"a": "1", "b": "2"}},
        ("Secret", "s"): {"data": {"pw": base64.b64encode(b"x").decode()}},
    }
    container = {
        "envFrom": [{"configMapRef": {"name": "cm"}, "prefix": "CM_"}],
        "env": [
            {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "s", "key": "pw"}}},
            {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
            {
                "name": "OPT",
                "valueFrom": {"configMapKeyRef": {"name": "no", "key": "k", "optional": True}},
            },
            {"name": "MSG", "value": "$(PW)@$(IP)"},
        ],
    }
    env = asyncio.run(resolve_env(POD, container, _fetch(objects), pod_ip="10.1.1.1"))
    assert dict(env) == {
        "CM_a": "1",
        "CM_b": "2",
        "PW": "x",
        "IP": "10.1.1.1",
        "APP": "web",
        "MSG": "x@10.1.1.1",
    }


def test_resolve_env_missing_key_is_config_error() -> None:
    container = {
        "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "z"}}}]
    }
    with pytest.raises(ConfigError, match="couldn't find key z"):
        asyncio.run(resolve_env(POD, container, _fetch({("ConfigMap", "cm"): {"data": {}}})))
    with pytest.raises(ConfigError, match="not found"):
        asyncio.run(resolve_env(POD, container, _fetch({})))


def test_sandbox_config_pid_namespace_and_labels() -> None:
    settings = PodSettings("n1", "/logs", ["10.96.0.10"])
    config = sandbox_config(POD, settings, 2)
    assert config.metadata.attempt == 2
    assert config.linux.security_context.namespace_options.pid == pb.CONTAINER
    assert config.labels["io.kubernetes.pod.uid"] == "u1"
    assert config.log_directory == "/logs/prod_web_u1"
    assert list(config.dns_config.searches)[0] == "prod.svc.cluster.local"
    shared = {**POD, "spec": {**POD["spec"], "shareProcessNamespace": True, "hostNetwork": True}}
    options = sandbox_config(shared, settings, 0).linux.security_context.namespace_options
    assert options.pid == pb.POD and options.network == pb.NODE


def test_container_config() -> None:
    c = {
        "name": "main",
        "image": "busybox",
        "command": ["echo", "$(X)"],
        "volumeMounts": [{"name": "v", "mountPath": "/data", "readOnly": True}],
        "resources": {"limits": {"cpu": "500m", "memory": "64Mi"}},
    }
    config = container_config(
        POD, c, attempt=3, kind="app", env=[("X", "1")], volume_paths={"v": "/h"}, node_name="n1"
    )
    assert list(config.command) == ["echo", "1"]
    assert config.log_path == "main/3.log" and config.metadata.attempt == 3
    assert config.mounts[0].host_path == "/h" and config.mounts[0].readonly
    assert config.linux.resources.memory_limit_in_bytes == 64 * 1024 * 1024
    assert config.linux.resources.cpu_quota == 50_000
    assert resources({"resources": {"requests": {"cpu": "250m"}}}).cpu_shares == 256


def test_render_cri_log_lines() -> None:
    lines = [
        "2026-01-01T00:00:00.000000001Z stdout P hel\n",
        "2026-01-01T00:00:00.000000002Z stdout F lo\n",
        "2026-01-01T00:00:01.000000000Z stderr F oops\n",
    ]
    assert render(lines, False, None) == ["hello\n", "oops\n"]
    assert render(lines, True, None)[1].startswith("2026-01-01T00:00:01")


def test_volume_files_follow_the_configmap(tmp_path: Path) -> None:
    pod = {
        **POD,
        "spec": {
            **POD["spec"],
            "volumes": [
                {
                    "name": "c",
                    "configMap": {"name": "cm", "items": [{"key": "a", "path": "x/a.txt"}]},
                },
                {"name": "e", "emptyDir": {}},
                {
                    "name": "d",
                    "downwardAPI": {
                        "items": [{"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]
                    },
                },
            ],
        },
    }
    objects: dict[tuple[str, str], dict[str, Any] | None] = {
        ("ConfigMap", "cm"): {"data": {"a": "1"}}
    }
    paths = prepare(tmp_path, pod, objects, "", "")
    assert (Path(paths["c"]) / "x/a.txt").read_text() == "1"
    assert (Path(paths["d"]) / "name").read_text() == "web"
    assert Path(paths["e"]).is_dir()
    objects[("ConfigMap", "cm")] = {"data": {"a": "2"}}
    prepare(tmp_path, pod, objects, "", "")
    assert (Path(paths["c"]) / "x/a.txt").read_text() == "2"
