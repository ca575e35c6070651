"""The supervisor's restart policy (pure) and its command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from minik8s.cluster import supervise
from minik8s.cluster.processes import supervised_command
from minik8s.cluster.supervise import BACKOFF_CAP, BACKOFF_START, STABLE_AFTER, next_backoff


def test_backoff_doubles_per_quick_crash_up_to_the_cap() -> None:
    delays = []
    current = 0.0
    for _ in range(8):
        current = next_backoff(current, uptime=0.5)
        delays.append(current)
    assert delays[:5] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert delays[5:] == [BACKOFF_CAP] * 3


def test_backoff_resets_after_a_stable_run() -> None:
    assert next_backoff(BACKOFF_CAP, uptime=STABLE_AFTER) == BACKOFF_START
    assert next_backoff(8.0, uptime=STABLE_AFTER - 1) == 16.0


def test_supervised_command_wraps_the_daemon_after_a_double_dash(tmp_path: Path) -> None:
    daemon = ["python", "-m", "kubelet.main", "--v", "1"]
    cmd = supervised_command("kubelet", daemon, tmp_path / "k.pid")
    assert cmd[1:3] == ["-m", "minik8s.cluster.supervise"]
    dash = cmd.index("--")
    assert cmd[dash + 1 :] == daemon
    assert cmd[cmd.index("--name") + 1] == "kubelet"


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        supervise.main(["--name", "x", "--"])
    assert exit_.value.code == 2
    assert "no command given" in capsys.readouterr().err
