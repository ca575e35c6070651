"""The real `kubectl` against the lab: get nodes/pods -o wide, apply, rollout status, logs."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from .conftest import Lab, wait_for

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is missing")


def kubectl(lab: Lab, *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        ["kubectl", "--kubeconfig", str(lab.kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"kubectl {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def test_kubectl_get_apply_rollout_logs(lab: Lab, ns: str) -> None:
    nodes = kubectl(lab, "get", "nodes", "-o", "wide")
    for node in lab.nodes:
        line = next(x for x in nodes.splitlines() if x.split()[0] == node)
        assert " Ready " in line and lab.node_ip(node) in line, nodes

    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "talker"},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "talker"}},
            "template": {
                "metadata": {"labels": {"app": "talker"}},
                "spec": {
                    "terminationGracePeriodSeconds": 1,
                    "containers": [
                        {
                            "name": "talk",
                            "image": "minik8s/busybox:latest",
                            "command": ["sh", "-c", "echo hello from $(hostname); sleep 3600"],
                        }
                    ],
                },
            },
        },
    }
    manifest = lab.tmp / f"{ns}-talker.yaml"
    manifest.write_text(yaml.safe_dump(deployment))
    assert "created" in kubectl(lab, "apply", "-n", ns, "-f", str(manifest))
    out = kubectl(lab, "rollout", "status", "-n", ns, "deployment/talker", "--timeout=120s")
    assert "successfully rolled out" in out

    pods = kubectl(lab, "get", "pods", "-n", ns, "-o", "wide")
    header, *rows = pods.splitlines()
    assert "NODE" in header and "IP" in header, pods
    assert len(rows) == 3 and all(r.split()[2] == "Running" for r in rows), pods
    used = {r.split()[6] for r in rows}
    assert used <= set(lab.nodes) and len(used) > 1, pods

    pod = rows[0].split()[0]
    logs = wait_for(
        lambda: kubectl(lab, "logs", "-n", ns, pod).strip(), f"the logs of {pod}", timeout=60
    )
    assert logs == f"hello from {pod}"
