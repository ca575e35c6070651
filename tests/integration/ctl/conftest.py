"""Running `mkctl` as a user does: a subprocess against the session's real API server.

`mkctl(*args)` runs `python -m minik8s.ctl.main --server URL -n NS ...` with a kubeconfig
path that does not exist (so nothing from the machine's `~/.minik8s/config` leaks in) and
returns the CompletedProcess; `mkctl.fails(*args)` checks the error contract (exit code 1,
one line on stderr, no traceback). `mkctl.start(*args)` starts a long-running one (`get -w`,
`delete --wait`) whose output lines are read by threads into queues, so a test waits for
a line with a deadline instead of sleeping or blocking forever.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from tests.conftest import APIServerProcess


class Lines:
    """The lines of one stream of a running process, read by a thread."""

    def __init__(self, stream: IO[str]) -> None:
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, text: str, timeout: float = 15) -> str:
        """The first line (from now on) containing `text`; fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no line with {text!r} within {timeout}s: {self.seen}")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"stream ended without {text!r}: {self.seen}")
            self.seen.append(line)
            if text in line:
                return line


@dataclass
class Running:
    proc: subprocess.Popen[str]
    stdout: Lines
    stderr: Lines

    def wait(self, timeout: float = 15) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@dataclass
class Mkctl:
    server: str
    namespace: str
    env: dict[str, str]
    running: list[Running] = field(default_factory=list)

    def command(self, args: tuple[str, ...], namespaced: bool) -> list[str]:
        cmd = [sys.executable, "-m", "minik8s.ctl.main", "--server", self.server]
        if namespaced:
            cmd += ["-n", self.namespace]
        return cmd + list(args)

    def __call__(
        self,
        *args: str,
        check: bool = True,
        stdin: str | None = None,
        namespaced: bool = True,
        timeout: float = 30,
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(args, namespaced),
            capture_output=True,
            text=True,
            input=stdin,
            timeout=timeout,
            env=self.env,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"mkctl {' '.join(args)} exited {result.returncode}: {result.stderr}"
            )
        return result

    def fails(self, *args: str, stdin: str | None = None) -> str:
        """Run a command that must fail with exit code 1 and ONE line on stderr."""
        result = self(*args, check=False, stdin=stdin)
        assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1, lines
        return lines[0]

    def start(self, *args: str) -> Running:
        proc = subprocess.Popen(
            self.command(args, True),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )
        assert proc.stdout is not None and proc.stderr is not None
        running = Running(proc, Lines(proc.stdout), Lines(proc.stderr))
        self.running.append(running)
        return running


@pytest.fixture
def mkctl(apiserver: APIServerProcess, ns: str, tmp_path: Path) -> Iterator[Mkctl]:
    env = dict(os.environ)
    env["KUBECONFIG"] = str(tmp_path / "no-kubeconfig")
    env.pop("MINIK8S_KUBECONFIG", None)
    # Let Python cache compiled modules as it does for users: each mkctl run would
    # otherwise recompile the whole import tree (about half of its start-up time).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    runner = Mkctl(apiserver.url, ns, env)
    yield runner
    for running in runner.running:
        running.stop()
