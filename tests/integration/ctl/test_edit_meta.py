"""`mkctl scale`, `label` and `annotate` on live objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.integration.ctl.conftest import Mkctl
from tests.integration.ctl.samples import WEB


def _deploy(api: httpx.Client, ns: str) -> dict[str, Any]:
    body: dict[str, Any] = api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/web").json()
    return body


def test_scale(mkctl: Mkctl, api: httpx.Client, ns: str, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    mkctl("apply", "-f", str(manifest))
    assert mkctl("scale", "deploy", "web", "--replicas=5").stdout == "deployment.apps/web scaled\n"
    assert _deploy(api, ns)["spec"]["replicas"] == 5
    assert mkctl.fails("scale", "deploy/web", "--replicas=1", "--current-replicas=2") == (
        "error: Expected replicas to be 2, was 5"
    )
    assert mkctl("scale", "deploy/web", "--replicas=1", "--current-replicas=5").returncode == 0
    assert _deploy(api, ns)["spec"]["replicas"] == 1
    assert mkctl.fails("scale", "deploy", "nope", "--replicas=1") == (
        'Error from server (NotFound): deployments.apps "nope" not found'
    )
    assert mkctl.fails("scale", "svc", "web", "--replicas=1") == (
        "error: cannot scale services: it has no scale subresource"
    )


def test_label_and_annotate(mkctl: Mkctl, api: httpx.Client, ns: str, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    mkctl("apply", "-f", str(manifest))
    assert mkctl("label", "deploy", "web", "tier=front").stdout == "deployment.apps/web labeled\n"
    assert mkctl.fails("label", "deploy", "web", "tier=back") == (
        "error: 'tier' already has a value (front), and --overwrite is false"
    )
    assert mkctl("label", "deploy", "web", "tier=back", "--overwrite").returncode == 0
    assert _deploy(api, ns)["metadata"]["labels"] == {"app": "web", "tier": "back"}
    assert mkctl("label", "deploy", "web", "tier-").stdout == "deployment.apps/web unlabeled\n"
    assert mkctl("label", "deploy", "web", "tier-").stdout == (
        'label "tier" not found.\ndeployment.apps/web not labeled\n'
    )
    assert mkctl("label", "svc", "--all", "team=a").stdout == "service/web labeled\n"
    assert mkctl("label", "svc", "-l", "team=a", "team=a").stdout == "service/web not labeled\n"

    assert mkctl("annotate", "svc", "web", "note=hello").stdout == "service/web annotated\n"
    assert mkctl.fails("annotate", "svc", "web", "note=bye").startswith(
        "error: --overwrite is false but found the following declared annotation(s): "
        "'note' already has a value (hello)"
    )
    assert mkctl("annotate", "svc", "web", "note-").returncode == 0
    svc = api.get(f"/api/v1/namespaces/{ns}/services/web").json()
    assert "note" not in svc["metadata"].get("annotations", {})
    assert mkctl.fails("label", "svc", "web", "bad key=1").startswith("Error from server (Invalid)")
