"""Overload and slow clients against a real API server with small limits: each attack gets
a 429/504 or a closed connection, while `/readyz` keeps answering within a second.

Everything talks to the test's own server on 127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from minik8s.cluster import processes
from tests.conftest import APIServerProcess, EtcdProcess

FLAGS = [
    "--max-requests-inflight", "4",
    "--max-mutating-requests-inflight", "1",
    "--request-timeout", "2",
    "--max-watches-per-client", "3",
    "--read-header-timeout", "1",
    "--write-stall-timeout", "1",
]  # fmt: skip


@pytest.fixture(scope="module")
def guarded(
    etcd: EtcdProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[APIServerProcess]:
    port = processes.free_port()
    log = tmp_path_factory.mktemp("overload") / "apiserver.log"
    server = APIServerProcess(f"http://127.0.0.1:{port}", port, etcd.url, log, FLAGS)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api(guarded: APIServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=guarded.url, timeout=10) as client:
        yield client


class ReadyProbe:
    """Asks `/readyz` every 0.1 s on a thread of its own and keeps the slowest answer."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.slowest = 0.0
        self.failures: list[str] = []
        self.asked = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

        self._first = threading.Event()

    def ask(self) -> None:
        started = time.monotonic()
        try:
            code = httpx.get(f"{self.url}/readyz", timeout=5).status_code
        except httpx.HTTPError as e:
            self.failures.append(repr(e))
            return
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.asked += 1
        if code != 200:
            self.failures.append(f"readyz {code}")

    def _run(self) -> None:
        while True:
            self.ask()
            self._first.set()
            if self._stop.wait(0.1):
                return

    def __enter__(self) -> ReadyProbe:
        self._thread.start()
        self._first.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        assert self.asked > 0 and not self.failures, self.failures
        assert self.slowest < 1.0, f"/readyz took {self.slowest:.2f}s during the attack"


