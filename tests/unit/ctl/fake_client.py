"""A fake REST client for mkctl handler tests: objects in a dict, every write recorded.

`run(fake, *argv)` parses and runs one mkctl command against it and prints errors the way
`minik8s.ctl.main` does, returning (exit code, stdout, stderr).
"""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from typing import Any, cast

import httpx

from minik8s.api import errors, resources
from minik8s.api.resources import ResourceInfo
from minik8s.client.config import ClientConfig
from minik8s.client.rest import Client
from minik8s.ctl import discovery
from minik8s.ctl.common import EXPECTED_ERRORS, error_text
from minik8s.ctl.context import Context
from minik8s.ctl.main import build_parser

Obj = dict[str, Any]


def _plural(obj: Obj) -> str:
    info = resources.lookup_kind(obj.get("apiVersion") or "v1", obj["kind"])
    if info is None:  # tests may leave apiVersion out
        info = resources.resolve(obj["kind"])
    assert info is not None, obj["kind"]
    return info.plural


class FakeClient:
    """Objects by (plural, name); writes, requests and watches are recorded. `events` are
    what the next watch yields (then it ends); `on_request` may answer `request()` calls."""

    def __init__(self, *objects: Obj) -> None:
        self.objects: dict[tuple[str, str], Obj] = {}
        for obj in objects:
            self.put(obj)
        self.patches: list[tuple[str, str, Any, str]] = []
        self.deletes: list[tuple[str, str, int | None]] = []
        self.requests: list[tuple[str, str, Any]] = []
        self.events: list[Obj] = []
        self.watches: list[dict[str, Any]] = []
        self.lists: list[dict[str, Any]] = []
        self.answers: dict[tuple[str, str], Any] = {}
        self.discovery_lists: list[Obj] = []  # what `discovery()` answers
        self.discoveries = 0

    def put(self, obj: Obj) -> None:
        self.objects[(_plural(obj), obj["metadata"]["name"])] = obj

    def get(self, resource: ResourceInfo, name: str, namespace: str | None = None) -> Obj:
        try:
            return copy.deepcopy(self.objects[(resource.plural, name)])
        except KeyError:
            raise errors.NotFound(f'{resource.group_resource} "{name}" not found') from None

    def list_all(
        self, resource: ResourceInfo, namespace: str | None = None, **kw: Any
    ) -> tuple[list[Obj], str]:
        self.lists.append({"plural": resource.plural, "namespace": namespace, **kw})
        items = [copy.deepcopy(o) for (p, _), o in self.objects.items() if p == resource.plural]
        field = kw.get("field_selector") or ""
        if field.startswith("spec.nodeName="):
            node = field.partition("=")[2]
            items = [o for o in items if (o.get("spec") or {}).get("nodeName") == node]
        return items, "100"

    def patch(
        self,
        resource: ResourceInfo,
        name: str,
        patch: Any,
        namespace: str | None = None,
        *,
        patch_type: str = "merge",
        subresource: str | None = None,
    ) -> Obj:
        self.patches.append((resource.plural, name, patch, patch_type))
        return self.get(resource, name, namespace)

    def delete(
        self,
        resource: ResourceInfo,
        name: str,
        namespace: str | None = None,
        *,
        grace_period_seconds: int | None = None,
        **kw: Any,
    ) -> Obj:
        self.deletes.append((resource.plural, name, grace_period_seconds))
        return {}

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        self.requests.append((method, path, json))
        answer = self.answers.get((method, path))
        if isinstance(answer, errors.APIError):
            raise answer
        if answer is None and method == "GET":
            raise errors.NotFound("the server could not find the requested resource")
        return httpx.Response(200, json=answer or {"kind": "Status", "status": "Success"})

    def watch(
        self, resource: ResourceInfo, namespace: str | None = None, **kw: Any
    ) -> Iterator[Obj]:
        self.watches.append({"plural": resource.plural, "namespace": namespace, **kw})
        events, self.events = self.events, []
        yield from events

    def discovery(self) -> list[Obj]:
        self.discoveries += 1
        return copy.deepcopy(self.discovery_lists)

    def close(self) -> None:
        pass


def run(fake: FakeClient, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    """Parse and run one mkctl command against `fake`, printing errors as main does."""
    discovery.clear_cache()  # each run is a new mkctl process
    args = build_parser().parse_args(list(argv))
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(
        args,
        out,
        err,
        io.StringIO(stdin),
        config_factory=lambda _: ClientConfig(server="http://fake"),
        client_factory=lambda _: cast(Client, fake),
    )
    try:
        code = int(args.handler(args, ctx) or 0)
    except EXPECTED_ERRORS as e:
        err.write(error_text(e) + "\n")
        code = 1
    return code, out.getvalue(), err.getvalue()
