"""The JSONPath subset of `-o jsonpath=`, with kubectl's output conventions."""

from __future__ import annotations

from typing import Any

import pytest

from minik8s.ctl.jsonpath import JSONPathError, render

LIST: dict[str, Any] = {
    "kind": "List",
    "items": [
        {
            "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"}},
            "spec": {"replicas": 2, "paused": False},
            "status": {"phase": "Running"},
        },
        {
            "metadata": {"name": "db", "labels": {}},
            "spec": {"replicas": 1},
            "status": {"phase": "Pending"},
        },
    ],
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{.kind}", "List"),
        ("{$.kind}", "List"),
        ("{.items[*].metadata.name}", "web db"),
        ("{.items[0].metadata.name}", "web"),
        ("{.items[-1].metadata.name}", "db"),
        ("{.items[0:1].metadata.name}", "web"),
        ("{.items[*].spec.replicas}", "2 1"),
        ("{.items[0].spec.paused}", "false"),
        ("{.items[0].spec}", '{"paused":false,"replicas":2}'),
        ("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}", "web"),
        ("{.items[0].metadata.labels['app.kubernetes.io/name']}", "web"),
        ("{.items[0].metadata['name','labels']}", 'web {"app.kubernetes.io/name":"web"}'),
        ('{.items[?(@.status.phase=="Running")].metadata.name}', "web"),
        ("{.items[?(@.spec.replicas>1)].metadata.name}", "web"),
        ("{.items[?(@.spec.paused)].metadata.name}", ""),
        ("{..phase}", "Running Pending"),
        ("{.nope.deeper}", ""),
        ('{range .items[*]}{.metadata.name}{"\\t"}{.spec.replicas}{"\\n"}{end}', "web\t2\ndb\t1\n"),
        ("{range .items[*]}[{.metadata.name}]{end}", "[web][db]"),
        ("names: {.items[*].metadata.name}!", "names: web db!"),
        ("plain text", "plain text"),
        ('{"{"}{.kind}{"}"}', "{List}"),
    ],
)
def test_templates(template: str, expected: str) -> None:
    assert render(template, LIST) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{.metadata.name", "unclosed action"),
        ("{range .items[*]}{.x}", "range without end"),
        ("{end}", "not in range"),
        ("{.items[x]}", "invalid array index"),
        ("{.items[0}", "unterminated array"),
    ],
)
def test_parse_errors(template: str, message: str) -> None:
    with pytest.raises(JSONPathError, match=message):
        render(template, LIST)


def test_index_out_of_range_is_an_error_like_kubectl() -> None:
    with pytest.raises(JSONPathError, match="array index out of bounds: index 5, length 2"):
        render("{.items[5]}", LIST)
