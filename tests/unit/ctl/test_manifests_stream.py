"""JSON documents separated by `---`, mixed with YAML, and List expansion."""

from __future__ import annotations

import json

import pytest

from minik8s.ctl.manifests import ManifestError, parse_text


def _cm(name: str) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def test_json_documents_between_markers_mixed_with_yaml() -> None:
    text = "\n".join(
        [
            "---",
            json.dumps(_cm("a"), indent=2),  # lines 2-8
            "---",
            json.dumps({"kind": "List", "apiVersion": "v1", "items": [_cm("b"), _cm("c")]}),
            "--- " + json.dumps(_cm("d")),
            "---",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e",
            "---",
            "",
        ]
    )
    found = [(m.obj["metadata"]["name"], m.line) for m in parse_text(text, "f.json")]
    assert found == [("a", 2), ("b", 10), ("c", 10), ("d", 11), ("e", 13)]


def test_dashes_inside_a_yaml_block_scalar_are_not_a_marker() -> None:
    text = "kind: ConfigMap\ndata:\n  x: |\n    ---\n    y\n"
    assert [m.obj["data"]["x"] for m in parse_text(text, "f")] == ["---\ny\n"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1}\n---\n{"a":\n', "error parsing f: json: line 4, column 1: "),
        ("a: 1\n---\nb: [\n", "error parsing f: yaml: line 4, column 1: "),
    ],
)
def test_errors_name_the_line_in_the_whole_file(text: str, message: str) -> None:
    with pytest.raises(ManifestError) as caught:
        list(parse_text(text, "f"))
    assert str(caught.value).startswith(message)
