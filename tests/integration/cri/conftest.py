"""Fixtures for the CRI shim against the real Docker engine (started by CI, see .ci/run).

`shim` is one `mk-cri-docker` process for the module, on a socket in a temp dir, with an
instance name of its own and its own bridge network on a free 10.244.<n>.0/24; tests
isolate themselves with unique pod UIDs. `own_shim` is a shim a test may kill and restart.
Every container a shim made (found by its instance label) and its network are removed at
teardown. Without a Docker engine the tests fail with a clear message; they never skip.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from tests.integration.cri.helpers import REPO, ShimProcess, free_pod_cidr


@pytest.fixture(scope="session")
def docker_api() -> Iterator[docker.APIClient]:
    try:
        api = docker.APIClient(base_url="unix:///var/run/docker.sock", version="auto")
        api.ping()
    except Exception as exc:
        pytest.fail(
            f"the Docker engine is not running ({exc}); install docker.io and start dockerd "
            "as .ci/run does"
        )
    yield api
    api.close()


@pytest.fixture(scope="session")
def cri_images(docker_api: docker.APIClient) -> None:
    """minik8s/pause, busybox and httpd, built by `make images` when missing."""
    result = subprocess.run(
        ["bash", str(REPO / "deploy/images/build.sh")], capture_output=True, text=True
    )
    if result.returncode != 0:
        pytest.fail(f"deploy/images/build.sh failed:\n{result.stdout}{result.stderr}")


def _start(docker_api: docker.APIClient, tmp: Path, name: str) -> ShimProcess:
    shim = ShimProcess.new(tmp, name, free_pod_cidr(docker_api))
    shim.start()
    shim.set_pod_cidr()
    return shim


@pytest.fixture(scope="module")
def shim(
    docker_api: docker.APIClient, cri_images: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ShimProcess]:
    process = _start(docker_api, tmp_path_factory.mktemp("cri"), "shared")
    yield process
    process.stop()
    process.clean_docker(docker_api)


@pytest.fixture
def own_shim(
    docker_api: docker.APIClient, cri_images: None, tmp_path: Path
) -> Iterator[ShimProcess]:
    process = _start(docker_api, tmp_path, "own")
    yield process
    process.stop()
    process.clean_docker(docker_api)
