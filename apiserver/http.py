"""HTTP helpers every handler shares: JSON answers, `Status` errors, request bodies and
the object forms an Accept header asks for (Table, PartialObjectMetadata, protobuf).

Request bodies: at most `MAX_BODY` bytes (Kubernetes' 3 MiB; 413 beyond, counted while
reading, so a larger body is never held whole), decoded by `minik8s.api.decode` with its
bounds (nesting, YAML aliases, duplicate keys, UTF-8, number ranges; 400 for each), or, for
`application/vnd.kubernetes.protobuf` (what typed Go clients such as kubectl's `create`
send), by `minik8s.api.protobuf` into the same object a JSON body gives: 400 for a
malformed body or an unknown kind in its envelope, 415 for a kind whose protobuf mapping
is not complete yet. The fields a protobuf body carried that no declaration names are left
in `request.state.unknown_fields` (paths such as `spec.#99`) for field validation.

Answers are JSON unless the Accept header asks for protobuf only (client-go's default
`application/vnd.kubernetes.protobuf, application/json` gets JSON, as kubectl does): then
objects, lists and errors are a protobuf envelope, or JSON after all when the object
cannot be written as one (a kind not mapped yet); clients read either by Content-Type.

Concurrency: handlers run on the event loop, and a decode holds it while it runs. Measured
here (decode with its checks): JSON about 4 us per KiB (0.3 ms for 64 KiB, 18 ms for 3 MiB),
YAML about 100 us per KiB even with libyaml (7 ms for 64 KiB), protobuf about 75 us per KiB
of pods (2 us for a KiB of long strings). Bodies up to `INLINE_JSON` / `INLINE_YAML` /
`INLINE_PROTOBUF` bytes (under a millisecond) are decoded inline, larger ones in the one
worker thread of `apiserver/offload.py`, which then also defaults and validates that
request's object (`Registry` asks it). The GIL still serialises the work, but the loop gets
it back whenever the decoder runs Python code (every switch interval, 5 ms) and between C
stretches: the longest loop stall measured while decoding a 3 MiB JSON body fell from 66 ms
inline to 29 ms, for 1 MiB of YAML from 430 ms to 38 ms. One thread, because a second would
only add a competitor for the GIL; large bodies queue for it in arrival order.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from minik8s.api import errors, gojson, protobuf
from minik8s.api.decode import DecodeError, decode
from minik8s.api.params import Query

from . import offload

MAX_BODY = 3 * 1024 * 1024  # kube-apiserver's limit for a request body
INLINE_JSON = 64 * 1024
INLINE_YAML = 8 * 1024
INLINE_PROTOBUF = 8 * 1024
JSON = "application/json"
PROTOBUF = protobuf.MEDIA_TYPE
dumps = gojson.dumps
# Kubernetes' text for a verb that no route of the path serves.
METHOD_NOT_ALLOWED = "the server does not allow this method on the requested resource"


class MethodNotAllowed(errors.MethodNotAllowed):
    """405 with the methods the path does serve (the `Allow` header RFC 9110 asks for)."""

    def __init__(self, allowed: list[str], message: str = METHOD_NOT_ALLOWED) -> None:
        super().__init__(message)
        self.allowed = allowed


def json_response(body: Any, status: int = 200) -> Response:
    """`body` as kube-apiserver writes JSON (`minik8s.api.gojson`: Go's escapes, a final
    newline)."""
    return Response(gojson.body(body), status_code=status, media_type=JSON)


def object_response(request: Request, body: Any, status: int = 200) -> Response:
    """An object or list in the form the Accept header asks for: JSON, or protobuf when
    that is all the client takes and the object has a protobuf form."""
    if wants_protobuf(request):
        try:
            return Response(protobuf.encode(body), status_code=status, media_type=PROTOBUF)
        except protobuf.ProtobufError:
            pass  # not mapped (yet): JSON, which every Kubernetes client reads too
    return json_response(body, status)


def status_response(err: errors.APIError, request: Request | None = None) -> Response:
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after else {}
    if isinstance(err, MethodNotAllowed):
        headers["Allow"] = ", ".join(err.allowed)
    if request is not None and wants_protobuf(request):
        response = object_response(request, err.to_status(), err.code)
        response.headers.update(headers)
        return response
    return Response(
        gojson.body(err.to_status()), status_code=err.code, media_type=JSON, headers=headers
    )


def success_status(code: int = 200, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A success `Status`, keys in Kubernetes' order (details before code)."""
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
    }
    if details:
        status["details"] = details
    status["code"] = code
    return status


