"""`mkctl get` against a real API server, compared with the real kubectl where it helps."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from tests.integration.ctl.conftest import Mkctl
from tests.integration.ctl.samples import WEB, configmap


@pytest.fixture
def web(mkctl: Mkctl, tmp_path: Path) -> Path:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    mkctl("apply", "-f", str(manifest))
    return manifest


def _cells(text: str) -> list[list[str]]:
    """Table lines as cells (split on 2+ spaces), with ages (which move) blanked."""
    age = re.compile(r"(\d+[smhdy])+")
    return [
        ["<age>" if age.fullmatch(cell) else cell for cell in re.split(r"\s{2,}", line.strip())]
        for line in text.splitlines()
    ]


def test_tables_like_kubectl(mkctl: Mkctl, web: Path, ns: str, tmp_path: Path) -> None:
    out = mkctl("get", "deploy,svc").stdout
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert lines[1].startswith("deployment.apps/web   0/2     0            0           ")
    assert lines[2] == ""
    assert lines[3].split()[:3] == ["NAME", "TYPE", "CLUSTER-IP"]
    assert lines[4].startswith("service/web   ClusterIP   10.")

    wide = mkctl("get", "deploy", "-o", "wide").stdout.splitlines()
    assert wide[0].split()[-3:] == ["CONTAINERS", "IMAGES", "SELECTOR"]
    assert wide[1].split()[-3:] == ["web", "minik8s/httpd:latest", "app=web"]

    everywhere = mkctl("get", "deploy", "-A", namespaced=False).stdout.splitlines()
    assert everywhere[0].startswith("NAMESPACE   ") or everywhere[0].startswith("NAMESPACE ")
    assert any(line.split()[:2] == [ns, "web"] for line in everywhere[1:])

    labels = mkctl("get", "deploy", "--show-labels", "--no-headers").stdout.splitlines()
    assert labels == [labels[0]] and labels[0].split()[0] == "web"
    assert labels[0].endswith("app=web")

    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not on the PATH")
    for args in (["get", "deploy,svc"], ["get", "svc", "-o", "wide"], ["get", "all"]):
        theirs = subprocess.run(
            [kubectl, "--server", mkctl.server, "--cache-dir", str(tmp_path / "cache"), "-n", ns]
            + args,
            capture_output=True,
            text=True,
            timeout=30,
        )
        ours = mkctl(*args).stdout
        assert _cells(ours) == _cells(theirs.stdout), args


def test_objects_as_yaml_json_name_and_jsonpath(mkctl: Mkctl, web: Path, ns: str) -> None:
    one = yaml.safe_load(mkctl("get", "deploy", "web", "-o", "yaml").stdout)
    assert one["kind"] == "Deployment" and one["metadata"]["namespace"] == ns
    listed = json.loads(mkctl("get", "deploy,svc", "-o", "json").stdout)
    assert listed["kind"] == "List" and listed["apiVersion"] == "v1"
    assert [i["kind"] for i in listed["items"]] == ["Deployment", "Service"]
    assert mkctl("get", "deploy,svc", "-o", "name").stdout.split() == [
        "deployment.apps/web",
        "service/web",
    ]
    assert mkctl("get", "svc/web", "deploy/web", "-o", "name").stdout.split() == [
        "service/web",
        "deployment.apps/web",
    ]
    template = '{range .items[*]}{.metadata.name}{"="}{.spec.replicas}{"\\n"}{end}'
    assert mkctl("get", "deploy", "-o", f"jsonpath={template}").stdout == "web=2\n"
    assert mkctl(
        "get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"
    ).stdout == ("minik8s/httpd:latest")
    selected = mkctl("get", "deploy,svc", "-l", "app=web", "-o", "name").stdout.split()
    assert selected == ["deployment.apps/web"]
    by_field = mkctl("get", "svc", "--field-selector", "metadata.name=web", "-o", "name")
    assert by_field.stdout.split() == ["service/web"]


def test_empty_missing_and_unknown(mkctl: Mkctl, ns: str) -> None:
    empty = mkctl("get", "configmaps")
    assert empty.returncode == 0 and empty.stdout == ""
    assert empty.stderr == f"No resources found in {ns} namespace.\n"
    assert mkctl.fails("get", "deploy", "nope") == (
        'Error from server (NotFound): deployments.apps "nope" not found'
    )
    assert (
        mkctl.fails("get", "widgets") == 'error: the server doesn\'t have a resource type "widgets"'
    )
    assert mkctl("get", "deploy", "nope", "--ignore-not-found").returncode == 0


def test_watch_prints_a_row_per_change(mkctl: Mkctl, api: httpx.Client, ns: str) -> None:
    mkctl("apply", "-f", "-", stdin=configmap("watched", a="1"))
    watch = mkctl.start("get", "configmaps", "-w")
    header = watch.stdout.wait_for("NAME")
    assert header.split() == ["NAME", "DATA", "AGE"]
    assert watch.stdout.wait_for("watched").split()[:2] == ["watched", "1"]
    # The list was printed, so the watch starts from its resourceVersion: change the object.
    r = api.patch(
        f"/api/v1/namespaces/{ns}/configmaps/watched",
        json={"data": {"a": "1", "b": "2"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert r.status_code == 200, r.text
    changed = watch.stdout.wait_for("watched")
    assert changed.split()[:2] == ["watched", "2"]
    # Rows line up with the header (remembered column widths).
    assert changed.index("2") == header.index("DATA")

    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", json={"metadata": {"name": "later"}})
    assert r.status_code == 201, r.text
    assert watch.stdout.wait_for("later").split()[:2] == ["later", "0"]


def test_watch_only_prints_changes_alone(mkctl: Mkctl, api: httpx.Client, ns: str) -> None:
    watch = mkctl.start("get", "configmaps", "--watch-only", "-o", "name")
    # Nothing is printed before the first change, so create objects until one shows up
    # (the first may land before the watch is open).
    for i in range(50):
        api.post(f"/api/v1/namespaces/{ns}/configmaps", json={"metadata": {"name": f"n{i}"}})
        try:
            line = watch.stdout.wait_for("configmap/", timeout=0.5)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("the watch saw none of 50 creations")
    assert line.startswith("configmap/n")
