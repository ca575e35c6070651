"""The ImageService against Docker and a real registry (Debian's docker-registry) on loopback."""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import grpc
import pytest

from minik8s.cluster import processes
from minik8s.cri import cri_pb2 as pb
from tests.integration.cri.helpers import ShimProcess, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A registry on a free loopback port (Docker allows plain HTTP on 127.0.0.0/8)."""
    binary = shutil.which("docker-registry")
    if binary is None:
        pytest.fail("docker-registry is not installed (apt-get install -y docker-registry)")
    root = tmp_path_factory.mktemp("registry")
    address = f"127.0.0.1:{processes.free_port()}"
    config = root / "config.yml"
    config.write_text(
        f"version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {root / 'data'}\nhttp:\n  addr: {address}\n"
    )
    proc = processes.spawn([binary, "serve", str(config)], root / "registry.log")
    wait_for(lambda: processes.http_ok(f"http://{address}/v2/"), 20, f"the registry on {address}")
    yield address
    processes.stop(proc)


def _unique_image(api: docker.APIClient, repository: str, tag: str) -> str:
    """Imports a one-file image nobody else has, so a pull must fetch its layer."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        content = uuid.uuid4().hex.encode()
        info = tarfile.TarInfo("id.txt")
        info.size = len(content)
        tar.addfile(info, io.BytesIO(content))
    api.import_image_from_data(data.getvalue(), repository=repository, tag=tag)
    return f"{repository}:{tag}"


def _push(api: docker.APIClient, repository: str, tag: str) -> None:
    for message in api.push(repository, tag=tag, stream=True, decode=True):
        assert "error" not in message, message


def test_pull_from_a_local_registry(
    shim: ShimProcess, docker_api: docker.APIClient, registry: str
) -> None:
    repository, tag = f"{registry}/minik8s-test/pulled", uuid.uuid4().hex[:8]
    image = _unique_image(docker_api, repository, tag)
    _push(docker_api, repository, tag)
    docker_api.remove_image(image)

    def status() -> pb.ImageStatusResponse:
        return shim.im.ImageStatus(pb.ImageStatusRequest(image=pb.ImageSpec(image=image)))

    assert not status().HasField("image")  # absent is not an error

    auth = pb.AuthConfig(username="nobody", password="unused")  # this registry ignores it
    pulled = shim.im.PullImage(pb.PullImageRequest(image=pb.ImageSpec(image=image), auth=auth))
    assert pulled.image_ref.startswith("sha256:")
    found = status().image
    assert found.id == pulled.image_ref
    assert image in found.repo_tags
    assert any(d.startswith(f"{repository}@sha256:") for d in found.repo_digests)

    listed = shim.im.ListImages(
        pb.ListImagesRequest(filter=pb.ImageFilter(image=pb.ImageSpec(image=repository)))
    )
    assert [i.id for i in listed.images] == [pulled.image_ref]

    for _ in range(2):  # idempotent
        shim.im.RemoveImage(pb.RemoveImageRequest(image=pb.ImageSpec(image=image)))
    assert not status().HasField("image")


def test_pull_errors_name_the_image(shim: ShimProcess, registry: str) -> None:
    missing = f"{registry}/minik8s-test/never-pushed:v1"
    with pytest.raises(grpc.RpcError) as err:
        shim.im.PullImage(pb.PullImageRequest(image=pb.ImageSpec(image=missing)))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert missing in (err.value.details() or "")

    # A loopback port where nothing listens: the registry is unreachable.
    unreachable = f"127.0.0.1:{processes.free_port()}/minik8s-test/busybox:v1"
    with pytest.raises(grpc.RpcError) as err:
        shim.im.PullImage(pb.PullImageRequest(image=pb.ImageSpec(image=unreachable)))
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    assert unreachable in (err.value.details() or "")

    with pytest.raises(grpc.RpcError) as err:
        shim.im.PullImage(pb.PullImageRequest(image=pb.ImageSpec(image="")))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_allowed_registries_keep_pulls_on_the_machine(
    docker_api: docker.APIClient, cri_images: None, registry: str, tmp_path: Path
) -> None:
    shim = ShimProcess.new(tmp_path, "allow", "10.99.254.0/24")
    shim.extra = ["--allowed-registries", registry]
    shim.start()
    try:
        # the allowed registry is pulled from for real
        repository, tag = f"{registry}/minik8s-test/allowed", uuid.uuid4().hex[:8]
        image = _unique_image(docker_api, repository, tag)
        _push(docker_api, repository, tag)
        docker_api.remove_image(image)
        pulled = shim.im.PullImage(pb.PullImageRequest(image=pb.ImageSpec(image=image)))
        assert pulled.image_ref == docker_api.inspect_image(image)["Id"]

        # docker.io is not allowed: the local copy counts, nothing is fetched
        local = shim.im.PullImage(
            pb.PullImageRequest(image=pb.ImageSpec(image="minik8s/busybox:latest"))
        )
        assert local.image_ref == docker_api.inspect_image("minik8s/busybox:latest")["Id"]
        assert "pulled minik8s/busybox" not in shim.log.read_text()

        with pytest.raises(grpc.RpcError) as err:
            shim.im.PullImage(
                pb.PullImageRequest(image=pb.ImageSpec(image="example.invalid/nothing:v1"))
            )
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        assert "registry example.invalid is not allowed" in (err.value.details() or "")
        docker_api.remove_image(image)
    finally:
        shim.stop()
        shim.clean_docker(docker_api)


def test_list_status_and_fs_info(shim: ShimProcess) -> None:
    images = shim.im.ListImages(pb.ListImagesRequest()).images
    tags = {tag for image in images for tag in image.repo_tags}
    assert {"minik8s/pause:latest", "minik8s/busybox:latest", "minik8s/httpd:v2"} <= tags
    status = shim.im.ImageStatus(
        pb.ImageStatusRequest(image=pb.ImageSpec(image="minik8s/httpd:v2"), verbose=True)
    )
    assert status.image.size > 0
    assert "start-httpd" in status.info["info"]
    fs = shim.im.ImageFsInfo(pb.ImageFsInfoRequest()).image_filesystems
    assert len(fs) == 1 and fs[0].used_bytes.value > 0
    assert Path(fs[0].fs_id.mountpoint).is_absolute()


def test_make_registry_script_is_loopback_only() -> None:
    script = Path(__file__).resolve().parents[3] / "deploy/images/build.sh"
    result = subprocess.run(
        ["bash", str(script), "--push"],
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "REGISTRY": "10.1.2.3:5000"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "loopback" in result.stderr