def query_of(request: Request) -> Query:
    """The request's query string, read as Kubernetes reads it (`minik8s.api.params`)."""
    return Query(request.query_params.multi_items())


def _too_large() -> errors.APIError:
    return errors.RequestEntityTooLarge(f"Request entity too large: limit is {MAX_BODY}")


async def read_raw(request: Request) -> bytes:
    """The body's bytes, refused (413) as soon as they pass `MAX_BODY`."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY:
        raise _too_large()
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def read_body(request: Request) -> Any:
    raw = await read_raw(request)
    if not raw.strip():
        raise errors.BadRequest("the request body is empty")
    return await decode_body(request, raw)


async def read_object(request: Request, what: str) -> dict[str, Any] | None:
    """An optional body that must be an object when present (DeleteOptions)."""
    raw = await read_raw(request)
    if not raw.strip():
        return None
    body = await decode_body(request, raw)
    if not isinstance(body, dict):
        raise errors.BadRequest(f"{what} must be a JSON object")
    return body


async def decode_body(request: Request, raw: bytes) -> Any:
    ctype = request.headers.get("content-type", JSON).split(";")[0].strip().lower()
    if ctype == PROTOBUF:
        return await _decode_protobuf(request, raw)
    if "protobuf" in ctype:
        raise errors.UnsupportedMediaType(
            f"the body of the request was in an unknown format ({ctype}) - accepted media "
            f"types include: application/json, application/yaml, {PROTOBUF}"
        )
    is_yaml = "yaml" in ctype
    large = len(raw) > (INLINE_YAML if is_yaml else INLINE_JSON)
    if large:
        offload.mark_large()
    try:
        return await offload.run(decode, raw, is_yaml, large=large)
    except DecodeError as e:
        what = "YAML" if is_yaml else "JSON"
        raise errors.BadRequest(f"the request body is not valid {what}: {e}") from None


async def _decode_protobuf(request: Request, raw: bytes) -> Any:
    large = len(raw) > INLINE_PROTOBUF
    if large:
        offload.mark_large()
    try:
        decoded = await offload.run(protobuf.decode, raw, large=large)
    except protobuf.Incomplete as e:
        raise errors.UnsupportedMediaType(f"{e}; send it as {JSON}") from None
    except protobuf.ProtobufError as e:
        raise errors.BadRequest(f"the request body is not a valid protobuf object: {e}") from None
    request.state.unknown_fields = decoded.unknown
    return decoded.obj


def wants_protobuf(request: Request) -> bool:
    """The Accept header names protobuf and nothing else this server writes (JSON, YAML,
    any type): client-go's `application/vnd.kubernetes.protobuf` alone."""
    accept = request.headers.get("accept", "")
    if PROTOBUF not in accept:
        return False
    ranges = [r.split(";")[0].strip().lower() for r in accept.split(",")]
    return all(r == PROTOBUF for r in ranges if r)


# What Kubernetes serves (minik8s answers JSON to each but protobuf alone, see
# `wants_protobuf`: every client that asks for them reads JSON too); an Accept header that
# allows none of them is 406.
_SERVED = frozenset(
    {
        "*/*",
        "application/*",
        JSON,
        "application/yaml",
        "application/vnd.kubernetes.protobuf",
    }
)


def check_accept(request: Request) -> None:
    accept = request.headers.get("accept")
    if not accept or "json" in accept or "*/*" in accept:
        return
    if any(r.split(";")[0].strip().lower() in _SERVED for r in accept.split(",")):
        return
    raise errors.NotAcceptable(
        "only the following media types are accepted: "
        "application/json, application/yaml, application/vnd.kubernetes.protobuf"
    )


def wants(request: Request) -> str:
    """ "Table", "PartialObjectMetadata" or "" (the object itself) from the Accept header."""
    accept = request.headers.get("accept", "")
    if "as=Table" in accept:
        return "Table"
    if "as=PartialObjectMetadata" in accept:
        return "PartialObjectMetadata"
    return ""


def partial_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata", {}),
    }
