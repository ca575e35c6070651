"""Two leader electors in separate processes contend for one Lease on the real API server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from minik8s.api.resources import resolve
from minik8s.client import Client, ClientConfig
from tests.conftest import APIServerProcess, EtcdProcess

from .leader_contender import LEASE_DURATION, RETRY_PERIOD

LEASES = resolve("leases")
assert LEASES is not None
ROOT = Path(__file__).resolve().parents[3]


class Contender:
    """A contender process and the lines it printed."""

    def __init__(self, server: str, namespace: str, identity: str, lock: str = "lock") -> None:
        self.identity = identity
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.client.leader_contender",
                server,
                namespace,
                lock,
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


def _lease_path(namespace: str, lock: str) -> str:
    return f"/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{lock}"


def _leader_and_standby(a: Contender, b: Contender) -> tuple[Contender, Contender]:
    wait_for(lambda: a.leading or b.leading, "a leader", 15)
    leader, standby = (a, b) if a.leading else (b, a)
    wait_for(lambda: f"OBSERVED {leader.identity}" in standby.lines, "the standby to see it", 10)
    return leader, standby


def _recreated(api: httpx.Client, path: str, old_uid: str, holder: str) -> bool:
    r = api.get(path)
    if r.status_code != 200:
        return False
    lease = r.json()
    return bool(lease["metadata"]["uid"] != old_uid and lease["spec"]["holderIdentity"] == holder)


def test_a_deleted_lease_is_created_again_by_the_leader(
    apiserver: APIServerProcess, ns: str
) -> None:
    a, b = Contender(apiserver.url, ns, "a"), Contender(apiserver.url, ns, "b")
    path = _lease_path(ns, "lock")
    try:
        with httpx.Client(base_url=apiserver.url, timeout=10) as api:
            leader, standby = _leader_and_standby(a, b)
            for _ in range(5):
                uid = api.get(path).json()["metadata"]["uid"]
                assert api.delete(path).status_code == 200
                wait_for(
                    lambda uid=uid: _recreated(api, path, uid, leader.identity),  # type: ignore[misc]
                    "the leader to create the lease again",
                    10,
                )
            # The standby never took over and the leader never stepped down.
            assert not standby.leading
            assert "STOPPED" not in leader.lines
    finally:
        a.stop()
        b.stop()


def test_leadership_survives_its_namespace_vanishing_from_etcd(
    apiserver: APIServerProcess, etcd: EtcdProcess
) -> None:
    lock = f"lock-{uuid.uuid4().hex[:8]}"
    a = Contender(apiserver.url, "kube-system", "a", lock)
    b = Contender(apiserver.url, "kube-system", "b", lock)
    path = _lease_path("kube-system", lock)
    try:
        with httpx.Client(base_url=apiserver.url, timeout=10) as api:
            leader, standby = _leader_and_standby(a, b)
            uid = api.get(path).json()["metadata"]["uid"]
            for key in ("/registry/namespaces/kube-system", f"/registry/leases/kube-system/{lock}"):
                subprocess.run(
                    ["etcdctl", f"--endpoints={etcd.url}", "del", key],
                    check=True,
                    capture_output=True,
                )
            # The API server brings the namespace back; the leader creates its lease again
            # well within its renew deadline, so nobody notices a change of leader.
            wait_for(
                lambda: _recreated(api, path, uid, leader.identity),
                "the leader to create the lease again",
                10,
            )
            assert api.get("/api/v1/namespaces/kube-system").status_code == 200
            assert not standby.leading
            assert "STOPPED" not in leader.lines
    finally:
        a.stop()
        b.stop()
        httpx.delete(f"{apiserver.url}{path}")


def test_a_contender_waits_for_its_namespace(apiserver: APIServerProcess) -> None:
    namespace = f"later-{uuid.uuid4().hex[:8]}"
    a = Contender(apiserver.url, namespace, "a")
    try:
        with httpx.Client(base_url=apiserver.url, timeout=10) as api:
            time_limit = time.monotonic() + 1.0
            wait_for(lambda: time.monotonic() > time_limit or a.leading, "a second", 2)
            assert not a.leading and a.proc.poll() is None  # waiting, not crashed
            r = api.post("/api/v1/namespaces", json={"metadata": {"name": namespace}})
            assert r.status_code == 201, r.text
            wait_for(lambda: a.leading, "the contender to lead once the namespace exists", 10)
    finally:
        a.stop()
