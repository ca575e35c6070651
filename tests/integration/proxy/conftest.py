"""The proxy tests get an API server of their own (a private key prefix on the session's
etcd): the agents render every Service in the cluster, so objects other test modules leave
behind must not change the rules these tests compare."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import APIServerProcess, EtcdProcess, _new_apiserver


@pytest.fixture(scope="module")
def apiserver(etcd: EtcdProcess, workdir: Path) -> Iterator[APIServerProcess]:
    server = _new_apiserver(
        etcd, workdir, ["--bookmark-interval", "1", "--etcd-prefix", "/proxy-tests"]
    )
    yield server
    server.stop()
