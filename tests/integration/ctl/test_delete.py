"""`mkctl delete`: by name, selector, --all and files; waiting on finalizers."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.integration.ctl.conftest import Mkctl
from tests.integration.ctl.samples import WEB


def _names(api: httpx.Client, ns: str) -> list[str]:
    r = api.get(f"/api/v1/namespaces/{ns}/configmaps")
    return sorted(i["metadata"]["name"] for i in r.json()["items"])


def _make(api: httpx.Client, ns: str, name: str, **meta: object) -> None:
    r = api.post(f"/api/v1/namespaces/{ns}/configmaps", json={"metadata": {"name": name, **meta}})
    assert r.status_code == 201, r.text


def test_delete_by_name_selector_and_all(mkctl: Mkctl, api: httpx.Client, ns: str) -> None:
    for name, labels in (("a", {"tier": "x"}), ("b", {"tier": "x"}), ("c", {}), ("d", {})):
        _make(api, ns, name, labels=labels)
    assert mkctl("delete", "configmap", "a").stdout == 'configmap "a" deleted\n'
    assert mkctl("delete", "cm", "-l", "tier=x").stdout == 'configmap "b" deleted\n'
    assert (
        mkctl.fails("delete", "cm", "a") == 'Error from server (NotFound): configmaps "a" not found'
    )
    assert mkctl("delete", "cm", "a", "--ignore-not-found").returncode == 0
    assert (
        mkctl.fails("delete", "cm") == "error: resource(s) were provided, but no name was specified"
    )
    # Orphan and foreground become finalizers the garbage collector removes; no collector
    # runs here, so do not wait.
    out = mkctl("delete", "cm", "c", "--cascade=orphan", "--wait=false").stdout
    assert out == 'configmap "c" deleted\n'
    held = api.get(f"/api/v1/namespaces/{ns}/configmaps/c").json()["metadata"]
    assert held["finalizers"] == ["orphan"] and held["deletionTimestamp"]
    api.patch(
        f"/api/v1/namespaces/{ns}/configmaps/c",
        json={"metadata": {"finalizers": None}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert mkctl("delete", "cm", "--all").stdout == 'configmap "d" deleted\n'
    assert _names(api, ns) == []
    nothing = mkctl("delete", "cm", "--all")
    assert (nothing.returncode, nothing.stderr) == (0, "No resources found\n")


def test_delete_from_a_file(mkctl: Mkctl, api: httpx.Client, ns: str, tmp_path: Path) -> None:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(WEB)
    mkctl("apply", "-f", str(manifest))
    out = mkctl("delete", "-f", str(manifest), "--grace-period=0", "--force").stdout
    assert out == 'deployment.apps "web" deleted\nservice "web" deleted\n'
    assert api.get(f"/api/v1/namespaces/{ns}/services/web").status_code == 404


def test_delete_waits_for_finalizers_with_progress(
    mkctl: Mkctl, api: httpx.Client, ns: str
) -> None:
    _make(api, ns, "held", finalizers=["example.com/a", "example.com/b"])
    running = mkctl.start("delete", "configmap", "held", "--timeout=60s")
    assert running.stdout.wait_for("deleted") == 'configmap "held" deleted'
    assert running.stderr.wait_for("waiting") == (
        'waiting for configmap "held" to be deleted (finalizers: example.com/a, example.com/b)'
    )
    path = f"/api/v1/namespaces/{ns}/configmaps/held"
    patch = {"Content-Type": "application/merge-patch+json"}
    api.patch(path, json={"metadata": {"finalizers": ["example.com/b"]}}, headers=patch)
    assert running.stderr.wait_for("waiting").endswith("(finalizers: example.com/b)")
    assert running.proc.poll() is None  # still waiting
    api.patch(path, json={"metadata": {"finalizers": None}}, headers=patch)
    assert running.wait() == 0
    assert api.get(path).status_code == 404


def test_delete_wait_times_out(mkctl: Mkctl, api: httpx.Client, ns: str) -> None:
    _make(api, ns, "stuck", finalizers=["example.com/never"])
    result = mkctl("delete", "cm", "stuck", "--timeout=1s", check=False)
    assert result.returncode == 1
    assert result.stdout == 'configmap "stuck" deleted\n'
    assert result.stderr.splitlines() == [
        'waiting for configmap "stuck" to be deleted (finalizers: example.com/never)',
        "error: timed out waiting for the condition on configmaps/stuck",
    ]
    path = f"/api/v1/namespaces/{ns}/configmaps/stuck"
    api.patch(
        path,
        json={"metadata": {"finalizers": None}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
