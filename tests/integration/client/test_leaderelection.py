"""Two leader electors in separate processes contend for one Lease on the real API server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from minik8s.api.resources import resolve
from minik8s.client import Client, ClientConfig
from tests.conftest import APIServerProcess

from .leader_contender import LEASE_DURATION, RETRY_PERIOD

LEASES = resolve("leases")
assert LEASES is not None
ROOT = Path(__file__).resolve().parents[3]


class Contender:
    """A contender process and the lines it printed."""

    def __init__(self, server: str, namespace: str, identity: str) -> None:
        self.identity = identity
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.client.leader_contender",
                server,
                namespace,
                "lock",
                identity,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    @property
    def leading(self) -> bool:
        return f"LEADING {self.identity}" in self.lines

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._reader.join(5)


def wait_for(cond: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def test_one_leader_and_a_takeover_after_sigkill(apiserver: APIServerProcess, ns: str) -> None:
    a, b = Contender(apiserver.url, ns, "a"), Contender(apiserver.url, ns, "b")
    try:
        with Client(ClientConfig(server=apiserver.url, namespace=ns)) as api:
            wait_for(lambda: a.leading or b.leading, "a leader", 15)
            leader, standby = (a, b) if a.leading else (b, a)
            wait_for(
                lambda: f"OBSERVED {leader.identity}" in standby.lines, "the standby to see it", 10
            )
            # Watch the leader renew for well over a lease duration: the standby, trying
            # every retry period meanwhile, must never lead.
            renewals: set[str] = set()

            def renewed_enough() -> bool:
                spec = api.get(LEASES, "lock")["spec"]
                assert spec["holderIdentity"] == leader.identity
                renewals.add(spec["renewTime"])
                return len(renewals) >= LEASE_DURATION / RETRY_PERIOD + 2

            wait_for(renewed_enough, "the leader to renew", 15)
            assert not standby.leading
            assert [line for line in leader.lines if line.startswith("LEADING")] == [
                f"LEADING {leader.identity}"
            ]

            os.kill(leader.proc.pid, signal.SIGKILL)
            killed = time.monotonic()
            wait_for(lambda: standby.leading, "the standby to take over", 15)
            took = time.monotonic() - killed
            # At most a lease duration after it last saw a renewal, checked every retry
            # period (+ slack for a loaded machine).
            assert took <= LEASE_DURATION + 2 * RETRY_PERIOD + 1.5, took
            spec = api.get(LEASES, "lock")["spec"]
            assert spec["holderIdentity"] == standby.identity
            assert spec["leaseTransitions"] == 1
            assert spec["leaseDurationSeconds"] == 2

            # A clean shutdown releases the lease at once.
            standby.proc.send_signal(signal.SIGTERM)
            standby.proc.wait(10)
            assert api.get(LEASES, "lock")["spec"]["holderIdentity"] == ""
    finally:
        a.stop()
        b.stop()
    assert "CANCELLED" in standby.lines and "STOPPED" in standby.lines
