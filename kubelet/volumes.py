"""Pod volumes, prepared on the node as directories the runtime bind-mounts.

Layout: `<root-dir>/pods/<uid>/volumes/<plugin>/<volume>`. emptyDir is a directory (a
tmpfs mount with medium Memory, sized by sizeLimit); hostPath is the host's path (created
for DirectoryOrCreate/FileOrCreate); configMap, secret and downwardAPI are directories of
files written atomically (temp file + rename) on every sync, so an updated ConfigMap
reaches the running container; files no longer wanted are removed. persistentVolumeClaim
resolves the claim in the pod's namespace; a claim bound (`spec.volumeName`, static or
pre-bound binding) to a hostPath or local PersistentVolume mounts that volume's path
(`readOnly` on the claim makes every mount of it read-only). A missing or unbound claim is
a FailedMount, retried.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from minik8s.api.quantity import parse_bytes

from .env import field_value, resource_value

Obj = dict[str, Any]
Fetch = Callable[[str, str, str], Awaitable[Obj | None]]


class MountError(Exception):
    """A volume cannot be prepared (FailedMount)."""


def pod_dir(root: Path, uid: str) -> Path:
    return root / "pods" / uid


def _write_files(directory: Path, files: dict[str, tuple[bytes, int]]) -> None:
    """Makes `directory` hold exactly `files` (relative path → (content, mode))."""
    directory.mkdir(parents=True, exist_ok=True)
    for rel, (content, mode) in files.items():
        target = directory / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if target.read_bytes() == content and (target.stat().st_mode & 0o777) == mode:
                continue
        except OSError:
            pass
        tmp = target.with_name(f".{target.name}.tmp")
        tmp.write_bytes(content)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    wanted = {directory / rel for rel in files}
    for path in sorted(directory.rglob("*"), reverse=True):
        if path.is_file() and path not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _project(
    data: dict[str, bytes], items: list[Obj] | None, mode: int, name: str, optional: bool
) -> dict[str, tuple[bytes, int]]:
    if not items:
        return {k: (v, mode) for k, v in data.items()}
    out = {}
    for item in items:
        key = item.get("key", "")
        if key not in data:
            if optional:
                continue
            raise MountError(f'configmap/secret "{name}": no key "{key}"')
        out[item.get("path") or key] = (data[key], int(item.get("mode", mode)))
    return out


def _is_tmpfs(path: Path) -> bool:
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) > 2 and parts[1] == str(path) and parts[2] == "tmpfs":
                return True
    return False


async def setup(
    root: Path, pod: Obj, fetch: Fetch, *, pod_ip: str = "", host_ip: str = ""
) -> dict[str, str]:
    """Prepares every volume of the pod; answers volume name → host path.

    The ConfigMaps and Secrets are read first; the file work runs on a thread."""
    ns = pod["metadata"].get("namespace", "default")
    objects: dict[tuple[str, str], Obj | None] = {}
    for vol in (pod.get("spec") or {}).get("volumes") or []:
        if "persistentVolumeClaim" in vol:
            name = (vol["persistentVolumeClaim"] or {}).get("claimName", "")
            claim = objects[("PersistentVolumeClaim", name)] = await fetch(
                "PersistentVolumeClaim", ns, name
            )
            volume = ((claim or {}).get("spec") or {}).get("volumeName") or ""
            if volume:
                objects[("PersistentVolume", volume)] = await fetch("PersistentVolume", "", volume)
        elif "configMap" in vol:
            name = (vol["configMap"] or {}).get("name", "")
            objects[("ConfigMap", name)] = await fetch("ConfigMap", ns, name)
        elif "secret" in vol:
            name = (vol["secret"] or {}).get("secretName", "")
            objects[("Secret", name)] = await fetch("Secret", ns, name)
    return await asyncio.to_thread(prepare, root, pod, objects, pod_ip, host_ip)


def prepare(
    root: Path, pod: Obj, objects: dict[tuple[str, str], Obj | None], pod_ip: str, host_ip: str
) -> dict[str, str]:
    meta, spec = pod["metadata"], pod.get("spec") or {}
    uid, ns = meta["uid"], meta.get("namespace", "default")
    base = pod_dir(root, uid) / "volumes"
    paths: dict[str, str] = {}
    for vol in spec.get("volumes") or []:
        name = vol["name"]
        if "emptyDir" in vol:
            d = base / "empty-dir" / name
            d.mkdir(parents=True, exist_ok=True)
            ed = vol.get("emptyDir") or {}
            if ed.get("medium") == "Memory" and not _is_tmpfs(d):
                opts = "mode=1777"
                if ed.get("sizeLimit"):
                    opts += f",size={parse_bytes(ed['sizeLimit'])}"
                result = subprocess.run(
                    ["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(d)],
                    capture_output=True,
                    text=True,
                )
                if result.returncode != 0:
                    raise MountError(f"emptyDir {name}: tmpfs: {result.stderr.strip()}")
            os.chmod(d, 0o777)
            paths[name] = str(d)
        elif "hostPath" in vol:
            paths[name] = _host_path(vol["hostPath"] or {})
        elif "persistentVolumeClaim" in vol:
            paths[name] = _claim_path(vol["persistentVolumeClaim"] or {}, ns, objects)
        elif "configMap" in vol or "secret" in vol:
            is_secret = "secret" in vol
            src = vol["secret" if is_secret else "configMap"] or {}
            obj_name = src.get("secretName" if is_secret else "name", "")
            kind = "Secret" if is_secret else "ConfigMap"
            obj = objects.get((kind, obj_name))
            optional = bool(src.get("optional"))
            if obj is None and not optional:
                raise MountError(f'{kind.lower()} "{obj_name}" not found')
            data: dict[str, bytes] = {}
            if obj is not None:
                if is_secret:
                    data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
                else:
                    data = {k: str(v).encode() for k, v in (obj.get("data") or {}).items()}
                    data.update(
                        {k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()}
                    )
            mode = int(src.get("defaultMode", 0o644))
            d = base / ("secret" if is_secret else "configmap") / name
            _write_files(d, _project(data, src.get("items"), mode, obj_name, optional))
            paths[name] = str(d)
        elif "downwardAPI" in vol:
            src = vol["downwardAPI"] or {}
            mode = int(src.get("defaultMode", 0o644))
            files: dict[str, tuple[bytes, int]] = {}
            for item in src.get("items") or []:
                if "fieldRef" in item:
                    value = field_value(pod, item["fieldRef"].get("fieldPath", ""), pod_ip, host_ip)
                else:
                    ref = item.get("resourceFieldRef") or {}
                    container: Obj = next(
                        (
                            c
                            for c in spec.get("containers") or []
                            if c.get("name") == ref.get("containerName")
                        ),
                        {},
                    )
                    value = resource_value(container, ref.get("resource", ""))
                files[item["path"]] = (value.encode(), int(item.get("mode", mode)))
            d = base / "downward-api" / name
            _write_files(d, files)
            paths[name] = str(d)
        else:
            kinds = sorted(k for k in vol if k != "name")
            raise MountError(f"volume {name}: unsupported volume type {kinds}")
    return paths


def _host_path(hp: Obj) -> str:
    """The host path of a hostPath source, checked or created by its `type`."""
    path = Path(hp.get("path", ""))
    kind = hp.get("type") or ""
    if kind == "DirectoryOrCreate":
        path.mkdir(parents=True, exist_ok=True)
    elif kind == "FileOrCreate" and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    elif kind == "Directory" and not path.is_dir():
        raise MountError(f"hostPath {path} is not a directory")
    elif kind == "File" and not path.is_file():
        raise MountError(f"hostPath {path} is not a file")
    return str(path)


def _claim_path(source: Obj, ns: str, objects: dict[tuple[str, str], Obj | None]) -> str:
    """The host path of the PersistentVolume the claim `source.claimName` is bound to."""
    claim_name = source.get("claimName", "")
    claim = objects.get(("PersistentVolumeClaim", claim_name))
    if claim is None:
        raise MountError(f'persistentvolumeclaim "{claim_name}" not found')
    volume_name = (claim.get("spec") or {}).get("volumeName") or ""
    if not volume_name:
        raise MountError(f'persistentvolumeclaim "{claim_name}" is not bound')
    volume = objects.get(("PersistentVolume", volume_name))
    if volume is None:
        raise MountError(
            f'persistentvolume "{volume_name}" of persistentvolumeclaim "{claim_name}" not found'
        )
    pv_spec = volume.get("spec") or {}
    ref = pv_spec.get("claimRef") or {}
    if ref.get("name") and (ref.get("name"), ref.get("namespace") or ns) != (claim_name, ns):
        raise MountError(
            f'persistentvolume "{volume_name}" is bound to another claim '
            f'({ref.get("namespace", "")}/{ref["name"]}), not to "{ns}/{claim_name}"'
        )
    if pv_spec.get("hostPath") is not None:
        return _host_path(pv_spec["hostPath"] or {})
    if pv_spec.get("local") is not None:
        path = Path((pv_spec["local"] or {}).get("path", ""))
        if not path.exists():
            raise MountError(f'local volume "{volume_name}": path {path} does not exist')
        return str(path)
    kinds = sorted(k for k in pv_spec if k in ("nfs", "csi", "iscsi", "rbd", "cephfs", "fc"))
    raise MountError(f'persistentvolume "{volume_name}": unsupported volume source {kinds}')


def read_only_volumes(pod: Obj) -> set[str]:
    """Volumes every mount of which is read-only: claims with `readOnly: true`."""
    return {
        vol.get("name", "")
        for vol in (pod.get("spec") or {}).get("volumes") or []
        if isinstance(vol.get("persistentVolumeClaim"), dict)
        and vol["persistentVolumeClaim"].get("readOnly")
    }


def teardown(root: Path, uid: str) -> None:
    """Unmounts tmpfs emptyDirs and removes the pod's directory."""
    d = pod_dir(root, uid)
    empty = d / "volumes" / "empty-dir"
    if empty.is_dir():
        for vol in empty.iterdir():
            if _is_tmpfs(vol):
                subprocess.run(["umount", str(vol)], capture_output=True)
    shutil.rmtree(d, ignore_errors=True)
