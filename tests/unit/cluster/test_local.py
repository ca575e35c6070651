"""Pure parts of `make up`: what to install, when the node counts as Ready."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from minik8s.cluster import local
from minik8s.cluster.local import missing_packages, node_ready_since
from minik8s.cluster.processes import StartError

SINCE = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def test_nothing_to_install_on_a_prepared_machine() -> None:
    assert missing_packages(lambda program: True) == []


def test_each_missing_package_is_named_once_in_order() -> None:
    have = {"etcdctl", "iptables", "ip"}
    assert missing_packages(lambda program: program in have) == [
        "etcd-server",
        "docker.io",  # docker and dockerd: one package
        "busybox-static",
    ]


def _node(ready: str, beat: str, cidr: str | None = "10.244.0.0/24") -> dict[str, Any]:
    node: dict[str, Any] = {
        "metadata": {"name": "vm"},
        "spec": {"podCIDR": cidr} if cidr else {},
        "status": {
            "conditions": [
                {"type": "MemoryPressure", "status": "False"},
                {"type": "Ready", "status": ready, "lastHeartbeatTime": beat},
            ]
        },
    }
    return node


def test_a_fresh_ready_report_with_a_pod_cidr_counts() -> None:
    assert node_ready_since(_node("True", "2026-01-01T12:00:03Z"), SINCE)


def test_a_ready_status_left_in_etcd_from_before_up_does_not() -> None:
    assert not node_ready_since(_node("True", "2026-01-01T11:59:00Z"), SINCE)


def test_not_ready_or_without_pod_cidr_does_not() -> None:
    assert not node_ready_since(_node("False", "2026-01-01T12:00:03Z"), SINCE)
    assert not node_ready_since(_node("True", "2026-01-01T12:00:03Z", cidr=None), SINCE)
    assert not node_ready_since({"metadata": {"name": "vm"}}, SINCE)


def test_not_root_names_the_missing_packages_in_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(local.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(local, "_program_present", lambda program: program != "etcd")
    with pytest.raises(StartError) as err:
        local._install_packages(tmp_path)
    assert str(err.value).startswith("missing etcd-server: run `make up` as root")
    assert "\n" not in str(err.value)


def test_the_api_server_listens_where_pods_reach_it() -> None:
    from minik8s.cluster.local import api_address_flags

    assert api_address_flags("10.250.254.1") == [
        "--bind-address",
        "127.0.0.1,10.250.254.1",
        "--advertise-address",
        "10.250.254.1",
    ]
    assert api_address_flags(None) == ["--bind-address", "127.0.0.1"]
