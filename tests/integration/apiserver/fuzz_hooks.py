"""Schemathesis hooks for `test_fuzz.py` (loaded by the CLI through SCHEMATHESIS_HOOKS).

Generated names almost never exist, and a request for an object that does not exist stops
at 404 before its body is looked at. So every other request that names an object is
pointed at the `fuzz` object of its kind in the `fuzz` namespace (the test creates one of
each kind), and an object a fuzzed DELETE removed is created again. Watches are bounded
to their initial events, so a generated `watch=true` does not hold a worker for minutes.

Network: only `MINIK8S_FUZZ_URL`, the loopback API server the test started.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import httpx
import schemathesis

from tests.manifests import manifest, object_name

from .test_fuzz import FUZZ

_turn = itertools.count()
_api = httpx.Client(base_url=os.environ.get("MINIK8S_FUZZ_URL", "http://127.0.0.1:1"), timeout=10)


def _plural(path: str) -> str:
    """`/api/v1/namespaces/{namespace}/pods/{name}/status` → "pods"."""
    parts = path.split("/")
    return parts[parts.index("{name}") - 1]


def collection_path(path: str) -> str:
    """The collection path of an item path template, with the fuzz namespace filled in."""
    return path[: path.index("/{name}")].replace("{namespace}", FUZZ)


def ensure(path: str) -> None:
    """Create the `fuzz` object of an item path's kind (a conflict means it is there)."""
    plural = _plural(path)
    body = manifest(plural, object_name(plural, FUZZ))
    _api.post(collection_path(path), json=body)


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    query = case.query
    if isinstance(query, dict) and str(query.get("watch", "")).lower() in ("true", "1", "t"):
        # The initial events, then the end of the stream: a watch's parsing, selectors and
        # encoding are fuzzed without holding a worker (timeoutSeconds is an integer, as
        # Go parses it; a negative one has already passed).
        query["timeoutSeconds"] = "-1"
    path: str = case.path
    params = case.path_parameters
    # The namespaces' own paths stay generated: a deleted `fuzz` namespace would only
    # terminate (no namespace controller here) and refuse every later create. Logs and
    # exec of a pod proxy to its kubelet, which this cluster has none of: a bound `fuzz`
    # pod would rightly answer 503 there.
    if (
        "{name}" not in path
        or path.startswith("/api/v1/namespaces/{name}")
        or path.endswith(("/log", "/exec", "/attach", "/portforward", "/proxy"))
    ):
        return
    if isinstance(params, dict) and next(_turn) % 2 == 0:
        params["name"] = object_name(_plural(path), FUZZ)
        if "{namespace}" in path:
            params["namespace"] = FUZZ


@schemathesis.hook
def after_call(ctx: Any, case: Any, response: Any) -> None:
    params = case.path_parameters
    if (
        case.method.upper() in ("DELETE", "POST")
        and isinstance(params, dict)
        and "{name}" in case.path
        and params.get("name") == object_name(_plural(case.path), FUZZ)
        and response.status_code < 300
    ):
        ensure(case.path)
