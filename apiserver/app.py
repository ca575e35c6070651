"""HTTP: Kubernetes REST paths, content negotiation, watch streams and errors as `Status`.

One catch-all route parses `/api/v1/...` and `/apis/{group}/{version}/...` itself (faster
and clearer than one route per kind and verb) and hands the request to the registry. Every
failure leaves as a `Status` body with the matching code; a watch that cannot start answers
200 with one ERROR event, as kube-apiserver does, so clients relist on 410. Routing answers
what Kubernetes' router does: 404 for an unknown resource or subresource, 405 (with
`Allow`) for a method the path does not serve, 406 for an Accept header it cannot satisfy;
a 500 is left for faults of the server itself, and each distinct one is logged with its
traceback once.

Concurrency: all handlers run on the uvicorn event loop; a watch is one streaming response
fed by a `Subscriber` queue of the resource's watch cache (or, for versions older than the
cache window, by its own etcd watch).
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.websockets import WebSocket

from minik8s.api import errors
from minik8s.api.params import Query
from minik8s.api.resources import ResourceInfo

from . import componentstatus, discovery, metricsapi, nodeproxy, subresources, tables
from .fieldmanager import with_warnings, write_options
from .http import (
    JSON,
    METHOD_NOT_ALLOWED,
    MethodNotAllowed,
    check_accept,
    dumps,
    json_response,
    object_response,
    partial_metadata,
    query_of,
    read_body,
    read_object,
    status_response,
    wants,
)
from .metrics import Metrics
from .registry import (
    APPLY_PATCH,
    DeleteOptions,
    Registry,
    Selectors,
)
from .routes import Target, parse_path
from .storage.cached import WatchFeed
from .storage.cacher import ADDED, DELETED, MODIFIED, CacheEvent
from .storage.etcd import Compacted, EtcdError, EtcdUnavailable

log = logging.getLogger(__name__)

# What each HTTP method is on a collection and on one object; a kind serves those of its
# `verbs`, every other method is 405 (Kubernetes registers no route for it).
_COLLECTION_VERBS = {"GET": "list", "POST": "create", "DELETE": "deletecollection"}
_ITEM_VERBS = {"GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
# The methods of each subresource (the verbs discovery lists for it).
_SUBRESOURCE_METHODS = {
    "status": ("GET", "PUT", "PATCH"),
    "scale": ("GET", "PUT", "PATCH"),
    "binding": ("POST",),
    "eviction": ("POST",),
    "log": ("GET",),
    "exec": ("GET", "POST"),
    "attach": ("GET", "POST"),
    "portforward": ("GET", "POST"),
    "finalize": ("PUT",),
}
_SUBRESOURCE_VERBS = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch"}
# Subresources that answer text or streams rather than API objects (no Accept check).
_TEXT_SUBRESOURCES = frozenset({"log", "exec", "attach", "portforward"})
# The annotation of the bookmark that ends a watch's initial events (sendInitialEvents).
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
# Distinct faults whose traceback was logged; later occurrences get one line.
_MAX_FAULTS = 1000


class APIServer:
    """The HTTP face of one registry; `app` is the ASGI application."""

    def __init__(
        self,
        registry: Registry,
        metrics: Metrics,
        *,
        bookmark_interval: float = 5.0,
        component_addresses: dict[str, str] | None = None,
    ):
        self.registry = registry
        self.metrics = metrics
        self.bookmark_interval = bookmark_interval
        self.etcd_ok = False
        self.metrics_api = metricsapi.MetricsAPI(registry)
        self.component_statuses = componentstatus.ComponentStatuses(
            component_addresses or componentstatus.DEFAULT_ADDRESSES, registry.storage.etcd.status
        )
        self.faults: set[tuple[str, str, int]] = set()
        self.app = FastAPI(
            title="minik8s API server", docs_url=None, redoc_url=None, openapi_url=None
        )
        # Unknown paths and methods outside the resource paths answer a `Status` too.
        self.app.add_exception_handler(HTTPException, self.http_error)
        self.app.add_route("/healthz", self.healthz, methods=["GET"])
        self.app.add_route("/livez", self.livez, methods=["GET"])
        self.app.add_route("/readyz", self.readyz, methods=["GET"])
        self.app.add_route("/metrics", self.metrics_endpoint, methods=["GET"])
        self.app.add_route("/version", self.version, methods=["GET"])
        self.app.add_route("/openapi/v2", self.openapi_v2, methods=["GET"])
        self.app.add_route("/openapi/v3", self.openapi_v3, methods=["GET"])
        self.app.add_route("/openapi/v3/{path:path}", self.openapi_v3, methods=["GET"])
        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        self.app.add_route(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            self.no_crds,
            methods=["GET"],
        )
        self.app.add_route("/api", self.api_root, methods=["GET"])
        self.app.add_route("/apis", self.apis_root, methods=["GET"])
        self.app.add_route("/api/{path:path}", self.handle, methods=methods)
        self.app.add_route("/apis/{path:path}", self.handle, methods=methods)
        self.asgi = ResourceFastPath(self)

    # health, metrics and discovery ---------------------------------------------------
    async def healthz(self, request: Request) -> Response:
        return Response("ok", media_type="text/plain")

    async def livez(self, request: Request) -> Response:
        return Response("ok", media_type="text/plain")

    async def readyz(self, request: Request) -> Response:
        try:
            await self.registry.storage.etcd.status(timeout=2.0)
        except EtcdError as e:
            return Response(
                f"[-]etcd failed: {e}\nreadyz check failed\n", 503, media_type="text/plain"
            )
        if not self.registry.storage.synced():
            return Response(
                "[-]watch caches not synced\nreadyz check failed\n", 503, media_type="text/plain"
            )
        return Response("ok", media_type="text/plain")

    async def metrics_endpoint(self, request: Request) -> Response:
        return Response(generate_latest(self.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def version(self, request: Request) -> Response:
        return json_response(discovery.version_info())

    async def openapi_v2(self, request: Request) -> Response:
        # client-go asks for the protobuf form only (and cannot read JSON there).
        accept = request.headers.get("accept", "")
        if discovery.OPENAPI_V2_PROTOBUF in accept:
            return Response(
                discovery.openapi_v2_protobuf(),
                media_type=discovery.OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
            )
        if accept and "json" not in accept and "*/*" not in accept:
            return status_response(errors.NotAcceptable(f"cannot serve /openapi/v2 as {accept}"))
        return Response(discovery.openapi_v2_bytes(), media_type=JSON)

    async def openapi_v3(self, request: Request) -> Response:
        path = request.path_params.get("path", "")
        if not path:
            return json_response(discovery.openapi_v3_root())
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) == 2:
            body = discovery.openapi_v3_group_version_bytes("", parts[1])
        elif parts[0] == "apis" and len(parts) == 3:
            body = discovery.openapi_v3_group_version_bytes(parts[1], parts[2])
        else:
            body = None
        if body is None:
            return status_response(errors.NotFound(f"no OpenAPI document for {path}"))
        headers = {}
        digest = request.query_params.get("hash")
        if digest:
            # The URL names the content: clients (kubectl's disk cache) may keep it forever.
            headers = {
                "Cache-Control": "public, immutable",
                "Expires": "Fri, 01 Jan 2100 00:00:00 GMT",
                "ETag": f'"{digest}"',
            }
        return Response(body, media_type=JSON, headers=headers)

    async def no_crds(self, request: Request) -> Response:
        # CRDs are not supported; kubectl's validation asks before naming an unknown kind.
        return json_response(
            {
                "kind": "CustomResourceDefinitionList",
                "apiVersion": "apiextensions.k8s.io/v1",
                "metadata": {"resourceVersion": "0"},
                "items": [],
            }
        )

    async def api_root(self, request: Request) -> Response:
        if discovery.wants_aggregated_discovery(request.headers.get("accept", "")):
            return Response(
                dumps(discovery.aggregated_discovery(legacy=True)).encode(),
                media_type=discovery.AGGREGATED_DISCOVERY_CONTENT_TYPE,
            )
        host = request.headers.get("host", "127.0.0.1")
        return json_response(discovery.api_versions(host))

    async def apis_root(self, request: Request) -> Response:
        if discovery.wants_aggregated_discovery(request.headers.get("accept", "")):
            return Response(
                dumps(discovery.aggregated_discovery(legacy=False)).encode(),
                media_type=discovery.AGGREGATED_DISCOVERY_CONTENT_TYPE,
            )
        return json_response(discovery.api_group_list())

    def _discovery(self, parts: list[str]) -> Response | None:
        if parts == ["v1"]:
            return json_response(discovery.api_resource_list("", "v1"))
        return None

    def _group_discovery(self, parts: list[str]) -> Response | None:
        if len(parts) == 1:
            doc = discovery.api_group(parts[0])
        elif len(parts) == 2:
            doc = discovery.api_resource_list(parts[0], parts[1])
        else:
            return None
        if doc is None:
            return status_response(
                errors.NotFound("the server could not find the requested resource")
            )
        return json_response(doc)

    # resources -------------------------------------------------------------------------
    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        full = request.scope["path"]
        is_core = full.startswith("/api/")
        parts = [p for p in full[5 if is_core else 6 :].split("/") if p]
        verb, resource, sub = request.method.lower(), "", ""
        try:
            if request.method == "GET":
                doc = self._discovery(parts) if is_core else self._group_discovery(parts)
                if doc is not None:
                    return doc
            if not parts:
                raise errors.NotFound("the server could not find the requested resource")
            if not is_core and parts[0] == metricsapi.GROUP:
                resource = metricsapi.resource_label(parts)
                check_accept(request)
                response = await _read_only(request, self.metrics_api.handle(request, parts[1:]))
            elif is_core and parts[:2] == ["v1", "componentstatuses"]:
                resource, verb = parts[1], "get" if len(parts) > 2 else "list"
                check_accept(request)
                body = await _read_only(
                    request,
                    self.component_statuses.serve(
                        request.method, parts[2:], wants(request) == "Table"
                    ),
                )
                response = json_response(body)
            else:
                target = parse_path(parts)
                resource, sub = target.info.plural, target.subresource or ""
                verb = self._verb(request, target)
                if sub not in _TEXT_SUBRESOURCES:
                    check_accept(request)
                response = await self._dispatch(request, target, verb)
        except errors.APIError as e:
            response = status_response(e, request)
        except EtcdUnavailable as e:
            err: errors.APIError = (
                errors.Timeout(f"etcd did not answer in time: {e}", retry_after=1)
                if e.timeout
                else errors.ServiceUnavailable(f"etcd is unavailable: {e}", retry_after=1)
            )
            response = status_response(err, request)
        except Compacted:
            gone = errors.Gone("the requested resourceVersion is too old")
            response = status_response(gone, request)
        except EtcdError as e:
            response = status_response(_etcd_error(e), request)
        except Exception as e:
            self._log_fault(request, e)
            internal = errors.InternalError("an internal error occurred")
            response = status_response(internal, request)
        if verb != "watch":
            self.metrics.observe(verb, resource, sub, response.status_code, started)
        else:
            self.metrics.count(verb, resource, sub, response.status_code)
        return response

    async def stream(self, scope: Any, receive: Any, send: Any) -> None:
        """A WebSocket request: exec, attach and port-forward go to the pod's kubelet
        (`nodeproxy.stream`); anything else is refused with a `Status`."""
        ws = WebSocket(scope, receive, send)
        sub = ""
        try:
            parts = [p for p in scope["path"][5:].split("/") if p]
            if not parts:
                raise errors.NotFound("the server could not find the requested resource")
            target = parse_path(parts)
            sub = target.subresource or ""
            if sub not in nodeproxy.STREAMS:
                raise errors.BadRequest(f"{scope['path']} is not served over WebSocket")
        except errors.APIError as e:
            await ws.send_denial_response(status_response(e))
            self.metrics.count("connect", "", sub, e.code)
            return
        code = await nodeproxy.stream(self.registry, ws, target)
        self.metrics.count("connect", target.info.plural, sub, code)

    def _log_fault(self, request: Request, e: Exception) -> None:
        """The traceback once per distinct fault (type and innermost line), then one line:
        a client repeating a request that trips a bug cannot flood the log."""
        frames = traceback.extract_tb(e.__traceback__)
        filename, line = (frames[-1].filename, frames[-1].lineno or 0) if frames else ("", 0)
        key = (type(e).__name__, filename, line)
        what = f"unhandled error in {request.method} {request.url.path}"
        if key in self.faults or len(self.faults) >= _MAX_FAULTS:
            log.error("%s: %s: %s (traceback logged before)", what, type(e).__name__, e)
            return
        self.faults.add(key)
        log.error(what, exc_info=e)

    async def http_error(self, request: Request, exc: Exception) -> Response:
        """Starlette's 404 and 405 (paths outside the resource API) as a `Status`."""
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            return status_response(MethodNotAllowed(sorted(m.strip() for m in allowed.split(","))))
        if exc.status_code == 404:
            return status_response(
                errors.NotFound("the server could not find the requested resource")
            )
        err = errors.APIError(exc.detail)
        err.code = exc.status_code
        return status_response(err)

    @staticmethod
    def _verb(request: Request, target: Target) -> str:
        """The API verb of a request; 405 for a method the path does not serve."""
        method = request.method
        if target.subresource:
            served = _SUBRESOURCE_METHODS.get(target.subresource, ("GET",))
            if method not in served:
                raise MethodNotAllowed(list(served))
            return _SUBRESOURCE_VERBS[method]
        table = _ITEM_VERBS if target.name else _COLLECTION_VERBS
        if target.info.namespaced and target.namespace is None:
            table = {"GET": "list"}  # every namespace at once: list and watch only
        verb = table.get(method, "")
        if verb not in target.info.verbs:
            raise MethodNotAllowed([m for m, v in table.items() if v in target.info.verbs])
        if verb == "list" and query_of(request).boolean("watch"):
            return "watch"
        return verb

    async def _dispatch(self, request: Request, t: Target, verb: str) -> Response:
        q = query_of(request)
        dry_run = bool(q.string("dryRun"))
        reg = self.registry
        if t.subresource and t.subresource != "status":
            return await subresources.handle(self.registry, request, t, verb)
        if verb == "get":
            assert t.name is not None
            obj = await reg.get(t.info, t.namespace, t.name, q.string("resourceVersion"))
            return self._render_one(request, t.info, obj)
        if verb == "list":
            return await self._list(request, t)
        if verb == "watch":
            return await self._watch(request, t)
        if verb == "create":
            writer = write_options(request, verb)
            body = await read_body(request)
            obj = await reg.create(
                t.info, t.namespace, body, dry_run=dry_run, owned=True, options=writer
            )
            return with_warnings(self._render_one(request, t.info, obj, 201), writer.warnings)
        if verb == "update":
            assert t.name is not None
            writer = write_options(request, verb)
            body = await read_body(request)
            obj = await reg.update(
                t.info,
                t.namespace,
                t.name,
                body,
                subresource=t.subresource,
                dry_run=dry_run,
                options=writer,
            )
            return with_warnings(self._render_one(request, t.info, obj), writer.warnings)
        if verb == "patch":
            assert t.name is not None
            ptype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            writer = write_options(request, verb, apply=ptype == APPLY_PATCH)
            body = await read_body(request)
            code = 200
            if ptype == APPLY_PATCH:
                obj, created = await reg.apply(
                    t.info,
                    t.namespace,
                    t.name,
                    body,
                    writer,
                    subresource=t.subresource,
                    dry_run=dry_run,
                )
                code = 201 if created else 200
            else:
                obj = await reg.patch(
                    t.info,
                    t.namespace,
                    t.name,
                    ptype,
                    body,
                    subresource=t.subresource,
                    dry_run=dry_run,
                    options=writer,
                )
            return with_warnings(self._render_one(request, t.info, obj, code), writer.warnings)
        if verb == "delete":
            assert t.name is not None
            opts = DeleteOptions.from_body(await read_object(request, "DeleteOptions"), q)
            obj, gone = await reg.delete(t.info, t.namespace, t.name, opts)
            return self._render_one(request, t.info, obj, 200 if gone else 202)
        if verb == "deletecollection":
            sel = Selectors.parse(t.info, q.string("labelSelector"), q.string("fieldSelector"))
            opts = DeleteOptions.from_body(await read_object(request, "DeleteOptions"), q)
            deleted = await reg.delete_collection(t.info, t.namespace, sel, opts)
            return json_response(self._list_body(t.info, deleted, 0, ""))
        raise errors.MethodNotAllowed(f"{verb} is not supported")

    def _render_one(
        self, request: Request, info: ResourceInfo, obj: dict[str, Any], code: int = 200
    ) -> Response:
        form = wants(request)
        if form == "Table":
            include = query_of(request).string("includeObject", "Metadata")
            return json_response(tables.to_table(info, [obj], include_object=include), code)
        if form == "PartialObjectMetadata":
            return json_response(partial_metadata(obj), code)
        return object_response(request, obj, code)

    @staticmethod
    def _list_body(
        info: ResourceInfo, items: list[dict[str, Any]], rv: int, token: str
    ) -> dict[str, Any]:
        meta: dict[str, Any] = {"resourceVersion": str(rv)} if rv else {}
        if token:
            meta["continue"] = token
        return {
            "kind": info.list_kind,
            "apiVersion": info.api_version,
            "metadata": meta,
            "items": items,
        }

    async def _list(self, request: Request, t: Target) -> Response:
        q = query_of(request)
        if "sendInitialEvents" in q:
            cause = errors.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list")
            raise errors.invalid_object("ListOptions", "meta.k8s.io", "", [cause])
        sel = Selectors.parse(t.info, q.string("labelSelector"), q.string("fieldSelector"))
        limit = q.integer("limit", 0) or 0  # an int64, as in etcd's range request
        result = await self.registry.list_objects(
            t.info,
            t.namespace,
            sel,
            limit=max(limit, 0),
            continue_token=q.string("continue"),
            resource_version=q.string("resourceVersion"),
        )
        form = wants(request)
        meta: dict[str, Any] = {"resourceVersion": str(result.resource_version)}
        if result.continue_token:
            meta["continue"] = result.continue_token
        if form == "Table":
            include = q.string("includeObject", "Metadata")
            return json_response(
                tables.to_table(t.info, result.items, include_object=include, list_metadata=meta)
            )
        if form == "PartialObjectMetadata":
            return json_response(
                {
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": meta,
                    "items": [partial_metadata(o) for o in result.items],
                }
            )
        body = {
            "kind": t.info.list_kind,
            "apiVersion": t.info.api_version,
            "metadata": meta,
            "items": result.items,
        }
        return object_response(request, body)

    # watch -----------------------------------------------------------------------------
    async def _watch(self, request: Request, t: Target) -> Response:
        q = query_of(request)
        sel = Selectors.parse(t.info, q.string("labelSelector"), q.string("fieldSelector"))
        rv_param = q.string("resourceVersion")
        bookmarks = q.boolean("allowWatchBookmarks")
        initial_events = _initial_events(q)
        # 0 or unset: the server's default (kube-apiserver: a random 30-60 minutes)
        timeout = q.integer("timeoutSeconds", 0) or 1800
        form = wants(request)
        include = q.string("includeObject", "Metadata")
        try:
            rv = int(rv_param) if rv_param else -1
        except ValueError:
            raise errors.BadRequest(f"invalid resourceVersion: {rv_param}") from None
        if initial_events is not None:
            # sendInitialEvents: the state "not older than" rv, then (with bookmarks) one
            # bookmark that marks its end; false: no initial state at all.
            rv = (-1 if rv > 0 else rv) if initial_events else (0 if rv == -1 else rv)
        watch = Watch(self, t, sel, form, include)
        try:
            await watch.start(rv)
        except (errors.Gone, Compacted):
            watch.close()
            too_old = errors.Gone(f"too old resource version: {rv}")
            line = dumps({"type": "ERROR", "object": too_old.to_status()}).encode() + b"\n"
            return Response(line, media_type=JSON)
        if initial_events is False:
            watch.skip_initial()
        self.metrics.watchers.labels(t.info.plural).inc()
        return StreamingResponse(
            watch.stream(timeout, bookmarks, initial_end=bool(initial_events) and bookmarks),
            media_type=JSON,
            headers={"Cache-Control": "no-cache"},
        )


def _initial_events(q: Query) -> bool | None:
    """`sendInitialEvents` of a watch (None when absent), checked as Kubernetes'
    ValidateListOptions does: it needs `resourceVersionMatch=NotOlderThan`, which in turn
    is only for such a watch."""
    send = q.boolean("sendInitialEvents") if "sendInitialEvents" in q else None
    match = q.string("resourceVersionMatch")
    causes = []
    if send is not None and match != "NotOlderThan":
        causes.append(
            errors.forbidden(
                "resourceVersionMatch",
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
            )
        )
    if match:
        if send is None:
            causes.append(
                errors.forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is "
                    "provided",
                )
            )
        if match != "NotOlderThan":
            causes.append(errors.not_supported("resourceVersionMatch", match, ["NotOlderThan"]))
        if q.string("continue"):
            causes.append(
                errors.forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden when continue is provided",
                )
            )
    if causes:
        raise errors.invalid_object("ListOptions", "meta.k8s.io", "", causes)
    return send


async def _read_only(request: Request, answer: Awaitable[Any]) -> Any:
    """A handler that serves GET only (metrics, componentstatuses): its 405 with `Allow`."""
    try:
        return await answer
    except errors.MethodNotAllowed as e:
        message = e.message if request.method == "GET" else METHOD_NOT_ALLOWED
        raise MethodNotAllowed(["GET"], message) from None


def _etcd_error(e: EtcdError) -> errors.APIError:
    # etcd refuses a value over its request limit (--max-request-bytes, 1.5 MiB by default):
    # the client's object is too large, not a fault of the server.
    text = str(e)
    if "request is too large" in text or "larger than max" in text:
        return errors.RequestEntityTooLarge(f"the object is too large to store: {text}")
    return errors.InternalError(f"etcd error: {e}")


class ResourceFastPath:
    """The ASGI application uvicorn serves: resource paths go straight to `APIServer.handle`.

    Every other path (health, discovery, OpenAPI, metrics) goes through the FastAPI app.
    Resource requests are the hot path and `handle` answers every error itself, so the
    middleware stack would add a quarter of the CPU time of a create and nothing else.
    """

    def __init__(self, server: APIServer) -> None:
        self.server = server
        self.app = server.app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path.startswith("/api/") or (
                path.startswith("/apis/") and not path.startswith("/apis/apiextensions.k8s.io/")
            ):
                request = Request(scope, receive)
                response = await self.server.handle(request)
                if isinstance(response, StreamingResponse):
                    await response(scope, receive, send)
                    return
                await send(
                    {
                        "type": "http.response.start",
                        "status": response.status_code,
                        "headers": response.raw_headers,
                    }
                )
                await send({"type": "http.response.body", "body": response.body})
                return
        elif scope["type"] == "websocket" and scope["path"].startswith("/api/"):
            await self.server.stream(scope, receive, send)
            return
        await self.app(scope, receive, send)


class Watch:
    """One client's watch: initial events, then the live stream, filtered and encoded."""

    def __init__(
        self, server: APIServer, t: Target, sel: Selectors, form: str, include: str
    ) -> None:
        self.server = server
        self.t = t
        self.sel = sel
        self.form = form
        self.include = include
        self.feed: WatchFeed | None = None

    async def start(self, rv: int) -> None:
        info = self.t.info
        match = None if self.sel.empty() else (lambda obj: self.sel.matches(info, obj))
        self.feed = await self.server.registry.storage.watch(info, self.t.namespace, rv, match)

    def close(self) -> None:
        if self.feed is not None:
            self.feed.close()

    def skip_initial(self) -> None:
        """Start from the feed's version without sending the state at that version."""
        assert self.feed is not None
        self.feed.initial = []

    async def stream(
        self, timeout: float, bookmarks: bool, *, initial_end: bool = False
    ) -> AsyncIterator[bytes]:
        """The events until `timeout` seconds pass; `initial_end`: a bookmark annotated
        `k8s.io/initial-events-end` after the initial events (sendInitialEvents)."""
        feed = self.feed
        assert feed is not None
        deadline = time.monotonic() + timeout
        pending: asyncio.Task[CacheEvent | None] | None = None
        try:
            for first in feed.initial:
                yield self._line(ADDED, first.obj)
            feed.initial = []
            if initial_end:
                yield self._bookmark(initial_events_end=True)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                if pending is None:
                    pending = asyncio.ensure_future(feed.next(10**9))
                done, _ = await asyncio.wait(
                    {pending}, timeout=min(left, self.server.bookmark_interval)
                )
                if not done:
                    if bookmarks:
                        yield self._bookmark()
                    continue
                try:
                    ev = pending.result()
                except Compacted:
                    yield self._error(errors.Gone(f"too old resource version: {feed.last_rv}"))
                    return
                except EtcdError as e:
                    yield self._error(errors.ServiceUnavailable(f"watch ended: {e}"))
                    return
                pending = None
                if ev is None:
                    return
                chunk, ended = self._drain(ev)
                if chunk:
                    yield chunk
                if ended:
                    return
        finally:
            if pending is not None:
                pending.cancel()
                # The task may be inside the direct etcd stream: let it unwind first.
                await asyncio.gather(pending, return_exceptions=True)
            await feed.aclose()
            self.server.metrics.watchers.labels(self.t.info.plural).dec()

    def _drain(self, first: CacheEvent, limit: int = 256) -> tuple[bytes, bool]:
        """`first` and whatever else is already queued, as one chunk (one write to the
        socket instead of one per event when a burst fans out to many watchers)."""
        assert self.feed is not None
        lines = []
        ev: CacheEvent | None = first
        ended = False
        while ev is not None:
            self.feed.last_rv = max(self.feed.last_rv, ev.rv)
            line = self._event_line(ev)
            if line:
                lines.append(line)
            if len(lines) >= limit:
                break
            waiting, ev = self.feed.queued()
            if not waiting:
                break
            ended = ev is None
        return b"".join(lines), ended

    def _event_line(self, ev: CacheEvent) -> bytes | None:
        info = self.t.info
        if self.sel.empty():
            etype = ev.type
        else:
            now = ev.type != DELETED and self.sel.matches(info, ev.obj)
            before = ev.type != ADDED and self.sel.matches(info, ev.prev)
            if ev.type == DELETED:
                now, before = False, self.sel.matches(info, ev.obj)
            if now and before:
                etype = MODIFIED
            elif now:
                etype = ADDED
            elif before:
                etype = DELETED
            else:
                return None
        if self.form:
            return self._line(etype, ev.obj)
        cached = ev.encoded.get(etype)
        if cached is None:
            cached = ev.watch_line(etype) or self._line(etype, ev.obj)
            ev.encoded[etype] = cached
        return cached

    def _line(self, etype: str, obj: dict[str, Any]) -> bytes:
        if self.form == "Table":
            body: Any = tables.to_table(self.t.info, [obj], include_object=self.include)
        elif self.form == "PartialObjectMetadata":
            body = partial_metadata(obj)
        else:
            body = obj
        return dumps({"type": etype, "object": body}).encode() + b"\n"

    def _bookmark(self, *, initial_events_end: bool = False) -> bytes:
        assert self.feed is not None
        if not initial_events_end:
            self.feed.last_rv = self.feed.current_rv()
        rv = self.feed.last_rv
        info = self.t.info
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if initial_events_end:
            meta["annotations"] = {INITIAL_EVENTS_END: "true"}
        obj = {"kind": info.kind, "apiVersion": info.api_version, "metadata": meta}
        return dumps({"type": "BOOKMARK", "object": obj}).encode() + b"\n"

    @staticmethod
    def _error(err: errors.APIError) -> bytes:
        return dumps({"type": "ERROR", "object": err.to_status()}).encode() + b"\n"


@asynccontextmanager
async def lifespan_noop(app: FastAPI) -> AsyncIterator[None]:
    yield
