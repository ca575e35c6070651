"""A process supervisor: run one daemon, restart it when it dies, stop it on SIGTERM.

    python -m minik8s.cluster.supervise --name kubelet --child-pidfile run/kubelet.child.pid \
        -- python -m kubelet.main --server …

`make up` and the lab wrap every daemon in one of these, so a daemon that crashes (or is
killed with -9 to play a failure) comes back by itself, as systemd's `Restart=always` does
on a VM. The supervisor is the process whose pid the cluster records; the daemon is its
child, and its pid is written to `--child-pidfile` so a test can kill the daemon alone.

Policy: restart after a back-off that doubles from 1 s to 30 s and resets once the child
has stayed up for 60 s. A child that exits within `--fail-fast` seconds of its very first
start (by itself, not by a signal) is a configuration error, not a crash: the supervisor
exits with the child's code, so
`make up` reports it at once instead of waiting on a crash loop.

Concurrency: one thread, blocking `wait()` on the child; SIGTERM/SIGINT set a flag and are
forwarded to the child, which is then given `--stop-timeout` seconds before SIGKILL.
Output of the child goes wherever the supervisor's goes (the component's log file); the
supervisor's own lines go there too, prefixed "supervise:".
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

BACKOFF_START = 1.0
BACKOFF_CAP = 30.0
STABLE_AFTER = 60.0


def next_backoff(current: float, uptime: float) -> float:
    """The delay before the next restart: doubled per quick crash, reset after a stable run."""
    if uptime >= STABLE_AFTER:
        return BACKOFF_START
    return min(BACKOFF_CAP, max(BACKOFF_START, current * 2))


class Supervisor:
    def __init__(
        self,
        name: str,
        cmd: list[str],
        child_pidfile: Path | None,
        fail_fast: float,
        stop_timeout: float,
    ) -> None:
        self.name = name
        self.cmd = cmd
        self.child_pidfile = child_pidfile
        self.fail_fast = fail_fast
        self.stop_timeout = stop_timeout
        self.stopping = False
        self.child: subprocess.Popen[bytes] | None = None

    def say(self, message: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        print(f"{stamp} supervise: {self.name}: {message}", flush=True)

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)

    def start_child(self) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL)
        if self.child_pidfile is not None:
            self.child_pidfile.parent.mkdir(parents=True, exist_ok=True)
            self.child_pidfile.write_text(f"{child.pid}\n")
        return child

    def wait_child(self, child: subprocess.Popen[bytes]) -> int:
        """Wait for the child; once stopping, SIGKILL it after `stop_timeout`."""
        stop_deadline: float | None = None
        while True:
            try:
                return child.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                if not self.stopping:
                    continue
                if stop_deadline is None:
                    stop_deadline = time.monotonic() + self.stop_timeout
                elif time.monotonic() > stop_deadline:
                    self.say(f"did not stop within {self.stop_timeout:.0f}s; killing it")
                    child.kill()

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, deadline - time.monotonic()))

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        backoff = 0.0
        first = True
        while not self.stopping:
            started = time.monotonic()
            self.child = self.start_child()
            code = self.wait_child(self.child)
            uptime = time.monotonic() - started
            if self.stopping:
                break
            if first and code >= 0 and uptime < self.fail_fast:
                self.say(f"exited with code {code} {uptime:.1f}s after its first start; giving up")
                return code if code > 0 else 1
            first = False
            backoff = next_backoff(backoff, uptime)
            self.say(f"exited with code {code} after {uptime:.1f}s; restarting in {backoff:.0f}s")
            self.sleep(backoff)
        if self.child_pidfile is not None:
            self.child_pidfile.unlink(missing_ok=True)
        return 0


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m minik8s.cluster.supervise",
        description="Run a daemon and restart it whenever it exits; SIGTERM stops both.",
    )
    p.add_argument("--name", required=True, help="the component's name, for log lines")
    p.add_argument("--child-pidfile", type=Path, help="where to write the daemon's own pid")
    p.add_argument(
        "--fail-fast",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="give up if the first run exits within this long (default 3)",
    )
    p.add_argument(
        "--stop-timeout",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="SIGKILL the daemon if it has not exited this long after SIGTERM (default 20)",
    )
    p.add_argument("cmd", nargs=argparse.REMAINDER, help="-- the daemon's command line")
    args = p.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        p.error("no command given after --")
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    supervisor = Supervisor(args.name, cmd, args.child_pidfile, args.fail_fast, args.stop_timeout)
    sys.exit(supervisor.run())


if __name__ == "__main__":
    main()
