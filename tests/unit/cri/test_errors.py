"""Docker errors → gRPC status codes, with Docker's message kept."""

from __future__ import annotations

import grpc
import pytest
import requests
from docker import errors as docker_errors

from cridocker.errors import CRIError, from_docker


def _api_error(status: int, message: str) -> docker_errors.APIError:
    response = requests.Response()
    response.status_code = status
    return docker_errors.APIError("HTTP error", response=response, explanation=message)


@pytest.mark.parametrize(
    ("status", "message", "code"),
    [
        (400, "invalid reference format", grpc.StatusCode.INVALID_ARGUMENT),
        (401, "unauthorized", grpc.StatusCode.UNAUTHENTICATED),
        (403, "denied", grpc.StatusCode.PERMISSION_DENIED),
        (404, "No such container: abc", grpc.StatusCode.NOT_FOUND),
        (
            409,
            'Conflict. The container name "/x" is already in use',
            grpc.StatusCode.ALREADY_EXISTS,
        ),
        (409, "Container abc is not running", grpc.StatusCode.FAILED_PRECONDITION),
        (500, "driver failed", grpc.StatusCode.UNKNOWN),
        (503, "busy", grpc.StatusCode.UNAVAILABLE),
        (418, "teapot", grpc.StatusCode.UNKNOWN),
    ],
)
def test_api_errors_map_to_codes(status: int, message: str, code: grpc.StatusCode) -> None:
    err = from_docker(_api_error(status, message), "doing it")
    assert err.code == code
    assert err.message == f"doing it: {message}"


def test_transport_errors() -> None:
    assert from_docker(requests.exceptions.ConnectionError("refused"), "x").code == (
        grpc.StatusCode.UNAVAILABLE
    )
    assert from_docker(requests.exceptions.ReadTimeout("slow"), "x").code == (
        grpc.StatusCode.DEADLINE_EXCEEDED
    )
    assert from_docker(docker_errors.DockerException("no version"), "x").code == (
        grpc.StatusCode.UNAVAILABLE
    )
    assert from_docker(ValueError("bug"), "x").code == grpc.StatusCode.UNKNOWN


def test_a_cri_error_passes_through() -> None:
    original = CRIError(grpc.StatusCode.NOT_FOUND, "gone")
    assert from_docker(original, "x") is original
    assert "NOT_FOUND" in repr(original)
