"""`mkctl describe` of the newer kinds side by side with the real kubectl's.

Objects (with statuses written through the status subresource, no controller needed) come
from `describe_samples`; both CLIs describe each one against the same API server and the
texts must match word for word, except for the few lines mkctl adds on purpose (listed
in `EXTRA`) and the columns those lines widen.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.integration.ctl.conftest import Mkctl
from tests.integration.ctl.describe_samples import seed

# Lines mkctl prints that kubectl 1.32 does not (by their first words), by kind.
EXTRA = {
    "cronjob": ("Time Zone:",),
    # kubectl leaves the namespace out for DaemonSets only
    "daemonset": ("Namespace:", "Number of Nodes Scheduled with Ready Pods:"),
    "statefulset": ("Pod Management Policy:",),
}


def _words(text: str, extra: tuple[str, ...] = ()) -> list[list[str]]:
    """Each line as its words (alignment aside), without the lines starting with `extra`."""
    return [line.split() for line in text.splitlines() if not line.startswith(extra)]


def _kubectl(mkctl: Mkctl, tmp_path: Path, *args: str) -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is not on the PATH")
    done = subprocess.run(
        [kubectl, "--server", mkctl.server, "--cache-dir", str(tmp_path / "c"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=mkctl.env,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_describe_new_kinds_matches_kubectl(
    mkctl: Mkctl, api: httpx.Client, ns: str, tmp_path: Path
) -> None:
    names = seed(api, ns, ns)
    try:
        for kind in ("job", "cronjob", "daemonset", "statefulset", "hpa", "pvc"):
            ours = mkctl("describe", kind, names[kind]).stdout
            theirs = _kubectl(mkctl, tmp_path, "-n", ns, "describe", kind, names[kind])
            if kind == "job":  # mkctl adds the Job's conditions before Events
                head, _, rest = ours.partition("Conditions:\n")
                assert rest.splitlines()[2].split() == ["Complete", "True"]
                ours = head + rest[rest.index("Events:") :]
            # HPA and PVC match byte for byte; elsewhere mkctl's extra lines widen columns
            if kind in ("hpa", "pvc"):
                assert ours == theirs, (kind, ours, theirs)
            assert _words(ours, EXTRA.get(kind, ())) == _words(theirs), kind

        for kind in ("priorityclass", "pv"):
            ours = mkctl("describe", kind, names[kind], namespaced=False).stdout
            theirs = _kubectl(mkctl, tmp_path, "describe", kind, names[kind])
            assert ours == theirs, (kind, ours, theirs)

        cronjob = mkctl("describe", "cj", "report").stdout.splitlines()
        assert "Time Zone:                     Etc/UTC" in cronjob
        assert "Active Jobs:         report-123" in cronjob
        sts = mkctl("describe", "sts", "db").stdout.splitlines()
        assert "Pod Management Policy:  Parallel" in sts
        assert "  Access Modes:  [ReadWriteOnce]" in sts
        revision = mkctl("describe", "controllerrevision", "db-7d9f").stdout.splitlines()
        assert "Revision:           2" in revision
        assert "          app:  web" in revision
    finally:
        api.delete(f"/apis/scheduling.k8s.io/v1/priorityclasses/{names.get('priorityclass')}")
        api.delete(f"/api/v1/persistentvolumes/{names.get('pv')}")


def test_pvc_used_by_lists_the_pods_that_mount_it(mkctl: Mkctl, api: httpx.Client, ns: str) -> None:
    api.post(
        f"/api/v1/namespaces/{ns}/persistentvolumeclaims",
        json={
            "metadata": {"name": "data"},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    ).raise_for_status()
    for name, claim in (("user", "data"), ("other", "elsewhere")):
        pod = {
            "metadata": {"name": name},
            "spec": {
                "containers": [{"name": "c", "image": "minik8s/busybox:latest"}],
                "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": claim}}],
            },
        }
        api.post(f"/api/v1/namespaces/{ns}/pods", json=pod).raise_for_status()
    text = mkctl("describe", "pvc", "data").stdout.splitlines()
    assert [line.split() for line in text if line.startswith("Used By:")] == [
        ["Used", "By:", "user"]
    ]
