"""Fixtures shared by every test: a real etcd and a real API server, started as users do.

`etcd` and `apiserver` are session-wide processes (one etcd in a temp dir, one
`mk-apiserver` on a free port); tests isolate themselves by creating their own namespace
(`ns` fixture). A test that needs to restart or stop a process asks for its own
(`fresh_apiserver`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from minik8s.cluster import processes

# Network safety: every CRI shim a test starts (it inherits this) pulls only from registries
# on loopback; an `imagePullPolicy: Always` pod of an offline image uses the local copy
# instead of looking up docker.io.
os.environ.setdefault("MINIK8S_ALLOWED_REGISTRIES", "127.0.0.1,localhost")


@dataclass
class EtcdProcess:
    url: str
    port: int
    proc: subprocess.Popen[bytes]


@dataclass
class APIServerProcess:
    url: str
    port: int
    etcd_url: str
    log: Path
    extra: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = processes.start_apiserver(self.etcd_url, self.port, self.log, self.extra)

    def stop(self) -> None:
        if self.proc is not None:
            processes.stop(self.proc)
            self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()


def _need(binary: str) -> None:
    if shutil.which(binary) is None:
        pytest.fail(f"{binary} is not installed (run .ci/run or apt-get install it)")


@pytest.fixture(scope="session")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("minik8s")


@pytest.fixture(scope="session")
def etcd(workdir: Path) -> Iterator[EtcdProcess]:
    _need("etcd")
    port, peer = processes.free_port(), processes.free_port()
    proc = processes.start_etcd(workdir / "etcd", port, peer, workdir / "etcd.log")
    yield EtcdProcess(f"http://127.0.0.1:{port}", port, proc)
    processes.stop(proc)


def _new_apiserver(etcd: EtcdProcess, workdir: Path, extra: list[str]) -> APIServerProcess:
    port = processes.free_port()
    server = APIServerProcess(
        f"http://127.0.0.1:{port}", port, etcd.url, workdir / f"apiserver-{port}.log", extra
    )
    server.start()
    return server


@pytest.fixture(scope="session")
def apiserver(etcd: EtcdProcess, workdir: Path) -> Iterator[APIServerProcess]:
    server = _new_apiserver(etcd, workdir, ["--bookmark-interval", "1"])
    yield server
    server.stop()


@pytest.fixture
def fresh_apiserver(etcd: EtcdProcess, workdir: Path) -> Iterator[APIServerProcess]:
    """An API server of the test's own, free to be stopped and restarted."""
    server = _new_apiserver(etcd, workdir, ["--bookmark-interval", "1"])
    yield server
    server.stop()


@pytest.fixture
def api(apiserver: APIServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=apiserver.url, timeout=10) as client:
        yield client


@pytest.fixture
def ns(api: httpx.Client) -> Iterator[str]:
    """A namespace of the test's own."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    r = api.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert r.status_code == 201, r.text
    yield name
