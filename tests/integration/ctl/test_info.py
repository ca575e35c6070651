"""`api-resources`, `version`, `cluster-info`, `completion`, `config` and connection errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from minik8s.cluster import processes
from tests.integration.ctl.conftest import Mkctl


def test_api_resources_match_kubectl(mkctl: Mkctl, tmp_path: Path) -> None:
    ours = mkctl("api-resources", namespaced=False).stdout
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not on the PATH")
    theirs = subprocess.run(
        [kubectl, "--server", mkctl.server, "--cache-dir", str(tmp_path / "c"), "api-resources"],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    assert ours == theirs
    names = mkctl("api-resources", "--namespaced=false", "-o", "name", namespaced=False).stdout
    assert "nodes" in names.split() and "pods" not in names.split()


def test_version_and_cluster_info(mkctl: Mkctl) -> None:
    lines = mkctl("version").stdout.splitlines()
    assert lines[0].startswith("Client Version: v") and lines[1].startswith("Server Version: v1.")
    info = mkctl("cluster-info").stdout
    assert info.startswith(f"Kubernetes control plane is running at {mkctl.server}\n")


def test_connection_and_kubeconfig_errors(mkctl: Mkctl, tmp_path: Path) -> None:
    port = processes.free_port()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "minik8s.ctl.main",
            "--server",
            f"http://127.0.0.1:{port}",
            "get",
            "pods",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        env=mkctl.env,
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"The connection to the server 127.0.0.1:{port} was refused - "
        "did you specify the right host or port?\n"
    )
    bad = tmp_path / "bad-config"
    bad.write_text("current-context: nowhere\ncontexts: []\n")
    result = subprocess.run(
        [sys.executable, "-m", "minik8s.ctl.main", "--kubeconfig", str(bad), "get", "pods"],
        capture_output=True,
        text=True,
        timeout=30,
        env=mkctl.env,
    )
    assert (result.returncode, result.stderr) == (
        1,
        f'error: kubeconfig {bad} has no context named "nowhere"\n',
    )


def test_config_commands_and_using_the_result(mkctl: Mkctl, tmp_path: Path, ns: str) -> None:
    config = tmp_path / "kubeconfig"
    config.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "test", "cluster": {"server": mkctl.server}}],
                "users": [{"name": "me", "user": {"token": "abc"}}],
                "contexts": [{"name": "test", "context": {"cluster": "test", "user": "me"}}],
                "current-context": "test",
            }
        )
    )
    env = {**mkctl.env, "KUBECONFIG": str(config)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "minik8s.ctl.main", *args],
            capture_output=True,
            text=True,
            timeout=30,
            env=env,
        )

    assert run("config", "set-context", "--current", f"--namespace={ns}").stdout == (
        'Context "test" modified.\n'
    )
    assert run("config", "current-context").stdout == "test\n"
    assert run("config", "get-contexts").stdout.splitlines()[1].split() == [
        "*",
        "test",
        "test",
        "me",
        ns,
    ]
    assert "token: REDACTED" in run("config", "view").stdout
    # The context's namespace is now the default one.
    run("create", "configmap", "via-context")
    assert mkctl("get", "cm", "via-context", "-o", "name").stdout == "configmap/via-context\n"
    assert run("config", "use-context", "missing").stderr == (
        'error: no context exists with the name: "missing"\n'
    )


def test_bash_completion_completes_verbs_types_and_names(mkctl: Mkctl, tmp_path: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.fail("bash is not installed")
    mkctl("create", "configmap", "completed-one")
    script = tmp_path / "completion.bash"
    script.write_text(mkctl("completion", "bash", namespaced=False).stdout)
    shim = tmp_path / "bin" / "mkctl"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m minik8s.ctl.main "$@"\n')
    shim.chmod(0o755)

    def complete(*words: str) -> list[str]:
        line = " ".join(f"'{w}'" for w in words)
        program = (
            f"source {script}\n"
            f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}\n"
            '_mkctl; printf "%s\\n" "${COMPREPLY[@]}"\n'
        )
        env = {**mkctl.env, "PATH": f"{shim.parent}:{mkctl.env.get('PATH', '')}"}
        result = subprocess.run(
            [bash, "-c", program], capture_output=True, text=True, env=env, timeout=30
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    assert "describe" in complete("mkctl", "desc")
    assert complete("mkctl", "get", "deploym") == ["deployment", "deployments", "deployments.apps"]
    assert "--show-labels" in complete("mkctl", "get", "pods", "--show-l")
    names = complete("mkctl", "--server", mkctl.server, "-n", mkctl.namespace, "get", "cm", "comp")
    assert names == ["completed-one"]
    assert complete("mkctl", "config", "use-") == ["use-context"]
