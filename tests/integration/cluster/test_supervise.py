"""`minik8s.cluster.supervise` with real processes: restart, stop, give up, die together."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from minik8s.cluster import processes


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _child(pidfile: Path, not_pid: int | None = None) -> int:
    found: list[int] = []

    def written() -> bool:
        pid = processes.read_pid(pidfile)
        if pid is None or pid == not_pid or not _alive(pid):
            return False
        found.append(pid)
        return True

    processes.wait_until(written, 30, f"a daemon pid in {pidfile}", interval=0.05)
    return found[-1]


def test_a_killed_daemon_comes_back_and_sigterm_stops_both(tmp_path: Path) -> None:
    pidfile, log = tmp_path / "sleeper.child.pid", tmp_path / "sleeper.log"
    sup = processes.spawn_supervised("sleeper", ["sleep", "600"], log, pidfile, fail_fast=0)
    try:
        first = _child(pidfile)
        os.kill(first, signal.SIGKILL)
        second = _child(pidfile, not_pid=first)
        assert second != first and _alive(second)
        text = log.read_text()
        assert "supervise: sleeper: exited with code -9" in text and "restarting in 1s" in text
        sup.send_signal(signal.SIGTERM)
        assert sup.wait(30) == 0
        processes.wait_until(lambda: not _alive(second), 30, "the daemon to stop")
        assert not pidfile.exists()
    finally:
        processes.stop(sup)


def test_a_daemon_that_fails_at_once_is_reported_not_restarted(tmp_path: Path) -> None:
    log = tmp_path / "bad.log"
    cmd = ["sh", "-c", "echo 'unknown flag --nope'; exit 3"]
    sup = processes.spawn_supervised("bad", cmd, log, tmp_path / "bad.child.pid", fail_fast=30)
    try:
        assert sup.wait(60) == 3
    finally:
        processes.stop(sup)
    text = log.read_text()
    assert "unknown flag --nope" in text and "giving up" in text
    assert text.count("unknown flag") == 1


def test_the_daemon_does_not_outlive_a_killed_supervisor(tmp_path: Path) -> None:
    pidfile = tmp_path / "orphan.child.pid"
    sup = processes.spawn_supervised("orphan", ["sleep", "600"], tmp_path / "o.log", pidfile)
    child = _child(pidfile)
    try:
        sup.kill()
        sup.wait(10)
        processes.wait_until(lambda: not _alive(child), 30, "the orphaned daemon to exit")
    finally:
        if _alive(child):
            os.kill(child, signal.SIGKILL)


def test_a_daemon_that_ignores_sigterm_is_killed_after_the_stop_timeout(tmp_path: Path) -> None:
    pidfile, log = tmp_path / "stubborn.child.pid", tmp_path / "stubborn.log"
    daemon = ["sh", "-c", "trap '' TERM; exec sleep 600"]  # ignored signals survive exec
    cmd = processes.supervised_command("stubborn", daemon, pidfile, stop_timeout=1)
    sup = processes.spawn(cmd, log)
    try:
        child = _child(pidfile)
        sup.send_signal(signal.SIGTERM)
        assert sup.wait(30) == 0
        assert not _alive(child)
        assert "did not stop within 1s; killing it" in log.read_text()
    finally:
        processes.stop(sup)
