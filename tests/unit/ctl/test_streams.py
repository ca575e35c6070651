"""mkctl's stream commands, pure parts: cp paths, port pairs, Service and named ports."""

from __future__ import annotations

import io
import tarfile

import pytest

from minik8s.ctl.cmd_streams import (
    CpSpec,
    container_port,
    parse_cp_spec,
    port_pairs,
    safe_members,
    service_target_port,
)
from minik8s.ctl.context import CtlError


def test_cp_specs() -> None:
    assert parse_cp_spec("web:/tmp/f") == CpSpec("/tmp/f", "web")
    assert parse_cp_spec("ns1/web:/tmp/f") == CpSpec("/tmp/f", "web", "ns1")
    assert parse_cp_spec("/tmp/a:b") == CpSpec("/tmp/a:b")
    assert parse_cp_spec("local.txt") == CpSpec("local.txt")
    with pytest.raises(CtlError):
        parse_cp_spec("web:")


def test_port_pairs() -> None:
    assert port_pairs(["8080:80", "9090", ":81", "8443:https"]) == [
        (8080, "80"),
        (9090, "9090"),
        (0, "81"),
        (8443, "https"),
    ]
    for bad in (["x:80"], ["8080:"], ["70000:80"], ["80:0"]):
        with pytest.raises(CtlError):
            port_pairs(bad)


SERVICE = {
    "metadata": {"name": "web"},
    "spec": {
        "ports": [
            {"name": "http", "port": 80, "targetPort": 8080},
            {"name": "metrics", "port": 9100, "targetPort": "metrics"},
            {"port": 443},
        ]
    },
}
POD = {
    "metadata": {"name": "web-1"},
    "spec": {"containers": [{"name": "c", "ports": [{"name": "metrics", "containerPort": 9000}]}]},
}


def test_service_ports_become_pod_ports() -> None:
    assert service_target_port(SERVICE, "80") == 8080
    assert service_target_port(SERVICE, "http") == 8080
    assert service_target_port(SERVICE, "443") == 443
    assert container_port(POD, service_target_port(SERVICE, "9100")) == 9000
    with pytest.raises(CtlError, match="does not have a service port 81"):
        service_target_port(SERVICE, "81")
    with pytest.raises(CtlError, match="named port 'nope'"):
        container_port(POD, "nope")


def _archive(*names: str) -> list[tarfile.TarInfo]:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        for name in names:
            info = tarfile.TarInfo(name)
            tar.addfile(info, io.BytesIO(b""))
    data.seek(0)
    return tarfile.open(fileobj=data).getmembers()


def test_members_are_renamed_and_kept_inside() -> None:
    kept = safe_members(_archive("dir", "dir/a", "dir/sub/b", "other"), "dir", "copy")
    assert [m.name for m in kept] == ["copy", "copy/a", "copy/sub/b"]
    for evil in ("/etc/passwd", "dir/../../x"):
        with pytest.raises(CtlError, match="leaves the destination"):
            safe_members(_archive(evil), "dir", "copy")
