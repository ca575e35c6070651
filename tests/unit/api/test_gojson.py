"""JSON text as Go's encoding/json writes it."""

from __future__ import annotations

import json

from minik8s.api import errors, gojson


def test_compact_utf8_and_go_escapes() -> None:
    obj = {"a": "x<y>&z\u2028\u2029", "é": "ü", "n": [1, None, True]}
    text = gojson.dumps(obj)
    assert text == '{"a":"x\\u003cy\\u003e\\u0026z\\u2028\\u2029","é":"ü","n":[1,null,true]}'
    assert json.loads(text) == obj


def test_a_body_ends_with_a_newline() -> None:
    assert gojson.body({"k": "v"}) == b'{"k":"v"}\n'


def test_a_status_in_kubernetes_order() -> None:
    err = errors.AlreadyExists(
        'configmaps "cm" already exists', name="cm", kind="configmaps", retry_after=None
    )
    assert gojson.dumps(err.to_status()) == (
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
        '"message":"configmaps \\"cm\\" already exists","reason":"AlreadyExists",'
        '"details":{"name":"cm","kind":"configmaps"},"code":409}'
    )
    invalid = errors.invalid_object("Pod", "", "p", [errors.required("spec.containers")])
    assert list(invalid.to_status()) == [
        "kind",
        "apiVersion",
        "metadata",
        "status",
        "message",
        "reason",
        "details",
        "code",
    ]
    assert list(invalid.to_status()["details"]["causes"][0]) == ["reason", "message", "field"]
