"""Image references, registry auth and pull errors."""

from __future__ import annotations

import base64

import grpc
import pytest

from cridocker.errors import CRIError
from cridocker.images import auth_config, full_reference, pull_error, split_reference
from minik8s.cri import cri_pb2 as pb


def test_split_reference() -> None:
    assert split_reference("busybox") == ("busybox", "latest")
    assert split_reference("127.0.0.1:5000/minik8s/httpd:v2") == (
        "127.0.0.1:5000/minik8s/httpd",
        "v2",
    )
    assert split_reference("nginx@sha256:" + "a" * 64) == ("nginx", "sha256:" + "a" * 64)
    assert full_reference("127.0.0.1:5000/x") == "127.0.0.1:5000/x:latest"
    assert full_reference("x@sha256:" + "b" * 64) == "x@sha256:" + "b" * 64


def test_auth_config() -> None:
    assert auth_config(pb.AuthConfig()) is None
    assert auth_config(pb.AuthConfig(username="u", password="p", server_address="r")) == {
        "username": "u",
        "password": "p",
        "serveraddress": "r",
    }
    encoded = base64.b64encode(b"alice:s3cr:et").decode()
    assert auth_config(pb.AuthConfig(auth=encoded)) == {"username": "alice", "password": "s3cr:et"}
    assert auth_config(pb.AuthConfig(identity_token="t")) == {"identitytoken": "t"}
    with pytest.raises(CRIError) as err:
        auth_config(pb.AuthConfig(auth="not base64!"))
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("manifest for x:v1 not found: manifest unknown", grpc.StatusCode.NOT_FOUND),
        ("pull access denied for x, repository does not exist", grpc.StatusCode.NOT_FOUND),
        ("unauthorized: authentication required", grpc.StatusCode.UNAUTHENTICATED),
        ("dial tcp 127.0.0.1:1: connect: connection refused", grpc.StatusCode.UNAVAILABLE),
        ("something else", grpc.StatusCode.UNKNOWN),
    ],
)
def test_pull_errors(message: str, code: grpc.StatusCode) -> None:
    err = pull_error("x:v1", message)
    assert err.code == code
    assert "'x:v1'" in err.message and message in err.message


def test_registry_of_names_the_host_or_docker_io() -> None:
    from cridocker.images import registry_of

    assert registry_of("minik8s/busybox:latest") == "docker.io"
    assert registry_of("busybox") == "docker.io"
    assert registry_of("127.0.0.1:5000/minik8s/pause:latest") == "127.0.0.1:5000"
    assert registry_of("registry.k8s.io/pause:3.9") == "registry.k8s.io"


def test_a_bare_host_allows_every_port() -> None:
    from cridocker.images import registry_allowed

    assert registry_allowed("127.0.0.1:5000", ("127.0.0.1",))
    assert registry_allowed("127.0.0.1:5000", ("127.0.0.1:5000",))
    assert not registry_allowed("127.0.0.1:5001", ("127.0.0.1:5000",))
    assert not registry_allowed("docker.io", ("127.0.0.1", "localhost"))
