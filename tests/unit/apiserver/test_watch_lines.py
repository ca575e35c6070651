"""Watch lines built from the stored JSON say exactly what decoding and re-encoding the
object would: same object, same resourceVersion; anything unexpected is left to decoding."""

from __future__ import annotations

import json
from typing import Any

import pytest

from apiserver.storage.cacher import ADDED, DELETED, MODIFIED, CacheEvent
from apiserver.storage.store import decode, encode
from minik8s.api import gojson

OBJECTS: list[dict[str, Any]] = [
    {"metadata": {"name": "p", "namespace": "d", "labels": {"app": "wéb"}}, "spec": {"x": [1]}},
    {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "c"}, "data": {"k": "v"}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {}},
    {"metadata": {}, "spec": {"note": '"metadata":{'}},
    {"kind": "Pod", "metadata": {"name": "rv", "resourceVersion": "7"}},  # dropped when stored
]


@pytest.mark.parametrize("obj", OBJECTS)
@pytest.mark.parametrize("etype", [ADDED, MODIFIED])
def test_a_spliced_line_is_the_decoded_object(obj: dict[str, Any], etype: str) -> None:
    raw = encode(obj)
    ev = CacheEvent(etype, 42, b"/k", value=raw)
    line = ev.watch_line(etype)
    assert line is not None and line.endswith(b"}\n")
    assert json.loads(line) == {"type": etype, "object": decode(raw, 42)}


def test_a_deletion_carries_the_last_state_at_the_deletion_revision() -> None:
    raw = encode(OBJECTS[0])
    ev = CacheEvent(DELETED, 50, b"/k", prev_value=raw, prev_rv=40)
    line = ev.watch_line(DELETED)
    assert line is not None
    event = json.loads(line)
    assert event["object"] == ev.obj and event["object"]["metadata"]["resourceVersion"] == "50"


@pytest.mark.parametrize(
    "raw",
    [
        b'{"spec":{},"metadata":{"name":"late"}}',  # metadata not first
        b'{"kind":"Od\\"d","metadata":{"name":"x"}}',  # an escape before metadata
        b'{"metadata":{"name":"x","resourceVersion":"3"}}',  # stored with a version
    ],
)
def test_other_shapes_are_left_to_decoding(raw: bytes) -> None:
    assert CacheEvent(MODIFIED, 9, b"/k", value=raw).watch_line(MODIFIED) is None


@pytest.mark.parametrize(
    "meta",
    [
        {},
        {"name": "a"},
        {"name": "a", "namespace": "n", "uid": "u"},
        {"name": "a", "namespace": "n", "uid": "u", "generation": 2, "labels": {"x": "<&>"}},
        {"generateName": "a-", "labels": {"x": "y"}},
        {"name": 'a"b', "uid": "u"},  # an escape: placed by decoding instead
    ],
)
def test_the_version_is_spliced_where_kubernetes_writes_it(meta: dict[str, Any]) -> None:
    """The line's text is exactly the decoded object written out again: resourceVersion
    after name/namespace/uid, Go's escapes kept."""
    raw = encode({"kind": "ConfigMap", "apiVersion": "v1", "metadata": meta, "data": {}})
    ev = CacheEvent(MODIFIED, 42, b"/k", value=raw)
    line = ev.watch_line(MODIFIED)
    expected = gojson.dumps({"type": MODIFIED, "object": decode(raw, 42)}).encode() + b"\n"
    if '"' in meta.get("name", ""):
        assert line is None
    else:
        assert line == expected
