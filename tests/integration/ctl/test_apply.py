"""`mkctl apply` and `mkctl create` on a real API server, errors and kubectl interop included."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.ctl.conftest import Mkctl
from tests.integration.ctl.samples import WEB, configmap


def _get(api: httpx.Client, path: str) -> dict[str, Any]:
    r = api.get(path)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_apply_create_unchanged_configure_and_prune_fields(
    mkctl: Mkctl, api: httpx.Client, ns: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    assert mkctl("apply", "-f", str(manifest)).stdout == (
        "deployment.apps/web created\nservice/web created\n"
    )
    assert mkctl("apply", "-f", str(manifest)).stdout == (
        "deployment.apps/web unchanged\nservice/web unchanged\n"
    )
    path = f"/apis/apps/v1/namespaces/{ns}/deployments/web"
    annotations = _get(api, path)["metadata"]["annotations"]
    recorded = json.loads(annotations["kubectl.kubernetes.io/last-applied-configuration"])
    assert recorded["metadata"] == {
        "annotations": {},
        "labels": {"app": "web"},
        "name": "web",
        "namespace": ns,
    }

    mkctl("label", "deploy", "web", "owner=ops")  # only the live object has it
    manifest.write_text(
        WEB.replace("replicas: 2", "replicas: 3").replace(
            "        env:\n        - {name: MODE, value: blue}\n", ""
        )
    )
    assert mkctl("apply", "-f", str(manifest)).stdout == (
        "deployment.apps/web configured\nservice/web unchanged\n"
    )
    live = _get(api, path)
    assert live["spec"]["replicas"] == 3
    assert "env" not in live["spec"]["template"]["spec"]["containers"][0]  # removed live
    assert live["metadata"]["labels"] == {"app": "web", "owner": "ops"}  # kept

    # The real kubectl sees the same last-applied state: nothing to do.
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not on the PATH")
    theirs = subprocess.run(
        [
            kubectl,
            "--server",
            mkctl.server,
            "--cache-dir",
            str(tmp_path / "c"),
            "-n",
            ns,
            "apply",
            "-f",
            str(manifest),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert theirs.stdout == "deployment.apps/web unchanged\nservice/web unchanged\n", theirs.stderr


def test_apply_from_stdin_directories_and_dry_runs(
    mkctl: Mkctl, api: httpx.Client, ns: str, tmp_path: Path
) -> None:
    (tmp_path / "a.yaml").write_text(configmap("a", k="v"))
    (tmp_path / "b.json").write_text(
        json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}})
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.yaml").write_text(configmap("c"))
    assert mkctl("apply", "-f", str(tmp_path)).stdout == (
        "configmap/a created\nconfigmap/b created\n"
    )
    assert "configmap/c created" in mkctl("apply", "-R", "-f", str(tmp_path)).stdout

    assert mkctl("apply", "-f", "-", stdin=configmap("d")).stdout == "configmap/d created\n"
    assert mkctl("apply", "-f", "-", "--dry-run=client", stdin=configmap("e")).stdout == (
        "configmap/e created (dry run)\n"
    )
    server = mkctl("apply", "-f", "-", "--dry-run=server", stdin=configmap("a", k="new"))
    assert server.stdout == "configmap/a configured (server dry run)\n"
    assert api.get(f"/api/v1/namespaces/{ns}/configmaps/e").status_code == 404
    assert _get(api, f"/api/v1/namespaces/{ns}/configmaps/a")["data"] == {"k": "v"}
    named = mkctl("apply", "-f", "-", "-o", "name", stdin=configmap("a", k="new"))
    assert named.stdout == "configmap/a\n"


def test_a_bad_object_fails_alone_and_later_ones_apply(
    mkctl: Mkctl, api: httpx.Client, ns: str, tmp_path: Path
) -> None:
    bad_service = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  ports:\n  - port: 99999\n"
    )
    widget = "apiVersion: v1\nkind: Widget\nmetadata:\n  name: w\n"
    manifest = tmp_path / "multi.yaml"
    manifest.write_text("---\n".join([configmap("first"), bad_service, widget, configmap("last")]))
    result = mkctl("apply", "-f", str(manifest), check=False)
    assert result.returncode == 1
    assert result.stdout == "configmap/first created\nconfigmap/last created\n"
    errors = result.stderr.splitlines()
    assert errors[0].startswith(
        f'Error from server (Invalid): error when creating "{manifest}": Service "bad" is invalid'
    )
    assert "spec.ports[0].port" in errors[0]
    assert errors[1] == (
        f'error: resource mapping not found for name: "w" namespace: "" from "{manifest} '
        '(line 14)": no matches for kind "Widget" in version "v1"'
    )
    assert api.get(f"/api/v1/namespaces/{ns}/services/bad").status_code == 404


def test_manifest_errors_name_file_and_line(
    mkctl: Mkctl, api: httpx.Client, ns: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        configmap("before") + "---\napiVersion: v1\nkind: ConfigMap\ndata:\n  x: [1\n"
    )
    result = mkctl("apply", "-f", str(broken), check=False)
    assert result.returncode == 1
    assert result.stdout == "configmap/before created\n"
    assert result.stderr.startswith(f"error: error parsing {broken}: yaml: line 10")
    assert len(result.stderr.splitlines()) == 1

    nameless = tmp_path / "nameless.yaml"
    nameless.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n")
    assert mkctl.fails("apply", "-f", str(nameless)) == (
        f'error: error validating "{nameless} (line 1)": ConfigMap has no metadata.name'
    )
    assert mkctl.fails("apply", "-f", str(tmp_path / "missing.yaml")) == (
        f'error: the path "{tmp_path / "missing.yaml"}" does not exist'
    )
    other_ns = configmap("x").replace("  name: x", "  name: x\n  namespace: elsewhere")
    assert mkctl.fails("apply", "-f", "-", stdin=other_ns).startswith(
        'error: the namespace from the provided object "elsewhere" does not match'
    )


def test_create_from_files_and_flags(
    mkctl: Mkctl, api: httpx.Client, ns: str, tmp_path: Path
) -> None:
    assert mkctl("create", "-f", "-", stdin=configmap("made")).stdout == "configmap/made created\n"
    assert mkctl.fails("create", "-f", "-", stdin=configmap("made")) == (
        'Error from server (AlreadyExists): error when creating "STDIN": '
        'configmaps "made" already exists'
    )
    assert "last-applied" not in json.dumps(_get(api, f"/api/v1/namespaces/{ns}/configmaps/made"))

    (tmp_path / "app.conf").write_text("port=80\n")
    out = mkctl(
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=fast",
        f"--from-file={tmp_path / 'app.conf'}",
        f"--from-file=renamed={tmp_path / 'app.conf'}",
    ).stdout
    assert out == "configmap/settings created\n"
    assert _get(api, f"/api/v1/namespaces/{ns}/configmaps/settings")["data"] == {
        "mode": "fast",
        "app.conf": "port=80\n",
        "renamed": "port=80\n",
    }
    assert mkctl(
        "create", "secret", "generic", "creds", "--from-literal=password=s3cret"
    ).stdout == ("secret/creds created\n")
    secret = _get(api, f"/api/v1/namespaces/{ns}/secrets/creds")
    assert secret["data"] == {"password": "czNjcmV0"} and secret["type"] == "Opaque"

    preview = mkctl(
        "create", "configmap", "p", "--from-literal=a=b", "--dry-run=client", "-o", "yaml"
    )
    assert "name: p" in preview.stdout and "a: b" in preview.stdout
    assert api.get(f"/api/v1/namespaces/{ns}/configmaps/p").status_code == 404

    name = f"{ns}-extra"
    assert (
        mkctl("create", "namespace", name, namespaced=False).stdout == f"namespace/{name} created\n"
    )
    assert _get(api, f"/api/v1/namespaces/{name}")["status"]["phase"] == "Active"
