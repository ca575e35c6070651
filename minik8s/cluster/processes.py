"""Starting and stopping the cluster's processes: etcd and the daemons.

Shared by `make up` (through `minik8s.cluster.local`) and the test fixtures, so the tests
start the components exactly as users do. Readiness is always a condition polled with a
deadline (an HTTP 200 from /readyz, etcd answering `endpoint health`), never a fixed sleep.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx


class StartError(RuntimeError):
    """A process did not come up; the message names it and its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise StartError(f"timed out after {timeout:.0f}s waiting for {what}")


def http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def etcd_command(data_dir: Path, client_port: int, peer_port: int) -> list[str]:
    etcd = shutil.which("etcd")
    if etcd is None:
        raise StartError("etcd is not installed: apt-get install -y etcd-server etcd-client")
    client = f"http://127.0.0.1:{client_port}"
    peer = f"http://127.0.0.1:{peer_port}"
    return [
        etcd,
        "--name",
        "minik8s",
        "--data-dir",
        str(data_dir),
        "--listen-client-urls",
        client,
        "--advertise-client-urls",
        client,
        "--listen-peer-urls",
        peer,
        "--initial-advertise-peer-urls",
        peer,
        "--initial-cluster",
        f"minik8s={peer}",
        "--log-level",
        "warn",
        "--logger",
        "zap",
    ]


def spawn(
    cmd: Sequence[str], log_path: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            list(cmd),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )


def start_etcd(
    data_dir: Path, client_port: int, peer_port: int, log_path: Path, timeout: float = 30
) -> subprocess.Popen[bytes]:
    proc = spawn(etcd_command(data_dir, client_port, peer_port), log_path)
    health = f"http://127.0.0.1:{client_port}/health"

    def up() -> bool:
        if proc.poll() is not None:
            raise StartError(f"etcd exited with {proc.returncode}; see {log_path}")
        return http_ok(health)

    wait_until(up, timeout, f"etcd on port {client_port} (log: {log_path})")
    return proc


def apiserver_command(etcd_url: str, port: int, extra: Sequence[str] = ()) -> list[str]:
    return [
        sys.executable,
        "-m",
        "apiserver.main",
        "--etcd-servers",
        etcd_url,
        "--port",
        str(port),
        *extra,
    ]


def start_apiserver(
    etcd_url: str, port: int, log_path: Path, extra: Sequence[str] = (), timeout: float = 30
) -> subprocess.Popen[bytes]:
    proc = spawn(apiserver_command(etcd_url, port, extra), log_path)

    def ready() -> bool:
        if proc.poll() is not None:
            raise StartError(f"mk-apiserver exited with {proc.returncode}; see {log_path}")
        return http_ok(f"http://127.0.0.1:{port}/readyz")

    wait_until(ready, timeout, f"mk-apiserver on port {port} (log: {log_path})")
    return proc


def stop(proc: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL after `timeout`."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def stop_pid(pid: int, timeout: float = 10) -> bool:
    """Stop a process we only know by pid (from a pidfile); True if it was running."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return True


def supervised_command(
    name: str,
    cmd: Sequence[str],
    child_pidfile: Path,
    *,
    fail_fast: float = 10.0,
    stop_timeout: float = 20.0,
) -> list[str]:
    """`cmd` wrapped in `minik8s.cluster.supervise`: restarted whenever it dies."""
    return [
        sys.executable,
        "-m",
        "minik8s.cluster.supervise",
        "--name",
        name,
        "--child-pidfile",
        str(child_pidfile),
        "--fail-fast",
        str(fail_fast),
        "--stop-timeout",
        str(stop_timeout),
        "--",
        *cmd,
    ]


def spawn_supervised(
    name: str,
    cmd: Sequence[str],
    log_path: Path,
    child_pidfile: Path,
    env: dict[str, str] | None = None,
    *,
    fail_fast: float = 10.0,
) -> subprocess.Popen[bytes]:
    """Start a supervisor for `cmd`; the Popen is the supervisor, the daemon's pid is written
    to `child_pidfile` (a stale one is removed first, so a reader never sees an old pid)."""
    child_pidfile.unlink(missing_ok=True)
    return spawn(
        supervised_command(name, cmd, child_pidfile, fail_fast=fail_fast),
        log_path,
        {"PYTHONUNBUFFERED": "1", **(env or {})},
    )


def read_pid(pidfile: Path) -> int | None:
    """The pid in `pidfile` if that process is alive (None when missing, stale or garbled)."""
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid
