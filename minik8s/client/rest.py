"""The REST client: Kubernetes verbs over httpx, with retries and typed errors.

`Client` (blocking, on `httpx.Client`, for the CLI and scripts) and `AsyncClient` (on
`httpx.AsyncClient` over aiohttp's connection pool, see `transport.py`, for the daemons)
have the same methods; the async ones are coroutines and `AsyncClient.watch` is an async
iterator. What the verbs send is built once by `_Calls` (pure: paths from
`ResourceInfo.path()`, query parameters, bodies, headers); the two classes only differ in
how they wait.

Retries (`request()` and `request_json()`, which every verb uses): a connection that could
not be made (refused, DNS, connect timeout) is retried for every verb, since the server never
saw the request; a broken connection, a timeout, or an answer of 429 / 5xx is retried for the
idempotent verbs GET, PUT, DELETE, PATCH only (and 429 for POST too: the server did not act
on it). The wait doubles from `backoff` up to `max_backoff`, with jitter, and is at least what a
`Retry-After` header asks. A 429 that carries `Retry-After` (the API server's overload
answer) is retried as client-go does: up to `THROTTLE_RETRIES` (10) times whatever
`retries` says, each after the seconds it asks (capped at 30). Every call has
`config.timeout`; a watch's read timeout is its `timeout_seconds` plus that (or none
without `timeout_seconds`).

Errors: a non-2xx answer raises the `minik8s.api.errors.APIError` subclass its `Status`
body names (`NotFound`, `Conflict`, `AlreadyExists`, `Gone`, `Invalid` with `.causes`, …),
or the class of its HTTP code when the body is not a `Status`. A server that cannot be
reached raises `Unreachable` (a `ServiceUnavailable`), one that does not answer in time
`errors.Timeout`. A watch's ERROR event raises the error it carries (410 → `errors.Gone`).

Concurrency: a `Client` may be shared by threads and an `AsyncClient` by the tasks of one
event loop (httpx's connection pools are); neither keeps other state.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import random
import ssl
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx

from minik8s.api import errors
from minik8s.api.resources import ResourceInfo

from .config import ClientConfig
from .transport import AiohttpTransport

__all__ = ["PATCH_TYPES", "TABLE_ACCEPT", "AsyncClient", "Client", "Unreachable"]

PATCH_TYPES = {
    "merge": "application/merge-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "json": "application/json-patch+json",
}
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io, application/json"
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
_RETRY_AFTER_CAP = 30.0
THROTTLE_RETRIES = 10  # client-go's maxRetries for answers with Retry-After

# `list` is also a method name in the client classes, so their annotations use this.
Objects = list[dict[str, Any]]


class Unreachable(errors.ServiceUnavailable):
    """The API server could not be reached (refused, unresolvable, connection lost)."""


# --------------------------------------------------------------------------- pure helpers


@dataclass
class _Call:
    """One HTTP request, before it is sent."""

    method: str
    path: str
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None  # JSON-encodable, or None
    content_type: str = "application/json"
    accept: str = "application/json"


def _encode(
    json: Any, content: bytes | None, headers: dict[str, str] | None, content_type: str
) -> tuple[bytes | None, dict[str, str]]:
    hdrs = dict(headers or {})
    if json is not None:
        content = jsonlib.dumps(json).encode()
        hdrs.setdefault("Content-Type", content_type)
    return content, hdrs


def _retryable_error(method: str, exc: httpx.TransportError) -> bool:
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return True  # the request never reached the server
    return method.upper() in _IDEMPOTENT


def _retryable_status(method: str, code: int) -> bool:
    if code == 429:
        return True
    return code >= 500 and method.upper() in _IDEMPOTENT


def _retry_after(response: httpx.Response) -> float | None:
    return _parse_retry_after(response.headers.get("Retry-After"))


def _parse_retry_after(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return min(max(float(raw), 0.0), _RETRY_AFTER_CAP)
    except ValueError:
        return None


def _delay(attempt: int, backoff: float, max_backoff: float, retry_after: float | None) -> float:
    """Exponential backoff with jitter (between half and all of the step), >= Retry-After."""
    step = min(max_backoff, backoff * (2**attempt))
    wait = step / 2 + random.random() * step / 2
    return max(wait, retry_after or 0.0)


def _why(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return "connection refused"
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__


def transport_error(server: str, exc: httpx.TransportError, timeout: float) -> errors.APIError:
    """The `APIError` a failed connection becomes."""
    if isinstance(exc, httpx.ConnectTimeout):
        return Unreachable(f"cannot reach the API server at {server}: connection timed out")
    if isinstance(exc, httpx.ConnectError):
        return Unreachable(f"cannot reach the API server at {server}: {_why(exc)}")
    if isinstance(exc, httpx.TimeoutException):
        return errors.Timeout(f"the API server at {server} did not answer within {timeout:g}s")
    return Unreachable(f"lost the connection to the API server at {server}: {_why(exc)}")


def error_from_response(response: httpx.Response) -> errors.APIError:
    """The `APIError` of a non-2xx answer whose body has been read."""
    request = response.request
    code = response.status_code
    return error_from_answer(request.method, request.url.path, code, response.content)


def error_from_answer(method: str, path: str, code: int, content: bytes) -> errors.APIError:
    """The `APIError` of a non-2xx answer: its `Status` body, or the HTTP code and text."""
    try:
        body = jsonlib.loads(content)
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("kind") == "Status":
        return errors.APIError.from_status(body, code)
    text = content.decode("utf-8", "replace").strip()[:300]
    message = f"{method} {path}: HTTP {code}" + (f": {text}" if text else "")
    return errors.APIError.from_status({"code": code, "message": message}, code)


def _query(params: dict[str, Any] | None) -> str:
    """`?a=b&…` for `params` with httpx's value rules (True → "true", None → "", lists
    repeat)."""
    if not params:
        return ""
    items: list[tuple[str, str]] = []
    for key, value in params.items():
        for v in value if isinstance(value, list | tuple) else [value]:
            text = "true" if v is True else "false" if v is False else "" if v is None else str(v)
            items.append((key, text))
    return "?" + urlencode(items)


def parse_event(line: str | bytes) -> dict[str, Any] | None:
    """One watch line as an event dict; None for a blank line; ERROR events raise."""
    if not line.strip():
        return None
    try:
        event = jsonlib.loads(line)
    except ValueError:
        raise errors.InternalError(f"malformed watch event: {line[:200]!r}") from None
    if not isinstance(event, dict) or "type" not in event:
        raise errors.InternalError(f"malformed watch event: {line[:200]!r}")
    if event["type"] == "ERROR":
        status = event.get("object") or {}
        raise errors.APIError.from_status(status if isinstance(status, dict) else {})
    return event


def narrow_table(table: dict[str, Any], wide: bool) -> dict[str, Any]:
    """Drop the priority>0 columns unless `wide` (what `-o wide` adds), as kubectl does."""
    columns = table.get("columnDefinitions") or []
    if wide or not columns:
        return table
    keep = [i for i, c in enumerate(columns) if not c.get("priority")]
    rows = [
        {**row, "cells": [row["cells"][i] for i in keep if i < len(row.get("cells", []))]}
        for row in table.get("rows") or []
    ]
    return {**table, "columnDefinitions": [columns[i] for i in keep], "rows": rows}


def _ssl_verify(config: ClientConfig) -> ssl.SSLContext | bool:
    if not config.server.startswith("https://"):
        return True
    ctx = ssl.create_default_context(cafile=config.ca_file)
    if config.insecure_skip_tls_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if config.cert_file:
        ctx.load_cert_chain(config.cert_file, config.key_file)
    return ctx


def _headers(config: ClientConfig, user_agent: str) -> dict[str, str]:
    headers = {"User-Agent": user_agent, "Accept": "application/json"}
    if config.token:
        headers["Authorization"] = f"Bearer {config.token}"
    return headers


def _call_args(call: _Call) -> dict[str, Any]:
    headers = {"Accept": call.accept}
    content = None
    if call.body is not None:
        headers["Content-Type"] = call.content_type
        content = jsonlib.dumps(call.body).encode()
    return {"params": call.params or None, "content": content, "headers": headers}


def _watch_timeout(config: ClientConfig, timeout_seconds: int | None) -> httpx.Timeout:
    read = None if timeout_seconds is None else timeout_seconds + config.timeout
    return httpx.Timeout(config.timeout, read=read)


class _Calls:
    """Builds the request of every verb (pure; shared by both clients)."""

    def __init__(self, config: ClientConfig) -> None:
        self.config = config

    def _ns(self, r: ResourceInfo, namespace: str | None, obj: Any = None) -> str | None:
        if not r.namespaced:
            return None
        if namespace:
            return namespace
        if isinstance(obj, dict):
            ns = (obj.get("metadata") or {}).get("namespace")
            if ns:
                return str(ns)
        return self.config.namespace

    @staticmethod
    def _path(r: ResourceInfo, ns: str | None, name: str | None, sub: str | None = None) -> str:
        path = r.path(ns, name)
        return f"{path}/{sub}" if sub else path

    @staticmethod
    def _selectors(label: str | None, field: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if label:
            params["labelSelector"] = label
        if field:
            params["fieldSelector"] = field
        return params

    def get(self, r: ResourceInfo, name: str, namespace: str | None) -> _Call:
        return _Call("GET", self._path(r, self._ns(r, namespace), name))

    def list(
        self,
        r: ResourceInfo,
        namespace: str | None,
        label_selector: str | None,
        field_selector: str | None,
        limit: int | None,
        continue_: str | None,
        resource_version: str | None,
    ) -> _Call:
        params = self._selectors(label_selector, field_selector)
        if limit:
            params["limit"] = limit
        if continue_:
            params["continue"] = continue_
        if resource_version is not None:
            params["resourceVersion"] = resource_version
        return _Call("GET", r.path(namespace if r.namespaced else None), params)

    def create(
        self, r: ResourceInfo, obj: dict[str, Any], namespace: str | None, dry: bool
    ) -> _Call:
        params = {"dryRun": "All"} if dry else {}
        return _Call("POST", r.path(self._ns(r, namespace, obj)), params, obj)

    def update(
        self, r: ResourceInfo, obj: dict[str, Any], namespace: str | None, sub: str | None
    ) -> _Call:
        name = (obj.get("metadata") or {}).get("name")
        if not name:
            raise ValueError("update needs the object's metadata.name")
        return _Call("PUT", self._path(r, self._ns(r, namespace, obj), name, sub), body=obj)

    def patch(
        self,
        r: ResourceInfo,
        name: str,
        patch: Any,
        namespace: str | None,
        patch_type: str,
        sub: str | None,
    ) -> _Call:
        if patch_type not in PATCH_TYPES:
            raise ValueError(f"unknown patch type {patch_type!r}: use one of {sorted(PATCH_TYPES)}")
        path = self._path(r, self._ns(r, namespace), name, sub)
        return _Call("PATCH", path, body=patch, content_type=PATCH_TYPES[patch_type])

    def delete(
        self,
        r: ResourceInfo,
        name: str | None,
        namespace: str | None,
        propagation_policy: str | None,
        grace_period_seconds: int | None,
        preconditions: dict[str, Any] | None,
        params: dict[str, Any] | None = None,
    ) -> _Call:
        options: dict[str, Any] = {}
        if propagation_policy:
            options["propagationPolicy"] = propagation_policy
        if grace_period_seconds is not None:
            options["gracePeriodSeconds"] = grace_period_seconds
        if preconditions:
            options["preconditions"] = preconditions
        body = {"kind": "DeleteOptions", "apiVersion": "v1", **options} if options else None
        ns = self._ns(r, namespace) if name else (namespace if r.namespaced else None)
        if not name and r.namespaced and not ns:
            ns = self.config.namespace
        return _Call("DELETE", self._path(r, ns, name), params or {}, body)

    def watch(
        self,
        r: ResourceInfo,
        namespace: str | None,
        resource_version: str | None,
        label_selector: str | None,
        field_selector: str | None,
        timeout_seconds: int | None,
        allow_bookmarks: bool,
    ) -> _Call:
        params = {"watch": "true", **self._selectors(label_selector, field_selector)}
        if resource_version:
            params["resourceVersion"] = resource_version
        if timeout_seconds is not None:
            params["timeoutSeconds"] = timeout_seconds
        if allow_bookmarks:
            params["allowWatchBookmarks"] = "true"
        return _Call("GET", r.path(namespace if r.namespaced else None), params)

    def table(
        self,
        r: ResourceInfo,
        namespace: str | None,
        name: str | None,
        label_selector: str | None,
        field_selector: str | None,
    ) -> _Call:
        if name:
            ns = self._ns(r, namespace)
            params = {}
        else:
            ns = namespace if r.namespaced else None
            params = self._selectors(label_selector, field_selector)
        return _Call("GET", r.path(ns, name), params, accept=TABLE_ACCEPT)


# --------------------------------------------------------------------------- the clients


class _Base:
    def __init__(
        self,
        config: ClientConfig,
        retries: int,
        backoff: float,
        user_agent: str,
        max_backoff: float,
    ) -> None:
        self.config = config
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.user_agent = user_agent
        self._calls = _Calls(config)

    def _retry_wait(
        self,
        method: str,
        attempt: int,
        failure: httpx.TransportError | None = None,
        code: int = 0,
        retry_after: float | None = None,
    ) -> float | None:
        """Seconds to wait before trying again after a failed `attempt` (a transport
        `failure` or an answer with status `code`), or None to give up: the module
        docstring's policy, shared by every send loop."""
        throttled = failure is None and code == 429 and retry_after is not None
        if attempt >= (max(self.retries, THROTTLE_RETRIES) if throttled else self.retries):
            return None
        if failure is not None:
            retry = _retryable_error(method, failure)
        else:
            retry = _retryable_status(method, code)
        return _delay(attempt, self.backoff, self.max_backoff, retry_after) if retry else None

    def _client_args(self) -> dict[str, Any]:
        return {
            "base_url": self.config.server,
            "timeout": self.config.timeout,
            "verify": _ssl_verify(self.config),
            "headers": _headers(self.config, self.user_agent),
        }

    def _failed(self, exc: httpx.TransportError) -> errors.APIError:
        return transport_error(self.config.server, exc, self.config.timeout)


class Client(_Base):
    """Blocking client (the CLI's). See the module docstring for retries and errors."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        retries: int = 3,
        backoff: float = 0.2,
        user_agent: str = "minik8s",
        max_backoff: float = 5.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(config, retries, backoff, user_agent, max_backoff)
        self._http = httpx.Client(transport=transport, **self._client_args())
        self._sleep: Callable[[float], None] = time.sleep

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _send(self, request: httpx.Request, stream: bool = False) -> httpx.Response:
        """Send with the retry policy; the answer is 2xx or an `APIError` is raised."""
        method = request.method
        attempt = 0
        while True:
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as e:
                wait = self._retry_wait(method, attempt, failure=e)
                if wait is None:
                    raise self._failed(e) from e
            else:
                if response.is_success:
                    return response
                try:
                    response.read()
                finally:
                    response.close()
                code, after = response.status_code, _retry_after(response)
                wait = self._retry_wait(method, attempt, code=code, retry_after=after)
                if wait is None:
                    raise error_from_response(response)
            self._sleep(wait)
            attempt += 1

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body, hdrs = _encode(json, content, headers, "application/json")
        request = self._http.build_request(method, path, params=params, content=body, headers=hdrs)
        return self._send(request)

    def _do(self, call: _Call) -> Any:
        return self.request(call.method, call.path, **_call_args(call)).json()

    def get(
        self, resource: ResourceInfo, name: str, namespace: str | None = None
    ) -> dict[str, Any]:
        return self._do(self._calls.get(resource, name, namespace))

    def list(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
    ) -> dict[str, Any]:
        call = self._calls.list(
            resource, namespace, label_selector, field_selector, limit, continue_, resource_version
        )
        return self._do(call)

    def list_all(
        self, resource: ResourceInfo, namespace: str | None = None, **kw: Any
    ) -> tuple[Objects, str]:
        """Every item (following `continue`) and the list's resourceVersion."""
        kw.setdefault("limit", 500)
        items: Objects = []
        rv = ""
        token: str | None = None
        while True:
            page = self.list(resource, namespace, continue_=token, **kw)
            items.extend(page.get("items") or [])
            meta = page.get("metadata") or {}
            rv = rv or str(meta.get("resourceVersion") or "")
            token = meta.get("continue") or None
            if not token:
                return items, rv

    def create(
        self,
        resource: ResourceInfo,
        obj: dict[str, Any],
        namespace: str | None = None,
        *,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        return self._do(self._calls.create(resource, obj, namespace, dry_run))

    def update(
        self,
        resource: ResourceInfo,
        obj: dict[str, Any],
        namespace: str | None = None,
        *,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        return self._do(self._calls.update(resource, obj, namespace, subresource))

    def patch(
        self,
        resource: ResourceInfo,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: str = "merge",
        subresource: str | None = None,
    ) -> dict[str, Any]:
        call = self._calls.patch(resource, name, patch, namespace, patch_type, subresource)
        return self._do(call)

    def delete(
        self,
        resource: ResourceInfo,
        name: str,
        namespace: str | None = None,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        call = self._calls.delete(
            resource, name, namespace, propagation_policy, grace_period_seconds, preconditions
        )
        return self._do(call)

    def delete_collection(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        propagation_policy: str | None = None,
    ) -> dict[str, Any]:
        """DELETE on the collection (namespace None: the config's namespace); the List of
        what was deleted."""
        params = _Calls._selectors(label_selector, field_selector)
        call = self._calls.delete(resource, None, namespace, propagation_policy, None, None, params)
        return self._do(call)

    def watch(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        timeout_seconds: int | None = None,
        allow_bookmarks: bool = True,
    ) -> Iterator[dict[str, Any]]:
        """The events of one watch request, BOOKMARKs included; ends when the server ends it."""
        call = self._calls.watch(
            resource,
            namespace,
            resource_version,
            label_selector,
            field_selector,
            timeout_seconds,
            allow_bookmarks,
        )
        request = self._http.build_request(
            "GET",
            call.path,
            params=call.params,
            timeout=_watch_timeout(self.config, timeout_seconds),
        )
        response = self._send(request, stream=True)
        try:
            for line in response.iter_lines():
                event = parse_event(line)
                if event is not None:
                    yield event
        except httpx.TransportError as e:
            raise self._failed(e) from e
        finally:
            response.close()

    def get_table(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        name: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        wide: bool = False,
    ) -> dict[str, Any]:
        call = self._calls.table(resource, namespace, name, label_selector, field_selector)
        return narrow_table(self._do(call), wide)

    def version(self) -> dict[str, Any]:
        return self.request("GET", "/version").json()

    def discovery(self) -> Objects:
        """Every APIResourceList the server serves (`/api/v1`, `/apis/{group}/{version}`)."""
        core = self.request("GET", "/api").json().get("versions") or []
        lists = [self.request("GET", f"/api/{v}").json() for v in core]
        groups = self.request("GET", "/apis").json().get("groups") or []
        for gv in _group_versions(groups):
            lists.append(self.request("GET", f"/apis/{gv}").json())
        return lists


def _group_versions(groups: list[dict[str, Any]]) -> list[str]:
    return [v["groupVersion"] for g in groups for v in g.get("versions") or []]


class AsyncClient(_Base):
    """asyncio client (the daemons'): `Client`'s methods as coroutines."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        retries: int = 3,
        backoff: float = 0.2,
        user_agent: str = "minik8s",
        max_backoff: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(config, retries, backoff, user_agent, max_backoff)
        if transport is None:
            transport = AiohttpTransport(verify=_ssl_verify(config))
        self._http = httpx.AsyncClient(transport=transport, **self._client_args())
        # the verbs skip httpx's models when the wire is aiohttp's (see request_json)
        self._wire = transport if isinstance(transport, AiohttpTransport) else None
        self._base = config.server.rstrip("/")
        self._default_headers = _headers(config, user_agent)
        self._sleep: Callable[[float], Any] = asyncio.sleep

    async def close(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _send(self, request: httpx.Request, stream: bool = False) -> httpx.Response:
        method = request.method
        attempt = 0
        while True:
            try:
                response = await self._http.send(request, stream=stream)
            except httpx.TransportError as e:
                wait = self._retry_wait(method, attempt, failure=e)
                if wait is None:
                    raise self._failed(e) from e
            else:
                if response.is_success:
                    return response
                try:
                    await response.aread()
                finally:
                    await response.aclose()
                code, after = response.status_code, _retry_after(response)
                wait = self._retry_wait(method, attempt, code=code, retry_after=after)
                if wait is None:
                    raise error_from_response(response)
            await self._sleep(wait)
            attempt += 1

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        body, hdrs = _encode(json, content, headers, "application/json")
        request = self._http.build_request(method, path, params=params, content=body, headers=hdrs)
        return await self._send(request)

    async def request_json(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """`request(...).json()`: the same retries and errors, but on the aiohttp wire it
        builds no httpx request or response (a third of a binding's client CPU)."""
        if self._wire is None:
            answer = await self.request(
                method, path, params=params, json=json, content=content, headers=headers
            )
            return answer.json()
        body, hdrs = _encode(json, content, headers, "application/json")
        url = self._base + path + _query(params)
        sent = {**self._default_headers, **hdrs}
        attempt = 0
        while True:
            try:
                code, answer_headers, data = await self._wire.exchange(
                    method, url, sent, body, self.config.timeout
                )
            except httpx.TransportError as e:
                wait = self._retry_wait(method, attempt, failure=e)
                if wait is None:
                    raise self._failed(e) from e
            else:
                if 200 <= code < 300:
                    return jsonlib.loads(data)
                after = _parse_retry_after(answer_headers.get("Retry-After"))
                wait = self._retry_wait(method, attempt, code=code, retry_after=after)
                if wait is None:
                    raise error_from_answer(method, path, code, data)
            await self._sleep(wait)
            attempt += 1

    async def _do(self, call: _Call) -> Any:
        return await self.request_json(call.method, call.path, **_call_args(call))

    async def get(
        self, resource: ResourceInfo, name: str, namespace: str | None = None
    ) -> dict[str, Any]:
        return await self._do(self._calls.get(resource, name, namespace))

    async def list(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        resource_version: str | None = None,
    ) -> dict[str, Any]:
        call = self._calls.list(
            resource, namespace, label_selector, field_selector, limit, continue_, resource_version
        )
        return await self._do(call)

    async def list_all(
        self, resource: ResourceInfo, namespace: str | None = None, **kw: Any
    ) -> tuple[Objects, str]:
        kw.setdefault("limit", 500)
        items: Objects = []
        rv = ""
        token: str | None = None
        while True:
            page = await self.list(resource, namespace, continue_=token, **kw)
            items.extend(page.get("items") or [])
            meta = page.get("metadata") or {}
            rv = rv or str(meta.get("resourceVersion") or "")
            token = meta.get("continue") or None
            if not token:
                return items, rv

    async def create(
        self,
        resource: ResourceInfo,
        obj: dict[str, Any],
        namespace: str | None = None,
        *,
        dry_run: bool = False,
    ) -> dict[str, Any]:
        return await self._do(self._calls.create(resource, obj, namespace, dry_run))

    async def update(
        self,
        resource: ResourceInfo,
        obj: dict[str, Any],
        namespace: str | None = None,
        *,
        subresource: str | None = None,
    ) -> dict[str, Any]:
        return await self._do(self._calls.update(resource, obj, namespace, subresource))

    async def patch(
        self,
        resource: ResourceInfo,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: str = "merge",
        subresource: str | None = None,
    ) -> dict[str, Any]:
        call = self._calls.patch(resource, name, patch, namespace, patch_type, subresource)
        return await self._do(call)

    async def delete(
        self,
        resource: ResourceInfo,
        name: str,
        namespace: str | None = None,
        *,
        propagation_policy: str | None = None,
        grace_period_seconds: int | None = None,
        preconditions: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        call = self._calls.delete(
            resource, name, namespace, propagation_policy, grace_period_seconds, preconditions
        )
        return await self._do(call)

    async def delete_collection(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        propagation_policy: str | None = None,
    ) -> dict[str, Any]:
        params = _Calls._selectors(label_selector, field_selector)
        call = self._calls.delete(resource, None, namespace, propagation_policy, None, None, params)
        return await self._do(call)

    async def watch(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        *,
        resource_version: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        timeout_seconds: int | None = None,
        allow_bookmarks: bool = True,
    ) -> AsyncGenerator[dict[str, Any], None]:
        """Async iterator over one watch request's events. Close it (`aclosing`) when you
        stop early, or the connection stays open until it is garbage collected."""
        call = self._calls.watch(
            resource,
            namespace,
            resource_version,
            label_selector,
            field_selector,
            timeout_seconds,
            allow_bookmarks,
        )
        request = self._http.build_request(
            "GET",
            call.path,
            params=call.params,
            timeout=_watch_timeout(self.config, timeout_seconds),
        )
        response = await self._send(request, stream=True)
        try:
            async for line in response.aiter_lines():
                event = parse_event(line)
                if event is not None:
                    yield event
        except httpx.TransportError as e:
            raise self._failed(e) from e
        finally:
            await response.aclose()

    async def get_table(
        self,
        resource: ResourceInfo,
        namespace: str | None = None,
        name: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        wide: bool = False,
    ) -> dict[str, Any]:
        call = self._calls.table(resource, namespace, name, label_selector, field_selector)
        return narrow_table(await self._do(call), wide)

    async def version(self) -> dict[str, Any]:
        return (await self.request("GET", "/version")).json()

    async def discovery(self) -> Objects:
        core = (await self.request("GET", "/api")).json().get("versions") or []
        lists = [(await self.request("GET", f"/api/{v}")).json() for v in core]
        groups = (await self.request("GET", "/apis")).json().get("groups") or []
        for gv in _group_versions(groups):
            lists.append((await self.request("GET", f"/apis/{gv}")).json())
        return lists
