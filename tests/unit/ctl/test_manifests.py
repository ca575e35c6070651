"""Reading manifests: YAML streams, JSON, Lists, directories, stdin, and the errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from minik8s.ctl.manifests import Manifest, ManifestError, check, expand_paths, load, parse_text

TWO_DOCS = """\
# a comment before the first document
apiVersion: v1
kind: ConfigMap
metadata:
  name: one
  creationTimestamp: 2025-01-01T00:00:00Z
---
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
data:
  enabled: "yes"
"""


def test_a_yaml_stream_gives_each_document_with_its_line() -> None:
    found = list(parse_text(TWO_DOCS, "cm.yaml"))
    assert [m.obj["metadata"]["name"] for m in found] == ["one", "two"]
    assert [m.line for m in found] == [2, 9]
    assert found[0].source == "cm.yaml"
    # Timestamps stay strings: the object must be sendable as JSON.
    assert found[0].obj["metadata"]["creationTimestamp"] == "2025-01-01T00:00:00Z"


def test_lists_are_expanded() -> None:
    text = """\
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}
- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}
"""
    assert [m.obj["metadata"]["name"] for m in parse_text(text, "l.yaml")] == ["a", "b"]


def test_json_documents_and_concatenated_json() -> None:
    text = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}\n' * 2
    found = list(parse_text(text, "cm.json"))
    assert [m.line for m in found] == [1, 2]
    items = '{"kind": "ConfigMapList", "items": [{"kind": "ConfigMap"}, {"kind": "ConfigMap"}]}'
    assert len(list(parse_text(items, "x.json"))) == 2


def test_a_syntax_error_names_file_and_line_after_the_good_documents() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\ndata:\n  x: [1\n"
    docs = parse_text(text, "bad.yaml")
    assert next(docs).obj["metadata"]["name"] == "ok"
    with pytest.raises(ManifestError) as err:
        next(docs)
    assert str(err.value).startswith("error parsing bad.yaml: yaml: line 7")


def test_a_json_syntax_error_names_file_and_line() -> None:
    with pytest.raises(ManifestError, match=r"error parsing x.json: json: line 3, column 1"):
        list(parse_text('{\n  "a": \n}', "x.json"))


def test_directories_stdin_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    (tmp_path / "a.json").write_text(
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}'
    )
    (tmp_path / "notes.txt").write_text("not a manifest")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "c.yml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")

    names = [m.obj["metadata"]["name"] for m in load([str(tmp_path)])]
    assert names == ["a", "b"]
    names = [m.obj["metadata"]["name"] for m in load([str(tmp_path)], recursive=True)]
    assert names == ["a", "b", "c"]

    stdin = io.StringIO("apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n")
    from_stdin = list(load(["-"], stdin=stdin))
    assert from_stdin[0].source == "STDIN"

    with pytest.raises(ManifestError, match='the path "nope.yaml" does not exist'):
        expand_paths(["nope.yaml"])


def test_check_finds_the_resource_and_reports_what_is_missing() -> None:
    ok = Manifest(
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"}}, "f", 3
    )
    assert check(ok).plural == "deployments"

    unknown = Manifest({"apiVersion": "v1", "kind": "Foo", "metadata": {"name": "b"}}, "f.yaml", 7)
    with pytest.raises(ManifestError, match=r'from "f.yaml \(line 7\)": no matches for kind "Foo"'):
        check(unknown)

    nameless = Manifest({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}, "f.yaml", 1)
    with pytest.raises(ManifestError, match="ConfigMap has no metadata.name"):
        check(nameless)
    generated = Manifest(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "x-"}}, "f", 1
    )
    assert check(generated, allow_generate_name=True).kind == "ConfigMap"

    with pytest.raises(ManifestError, match=r"\[apiVersion not set, kind not set\]"):
        check(Manifest({"metadata": {"name": "x"}}, "f", 1))
    with pytest.raises(ManifestError, match="expected an object"):
        check(Manifest("just a string", "f", 1))
