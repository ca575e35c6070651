"""The sync's failure path, with stand-in binaries (nothing touches iptables here)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from minik8s.client.informer import InformerFactory
from proxy import iptables, render
from proxy.proxier import Options, Proxier

CONFIG = render.ProxyConfig(node_name="n", cluster_cidr="10.244.0.0/16")
SVC = {
    "metadata": {"namespace": "d", "name": "web"},
    "spec": {"clusterIP": "10.96.0.10", "ports": [{"port": 80}]},
}


def fake(tmp: Path, name: str, script: str) -> str:
    path = tmp / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)
    return str(path)


def test_context_marks_the_failing_line() -> None:
    text = "\n".join(f"line{i}" for i in range(1, 11))
    ctx = iptables._context(text, "iptables-restore: line 5 failed")
    assert ">     5 line5" in ctx
    assert "line3" in ctx and "line7" in ctx and "line9" not in ctx


def test_failed_restore_is_logged_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tools = iptables.Tools(
        iptables=fake(tmp_path, "iptables", "exit 0"),
        iptables_restore=fake(
            tmp_path, "restore", "cat >/dev/null; echo 'line 3 failed' >&2; exit 1"
        ),
        iptables_save=fake(tmp_path, "save", "exit 0"),
        ip=fake(tmp_path, "ip", "exit 0"),
    )
    proxier = Proxier(
        InformerFactory(None),  # type: ignore[arg-type]
        Options(config=CONFIG, tools=tools, sink_bridge="", routes=False),
    )
    with caplog.at_level(logging.ERROR):
        assert not proxier.sync_once([SVC], [], [])
    assert "previous rules kept" in caplog.text and ">     3 " in caplog.text
    assert proxier.syncs == 0


def test_successful_sync_writes_one_restore(tmp_path: Path) -> None:
    seen = tmp_path / "restored"
    tools = iptables.Tools(
        iptables=fake(tmp_path, "iptables", "exit 0"),
        iptables_restore=fake(tmp_path, "restore", f"cat >>{seen}"),
        iptables_save=fake(tmp_path, "save", "echo '*nat'; echo ':KUBE-SVC-OLD - [0:0]'"),
        ip=fake(tmp_path, "ip", "exit 0"),
    )
    proxier = Proxier(
        InformerFactory(None),  # type: ignore[arg-type]
        Options(config=CONFIG, tools=tools, sink_bridge="", routes=False),
    )
    assert proxier.sync_once([SVC], [], [])
    text = seen.read_text()
    assert text.count("*nat") == 1 and text.count("*filter") == 1
    assert "-X KUBE-SVC-OLD" in text
    assert "has no endpoints" in text


def test_node_status_noise_does_not_sync() -> None:
    proxier = Proxier(
        InformerFactory(None),  # type: ignore[arg-type]
        Options(config=CONFIG, tools=iptables.Tools(), sink_bridge="", routes=False),
    )
    node: dict[str, Any] = {
        "metadata": {"name": "b", "resourceVersion": "1"},
        "spec": {"podCIDR": "10.244.2.0/24"},
        "status": {"addresses": [{"type": "InternalIP", "address": "198.18.0.2"}]},
    }
    heartbeat = {
        **node,
        "metadata": {"name": "b", "resourceVersion": "2"},
        "status": {**node["status"], "conditions": [{"type": "Ready", "status": "True"}]},
    }
    proxier._on_node_update(node, heartbeat)
    assert not proxier._wanted.is_set()
    moved = {**heartbeat, "spec": {"podCIDR": "10.244.3.0/24"}}
    proxier._on_node_update(heartbeat, moved)
    assert proxier._wanted.is_set()
