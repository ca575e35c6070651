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

Concurrency: the main thread blocks in `wait()` on the child (no polling, so an idle
supervisor costs no CPU); SIGTERM/SIGINT set a flag and are forwarded to the child, which
is then given `--stop-timeout` seconds (a timer thread) before SIGKILL.
Output of the child goes wherever the supervisor's goes (the component's log file); the
supervisor's own lines go there too, prefixed "supervise:". On Linux the child is asked
(prctl PR_SET_PDEATHSIG) to get SIGTERM when the supervisor dies, so a supervisor killed
with -9 does not leave an unsupervised daemon holding its ports.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

PR_SET_PDEATHSIG = 1
BACKOFF_START = 1.0
BACKOFF_CAP = 30.0
STABLE_AFTER = 60.0


def next_backoff(current: float, uptime: float) -> float:
    """The delay before the next restart: doubled per quick crash, reset after a stable run."""
    if uptime >= STABLE_AFTER:
        return BACKOFF_START
    return min(BACKOFF_CAP, max(BACKOFF_START, current * 2))


def _die_with_parent() -> None:
    """In the forked child: SIGTERM when the supervisor dies (Linux only, else a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


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
        self.killer: threading.Timer | None = None

    def say(self, message: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        print(f"{stamp} supervise: {self.name}: {message}", flush=True)

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        self.forward(signum)

    def forward(self, signum: int) -> None:
        """Pass a stop signal on to the child, and SIGKILL it `stop_timeout` later."""
        child = self.child
        if child is None or child.poll() is not None:
            return
        child.send_signal(signum)
        if self.killer is None:
            self.killer = threading.Timer(self.stop_timeout, self.kill_child, args=(child,))
            self.killer.daemon = True
            self.killer.start()

    def kill_child(self, child: subprocess.Popen[bytes]) -> None:
        if child.returncode is None:
            self.say(f"did not stop within {self.stop_timeout:.0f}s; killing it")
            child.kill()

    def start_child(self) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        if self.child_pidfile is not None:
            self.child_pidfile.parent.mkdir(parents=True, exist_ok=True)
            self.child_pidfile.write_text(f"{child.pid}\n")
        return child

    def wait_child(self, child: subprocess.Popen[bytes]) -> int:
        """Block until the child exits (no polling: an idle supervisor uses no CPU).

        A stop signal arriving meanwhile runs `on_signal` in this thread (the wait resumes
        after it), which forwards it and arms the SIGKILL timer."""
        if self.stopping:
            self.forward(signal.SIGTERM)  # a signal that came just before the child started
        return child.wait()

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
