"""API errors as Kubernetes `Status` objects.

Every failure the API server reports is one of these exceptions; `to_status()` renders the
`Status` body (reason, message, details.causes[].field) and `code` is the HTTP status. The
client library parses the same bodies back into the same classes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Cause reasons, as Kubernetes' field error types name them.
REQUIRED = "FieldValueRequired"
INVALID = "FieldValueInvalid"
DUPLICATE = "FieldValueDuplicate"
NOT_SUPPORTED = "FieldValueNotSupported"
FORBIDDEN = "FieldValueForbidden"
TOO_LONG = "FieldValueTooLong"
NOT_FOUND = "FieldValueNotFound"


@dataclass(frozen=True)
class Cause:
    """One field error: `field` is the dotted path (`spec.template.spec.containers[0].name`)."""

    field: str
    message: str
    reason: str = INVALID

    def to_dict(self) -> dict[str, str]:
        """As Kubernetes writes a StatusCause: an empty field is left out (omitempty)."""
        out = {"reason": self.reason, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out

    def describe(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


# A value quoted in a message is cut here: a field error should name the field, not echo a
# megabyte of what a client sent.
MAX_VALUE_TEXT = 256


def _render_value(value: Any) -> str:
    if isinstance(value, str):
        text = json.dumps(value[: MAX_VALUE_TEXT + 1])
    else:
        try:
            text = json.dumps(value, sort_keys=True)
        except (TypeError, ValueError):
            text = repr(value)
    if len(text) > MAX_VALUE_TEXT:
        return text[:MAX_VALUE_TEXT] + "...(truncated)"
    return text


def required(field: str, detail: str = "") -> Cause:
    return Cause(field, "Required value" + (f": {detail}" if detail else ""), REQUIRED)


def invalid(field: str, value: Any, detail: str) -> Cause:
    return Cause(field, f"Invalid value: {_render_value(value)}: {detail}", INVALID)


def not_supported(field: str, value: Any, allowed: list[str]) -> Cause:
    choices = ", ".join(json.dumps(a) for a in allowed)
    return Cause(
        field,
        f"Unsupported value: {_render_value(value)}: supported values: {choices}",
        NOT_SUPPORTED,
    )


def duplicate(field: str, value: Any) -> Cause:
    return Cause(field, f"Duplicate value: {_render_value(value)}", DUPLICATE)


def forbidden(field: str, detail: str) -> Cause:
    return Cause(field, f"Forbidden: {detail}", FORBIDDEN)


def too_long(field: str, value: Any, limit: int) -> Cause:
    return Cause(field, f"Too long: may not be more than {limit} bytes", TOO_LONG)


class APIError(Exception):
    """Base of all API errors; `code` is the HTTP status, `reason` the Status reason."""

    code = 500
    reason = "InternalError"

    def __init__(
        self,
        message: str,
        *,
        name: str = "",
        group: str = "",
        kind: str = "",
        causes: list[Cause] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = list(causes or [])
        self.retry_after = retry_after

    def to_status(self) -> dict[str, Any]:
        """The `Status` body, its keys in the order Kubernetes writes them (kind,
        apiVersion, metadata, status, message, reason, details, code), so clients that show
        or compare the text (`utils.create_from_yaml`'s errors) see Kubernetes' bytes."""
        status: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
        }
        details: dict[str, Any] = {}
        if self.name:
            details["name"] = self.name
        if self.group:
            details["group"] = self.group
        if self.kind:
            details["kind"] = self.kind
        if self.causes:
            details["causes"] = [c.to_dict() for c in self.causes]
        if self.retry_after is not None:
            details["retryAfterSeconds"] = self.retry_after
        if details:
            status["details"] = details
        status["code"] = self.code
        return status

    @classmethod
    def from_status(cls, status: dict[str, Any], code: int | None = None) -> APIError:
        """Rebuild the matching exception from a `Status` body (used by clients)."""
        reason = status.get("reason") or ""
        http_code = int(status.get("code") or code or 500)
        details = status.get("details") or {}
        causes = [
            Cause(c.get("field", ""), c.get("message", ""), c.get("reason", INVALID))
            for c in details.get("causes") or []
        ]
        err_cls = _BY_REASON.get(reason) or _BY_CODE.get(http_code) or APIError
        err = err_cls(
            status.get("message") or reason or f"HTTP {http_code}",
            name=details.get("name", ""),
            group=details.get("group", ""),
            kind=details.get("kind", ""),
            causes=causes,
            retry_after=details.get("retryAfterSeconds"),
        )
        if err_cls is APIError:
            err.code = http_code
            err.reason = reason or "Unknown"
        return err


class BadRequest(APIError):
    code = 400
    reason = "BadRequest"


class Unauthorized(APIError):
    code = 401
    reason = "Unauthorized"


class Forbidden(APIError):
    code = 403
    reason = "Forbidden"


class NotFound(APIError):
    code = 404
    reason = "NotFound"


class MethodNotAllowed(APIError):
    code = 405
    reason = "MethodNotAllowed"


class NotAcceptable(APIError):
    code = 406
    reason = "NotAcceptable"


class AlreadyExists(APIError):
    code = 409
    reason = "AlreadyExists"


class Conflict(APIError):
    code = 409
    reason = "Conflict"


class Gone(APIError):
    code = 410
    reason = "Expired"


class RequestEntityTooLarge(APIError):
    code = 413
    reason = "RequestEntityTooLarge"


class UnsupportedMediaType(APIError):
    code = 415
    reason = "UnsupportedMediaType"


class Invalid(APIError):
    code = 422
    reason = "Invalid"


class TooManyRequests(APIError):
    code = 429
    reason = "TooManyRequests"


class InternalError(APIError):
    code = 500
    reason = "InternalError"


class ServiceUnavailable(APIError):
    code = 503
    reason = "ServiceUnavailable"


class Timeout(APIError):
    code = 504
    reason = "Timeout"


_BY_REASON: dict[str, type[APIError]] = {
    c.reason: c
    for c in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        NotAcceptable,
        AlreadyExists,
        Conflict,
        Gone,
        RequestEntityTooLarge,
        UnsupportedMediaType,
        Invalid,
        TooManyRequests,
        InternalError,
        ServiceUnavailable,
        Timeout,
    )
}
_BY_REASON["Gone"] = Gone
_BY_CODE: dict[int, type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    406: NotAcceptable,
    409: Conflict,
    410: Gone,
    413: RequestEntityTooLarge,
    415: UnsupportedMediaType,
    422: Invalid,
    429: TooManyRequests,
    500: InternalError,
    503: ServiceUnavailable,
    504: Timeout,
}


def invalid_object(kind: str, group: str, name: str, causes: list[Cause]) -> Invalid:
    """The 422 Kubernetes answers for a failed validation, message included."""
    qualified = f"{kind}.{group}" if group else kind
    joined = ", ".join(c.describe() for c in causes)
    if len(causes) > 1:
        joined = f"[{joined}]"
    return Invalid(
        f'{qualified} "{name}" is invalid: {joined}',
        name=name,
        group=group,
        kind=kind,
        causes=causes,
    )
