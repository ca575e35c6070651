"""HTTP helpers every handler shares: JSON answers, `Status` errors, request bodies and
the object forms an Accept header asks for (Table, PartialObjectMetadata)."""

from __future__ import annotations

import json
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response

from minik8s.api import errors

MAX_BODY = 3 * 1024 * 1024 // 2  # 1.5 MiB, as kube-apiserver
JSON = "application/json"
dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def json_response(body: Any, status: int = 200) -> Response:
    return Response(dumps(body).encode(), status_code=status, media_type=JSON)


def status_response(err: errors.APIError) -> Response:
    headers = {"Retry-After": str(err.retry_after)} if err.retry_after else None
    return Response(
        dumps(err.to_status()).encode(), status_code=err.code, media_type=JSON, headers=headers
    )


def success_status(code: int = 200, details: dict[str, Any] | None = None) -> dict[str, Any]:
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": code,
    }
    if details:
        status["details"] = details
    return status


async def read_body(request: Request) -> Any:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY:
        raise errors.RequestEntityTooLarge("the request body is larger than 1.5 MiB")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise errors.RequestEntityTooLarge("the request body is larger than 1.5 MiB")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise errors.BadRequest("the request body is empty")
    ctype = request.headers.get("content-type", JSON).split(";")[0].strip().lower()
    if "protobuf" in ctype:
        # Clients (client-go >= 1.32, so kubectl) fall back to JSON on 415.
        raise errors.UnsupportedMediaType(
            f"the body of the request was in an unknown format ({ctype}) - accepted media "
            "types include: application/json, application/yaml"
        )
    try:
        if "yaml" in ctype:
            return yaml.safe_load(raw)
        return json.loads(raw)
    except (ValueError, yaml.YAMLError) as e:
        what = "YAML" if "yaml" in ctype else "JSON"
        raise errors.BadRequest(f"the request body is not valid {what}: {e}") from None


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
