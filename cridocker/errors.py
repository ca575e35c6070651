"""CRI errors as gRPC status codes, and how Docker's errors map onto them.

Every failure a handler can meet ends as a `CRIError(code, message)`, which the service
layer turns into the gRPC status of the call. Docker's own message is kept in the text so
the kubelet (and a person reading its events) sees why the engine refused.

| Docker | gRPC |
|---|---|
| 400 bad parameter | INVALID_ARGUMENT |
| 401 / 403 | UNAUTHENTICATED / PERMISSION_DENIED |
| 404 no such container/image/network | NOT_FOUND |
| 409 name already in use | ALREADY_EXISTS |
| 409 other conflicts (not running, in use) | FAILED_PRECONDITION |
| 500 | UNKNOWN |
| 503, engine unreachable | UNAVAILABLE |
| HTTP read timeout | DEADLINE_EXCEEDED |
"""

from __future__ import annotations

import grpc
import requests
from docker import errors as docker_errors


class CRIError(Exception):
    """A failed CRI call: the gRPC status code and a message for the caller."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"CRIError({self.code.name}, {self.message!r})"


def not_found(message: str) -> CRIError:
    return CRIError(grpc.StatusCode.NOT_FOUND, message)


def invalid(message: str) -> CRIError:
    return CRIError(grpc.StatusCode.INVALID_ARGUMENT, message)


def failed_precondition(message: str) -> CRIError:
    return CRIError(grpc.StatusCode.FAILED_PRECONDITION, message)


def is_not_found(err: CRIError) -> bool:
    return bool(err.code == grpc.StatusCode.NOT_FOUND)


_BY_STATUS = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.FAILED_PRECONDITION,
    500: grpc.StatusCode.UNKNOWN,
    503: grpc.StatusCode.UNAVAILABLE,
}


def docker_message(exc: docker_errors.APIError) -> str:
    """Docker's explanation of an API error, without the HTTP boilerplate."""
    explanation = exc.explanation
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    return str(explanation or exc).strip()


def from_docker(exc: BaseException, doing: str) -> CRIError:
    """The CRIError for an exception raised by the Docker SDK while `doing` something."""
    if isinstance(exc, CRIError):
        return exc
    if isinstance(exc, docker_errors.APIError):
        status = exc.status_code or 500
        message = docker_message(exc)
        code = _BY_STATUS.get(status, grpc.StatusCode.UNKNOWN)
        if status == 409 and "already in use" in message:
            code = grpc.StatusCode.ALREADY_EXISTS
        return CRIError(code, f"{doing}: {message}")
    if isinstance(exc, requests.exceptions.Timeout):
        return CRIError(grpc.StatusCode.DEADLINE_EXCEEDED, f"{doing}: Docker did not answer: {exc}")
    if isinstance(exc, requests.exceptions.ConnectionError):
        return CRIError(
            grpc.StatusCode.UNAVAILABLE, f"{doing}: cannot reach the Docker engine: {exc}"
        )
    if isinstance(exc, docker_errors.DockerException):
        # Raised before any request: most often the engine's version cannot be read.
        return CRIError(grpc.StatusCode.UNAVAILABLE, f"{doing}: {exc}")
    return CRIError(grpc.StatusCode.UNKNOWN, f"{doing}: {type(exc).__name__}: {exc}")
