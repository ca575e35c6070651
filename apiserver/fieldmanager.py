"""The field manager and fieldValidation of a write request, and the `Warning` headers of
its answer.

`write_options` reads `fieldManager`, `fieldValidation` and `force` from the query (the
manager defaults to the User-Agent's product, as Kubernetes does) into the registry's
`WriteOptions`. `with_warnings` adds what the write collected (unknown fields under
`fieldValidation=Warn`) as `Warning: 299 - "text"` headers, one per warning, which kubectl
prints as `Warning: text` and client-go hands to its warning handler. Like Kubernetes, the
headers are deduplicated and bounded (`MAX_WARNING_BYTES` in all); text is sent as UTF-8.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .registry import WriteOptions

__all__ = ["MAX_WARNING_BYTES", "warning_value", "with_warnings", "write_options"]

MAX_WARNING_BYTES = 64 * 1024


def write_options(request: Request, verb: str, *, apply: bool = False) -> WriteOptions:
    """The options of a create, update or patch request (422 for values Kubernetes refuses)."""
    return WriteOptions.from_query(
        request.query_params, request.headers.get("user-agent", ""), verb, apply=apply
    )


def warning_value(text: str) -> str:
    """One `Warning` header value: code 299, no agent, the text quoted (RFC 7234)."""
    clean = "".join(ch for ch in text if ch == "\t" or ch.isprintable())
    quoted = clean.replace("\\", "\\\\").replace('"', '\\"')
    # Starlette writes header values as latin-1: hand it the UTF-8 bytes that way.
    return f'299 - "{quoted}"'.encode().decode("latin-1")


def with_warnings(response: Response, warnings: list[str]) -> Response:
    used = 0
    seen: set[str] = set()
    for text in warnings:
        if text in seen:
            continue
        seen.add(text)
        value = warning_value(text)
        used += len(value)
        if used > MAX_WARNING_BYTES:
            break
        response.headers.append("Warning", value)
    return response
