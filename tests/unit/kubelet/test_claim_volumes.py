"""persistentVolumeClaim volumes: claim → bound PersistentVolume → host path (pure logic)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from kubelet.specs import mounts
from kubelet.volumes import MountError, prepare, read_only_volumes, setup

Obj = dict[str, Any]


def pod(read_only: bool = False) -> Obj:
    return {
        "metadata": {"name": "p", "namespace": "web", "uid": "u1"},
        "spec": {
            "volumes": [
                {"name": "data", "persistentVolumeClaim": {"claimName": "c", "readOnly": read_only}}
            ],
            "containers": [{"name": "main", "volumeMounts": [{"name": "data", "mountPath": "/d"}]}],
        },
    }


def claim(volume: str = "") -> Obj:
    return {"metadata": {"name": "c", "namespace": "web"}, "spec": {"volumeName": volume}}


def volume(**source: Any) -> Obj:
    return {"metadata": {"name": "v"}, "spec": source}


def objects(c: Obj | None, v: Obj | None = None) -> dict[tuple[str, str], Obj | None]:
    return {("PersistentVolumeClaim", "c"): c, ("PersistentVolume", "v"): v}


def test_bound_claim_to_host_path_creates_the_directory(tmp_path: Path) -> None:
    target = tmp_path / "host" / "data"
    pv = volume(hostPath={"path": str(target), "type": "DirectoryOrCreate"})
    paths = prepare(tmp_path / "root", pod(), objects(claim("v"), pv), "", "")
    assert paths == {"data": str(target)}
    assert target.is_dir()


def test_bound_claim_to_local_volume(tmp_path: Path) -> None:
    pv = volume(local={"path": str(tmp_path)})
    assert prepare(tmp_path, pod(), objects(claim("v"), pv), "", "") == {"data": str(tmp_path)}
    gone = volume(local={"path": str(tmp_path / "missing")})
    with pytest.raises(MountError, match="does not exist"):
        prepare(tmp_path, pod(), objects(claim("v"), gone), "", "")


@pytest.mark.parametrize(
    ("found", "message"),
    [
        (objects(None), 'persistentvolumeclaim "c" not found'),
        (objects(claim()), 'persistentvolumeclaim "c" is not bound'),
        (objects(claim("v"), None), 'persistentvolume "v" of persistentvolumeclaim "c" not found'),
        (
            objects(claim("v"), volume(nfs={"server": "s"}, hostPath=None)),
            "unsupported volume source",
        ),
        (
            objects(
                claim("v"),
                volume(hostPath={"path": "/"}, claimRef={"namespace": "web", "name": "other"}),
            ),
            "bound to another claim",
        ),
    ],
)
def test_claim_errors(
    tmp_path: Path, found: dict[tuple[str, str], Obj | None], message: str
) -> None:
    with pytest.raises(MountError, match=message):
        prepare(tmp_path, pod(), found, "", "")


def test_claim_ref_of_the_claim_itself_is_accepted(tmp_path: Path) -> None:
    pv = volume(hostPath={"path": str(tmp_path)}, claimRef={"namespace": "web", "name": "c"})
    assert prepare(tmp_path, pod(), objects(claim("v"), pv), "", "") == {"data": str(tmp_path)}


def test_read_only_claim_makes_every_mount_read_only() -> None:
    assert read_only_volumes(pod(read_only=True)) == {"data"}
    assert read_only_volumes(pod()) == set()
    container = pod()["spec"]["containers"][0]
    assert mounts(container, {"data": "/h"}, {"data"})[0].readonly
    assert not mounts(container, {"data": "/h"})[0].readonly


def test_setup_fetches_the_claim_then_its_volume(tmp_path: Path) -> None:
    asked: list[tuple[str, str, str]] = []
    store = {
        ("PersistentVolumeClaim", "web", "c"): claim("v"),
        ("PersistentVolume", "", "v"): volume(hostPath={"path": str(tmp_path)}),
    }

    async def fetch(kind: str, namespace: str, name: str) -> Obj | None:
        asked.append((kind, namespace, name))
        return store.get((kind, namespace, name))

    paths = asyncio.run(setup(tmp_path / "root", pod(), fetch))
    assert paths == {"data": str(tmp_path)}
    assert asked == [("PersistentVolumeClaim", "web", "c"), ("PersistentVolume", "", "v")]
