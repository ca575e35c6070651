"""The one safe nested lookup."""

from __future__ import annotations

from minik8s.api.dig import dig


def test_dig() -> None:
    obj = {"spec": {"template": {"spec": {"x": 0}}, "null": None}, "labels": {"a.b/c": "v"}}
    assert dig(obj, "spec.template.spec.x") == 0  # falsy values are values
    assert dig(obj, "spec.template.spec") == {"x": 0}
    assert dig(obj, ("labels", "a.b/c")) == "v"  # keys with dots
    assert dig(obj, "spec.missing.deeper", {}) == {}
    assert dig(obj, "spec.null", "d") == "d"  # null is absent
    assert dig(obj, "labels.a.b/c") is None
    assert dig({"spec": "text"}, "spec.template") is None  # not an object
    assert dig(None, "a", 1) == 1
    assert dig(obj, ()) is obj