def connect(server: APIServerProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return sock


def closed_within(sock: socket.socket, seconds: float) -> float:
    """Seconds until the server closed `sock` (reading whatever it sent), else fail."""
    started = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - started < seconds:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except ConnectionResetError:
            return time.monotonic() - started
    raise AssertionError(f"the server kept the connection for {seconds}s")


def body_header(ns: str, length: int) -> bytes:
    return (
        f"POST /api/v1/namespaces/{ns}/configmaps HTTP/1.1\r\nHost: t\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


@pytest.fixture
def gns(api: httpx.Client) -> str:
    name = f"o-{time.monotonic_ns() % 10**9}"
    assert api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).status_code == 201
    return name


def test_writes_beyond_the_limit_answer_429(
    guarded: APIServerProcess, api: httpx.Client, gns: str
) -> None:
    with ReadyProbe(guarded.url) as probe:
        slow = connect(guarded)
        try:
            slow.sendall(body_header(gns, 100) + b'{"meta')  # holds the only write slot
            deadline = time.monotonic() + 5
            while True:
                r = api.post(
                    f"/api/v1/namespaces/{gns}/configmaps", json={"metadata": {"name": "c"}}
                )
                if r.status_code == 429 or time.monotonic() > deadline:
                    break
            assert r.status_code == 429, r.text
            assert r.headers["Retry-After"] == "1"
            status = r.json()
            assert status["reason"] == "TooManyRequests"
            assert status["message"] == "Too many requests, please try again later."
            # reads have their own limit, probes none
            assert api.get(f"/api/v1/namespaces/{gns}/configmaps").status_code == 200
            probe.ask()
        finally:
            slow.close()


def test_a_body_sent_one_byte_at_a_time_gets_504_and_is_cut(
    guarded: APIServerProcess, gns: str
) -> None:
    with ReadyProbe(guarded.url):
        sock = connect(guarded)
        started = time.monotonic()
        sock.sendall(body_header(gns, 1000))
        answer = b""
        sock.settimeout(0.2)
        for _ in range(40):  # one byte every 0.2 s (the recv timeout), at most 8 s
            try:
                sock.sendall(b" ")
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            except ConnectionResetError:
                break
            answer += chunk
            if not chunk:
                break
        took = time.monotonic() - started
        sock.close()
    assert answer.startswith(b"HTTP/1.1 504"), answer[:200]
    status = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert status["reason"] == "Timeout" and status["code"] == 504
    assert 1.5 < took < 6, took


def test_headers_one_byte_at_a_time_are_cut(guarded: APIServerProcess) -> None:
    with ReadyProbe(guarded.url):
        idle = connect(guarded)  # says nothing at all
        slow = connect(guarded)
        request = b"GET /api/v1/namespaces HTTP/1.1\r\nHost: t\r\nX-Padding: " + b"a" * 100
        cut = False
        started = time.monotonic()
        for byte in request:  # one byte every 0.1 s: the request would take 13 s
            try:
                slow.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                cut = True
                break
            time.sleep(0.1)  # the attack's pace, not a wait for the server
            slow.settimeout(0.001)
            try:
                if slow.recv(1) == b"":
                    cut = True
                    break
            except TimeoutError:
                pass
            except ConnectionResetError:
                cut = True
                break
        assert cut, "the slow headers were never cut"
        assert time.monotonic() - started < 4
        assert closed_within(idle, 3) < 3
        slow.close()
        idle.close()


def test_a_watcher_that_never_reads_is_cut(
    guarded: APIServerProcess, api: httpx.Client, gns: str
) -> None:
    # (An ordinary request whose client stops reading runs into the request timeout; a
    # watch has none, so the write-stall deadline is what ends it.)
    big = {"metadata": {"name": "big"}, "data": {"big": "x" * 900_000}}
    assert api.post(f"/api/v1/namespaces/{gns}/configmaps", json=big).status_code == 201
    watch = f"GET /api/v1/namespaces/{gns}/configmaps?watch=1 HTTP/1.1\r\nHost: t\r\n\r\n"
    with ReadyProbe(guarded.url):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect(("127.0.0.1", guarded.port))
        sock.sendall(watch.encode())
        for i in range(20):  # 20 events of 0.9 MB for a client that reads nothing
            r = api.patch(
                f"/api/v1/namespaces/{gns}/configmaps/big",
                json={"metadata": {"labels": {"n": str(i)}}},
                headers={"Content-Type": "application/merge-patch+json"},
            )
            assert r.status_code == 200, r.text
        time.sleep(3)  # the attack itself: still not reading, past the 1 s stall deadline
        received = 0
        sock.settimeout(2)
        try:
            while chunk := sock.recv(1 << 20):
                received += len(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
        sock.close()
    assert received < 10 * 900_000, received


def test_watches_per_client_are_bounded(guarded: APIServerProcess, api: httpx.Client) -> None:
    headers = {"User-Agent": "watch-hog"}
    with ReadyProbe(guarded.url), httpx.Client(base_url=guarded.url, timeout=10) as hog:
        streams = []
        try:
            for _ in range(3):
                s = hog.stream("GET", "/api/v1/configmaps", params={"watch": "1"}, headers=headers)
                streams.append(s)
                assert s.__enter__().status_code == 200
            r = hog.get("/api/v1/configmaps", params={"watch": "1"}, headers=headers)
            assert r.status_code == 429 and r.headers["Retry-After"] == "1"
            # another client still watches
            with api.stream("GET", "/api/v1/configmaps", params={"watch": "1"}) as other:
                assert other.status_code == 200
        finally:
            for s in streams:
                s.__exit__(None, None, None)


def test_limits_are_flags(guarded: APIServerProcess, tmp_path: Path) -> None:
    out = processes.spawn(
        [*processes.apiserver_command("http://127.0.0.1:1", 1), "--help"], tmp_path / "help"
    )
    assert out.wait(30) == 0
    text = (tmp_path / "help").read_text()
    for flag in (
        "--max-requests-inflight",
        "--max-mutating-requests-inflight",
        "--request-timeout",
        "--max-watches-per-client",
        "--read-header-timeout",
        "--write-stall-timeout",
        "--advertise-address",
    ):
        assert flag in text
