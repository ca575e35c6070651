"""Reading the manifests of `-f FILE|DIR|-`: YAML streams, JSON, `List` kinds.

`load()` is a generator over `Manifest`s (object, file, line where its document starts). It
yields documents as it parses them and raises `ManifestError` at the first one that is not
well-formed, so a caller that acts on each manifest as it comes gets kubectl's behaviour:
the objects before a broken document are applied, the broken one is reported with its file
and line, and nothing after it is read. `List` documents (`kind: List` or any `...List`
with `items`) are expanded into their items.

Directories contribute their `.yaml`, `.yml` and `.json` files in name order, and their
subdirectories' too with `recursive`. `-` is standard input (named `STDIN` in messages).

YAML is read as Kubernetes reads it: timestamps stay strings (`creationTimestamp:
2025-01-01T00:00:00Z` is not a datetime) so every object can be sent as JSON.

`check()` validates one manifest enough to address it (apiVersion, a kind the server knows,
a name) and names the file and line when it cannot.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml

from minik8s.api import resources
from minik8s.api.resources import ResourceInfo

__all__ = ["Manifest", "ManifestError", "check", "expand_paths", "load", "parse_text"]

EXTENSIONS = (".yaml", ".yml", ".json")
STDIN = "STDIN"


class ManifestError(ValueError):
    """A manifest that cannot be read or addressed; the message names the file and line."""


@dataclass(frozen=True)
class Manifest:
    obj: Any  # what the document holds; `check()` makes sure it is an object
    source: str  # the file as the user named it, or "STDIN"
    line: int  # 1-based line where the document starts

    @property
    def where(self) -> str:
        return f"{self.source} (line {self.line})" if self.line else self.source


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver (timestamps stay strings)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in rules if tag != "tag:yaml.org,2002:timestamp"]
    for first, rules in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def expand_paths(paths: Sequence[str], recursive: bool = False) -> list[str]:
    """The files `-f` names: files as given, directories expanded, `-` kept."""
    files: list[str] = []
    for raw in paths:
        if raw == "-":
            files.append(raw)
            continue
        path = Path(raw)
        if path.is_dir():
            files.extend(_directory(path, recursive))
        elif path.exists():
            files.append(raw)
        else:
            raise ManifestError(f'the path "{raw}" does not exist')
    return files


def _directory(path: Path, recursive: bool) -> list[str]:
    found: list[str] = []
    for entry in sorted(os.scandir(path), key=lambda e: e.name):
        if entry.is_dir():
            if recursive:
                found.extend(_directory(Path(entry.path), recursive))
        elif entry.name.endswith(EXTENSIONS):
            found.append(entry.path)
    return found


def load(
    paths: Sequence[str], recursive: bool = False, stdin: TextIO | None = None
) -> Iterator[Manifest]:
    """Every manifest of the files `-f` names, in order; see the module docstring."""
    for name in expand_paths(paths, recursive):
        if name == "-":
            if stdin is None:
                raise ManifestError("cannot read standard input")
            text, source = stdin.read(), STDIN
        else:
            source = name
            try:
                text = Path(name).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise ManifestError(f"cannot read {name}: {_reason(e)}") from None
        yield from parse_text(text, source)


def _reason(e: Exception) -> str:
    if isinstance(e, OSError):
        return e.strerror or str(e)
    return "not UTF-8 text"


def parse_text(text: str, source: str) -> Iterator[Manifest]:
    """The manifests of one file's text, Lists expanded.

    The text is cut at `---` document markers (a marker line cannot occur inside a JSON
    value, and YAML ends a document there anyway); each piece is JSON when it starts with
    `{` or `[`, YAML otherwise, so JSON documents separated by `---` read as kubectl reads
    them, and a file may mix both.
    """
    for start, piece in _pieces(text):
        marker = _MARKER.match(piece)
        body = piece[marker.end() :] if marker else piece
        stripped = body.lstrip()
        if stripped[:1] in ("{", "["):
            offset = start + piece.count("\n", 0, len(piece) - len(body))
            documents = _json_documents(body, source, offset)
        else:
            documents = _yaml_documents(piece, source, start)
        for doc in documents:
            yield from _expand(doc)


# A document-start marker line; its content, if any, belongs to the document.
_MARKER = re.compile(r"---(?=[ \t]|\r?\n|$)[ \t]*")


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """(lines before it, text) of each piece between `---` marker lines (a marker stays at
    the start of its piece, so YAML still sees `--- !tag` or `--- value`)."""
    start = 0
    chunk: list[str] = []
    for i, line in enumerate(text.splitlines(keepends=True)):
        if _MARKER.match(line) and chunk:
            yield start, "".join(chunk)
            start, chunk = i, []
        chunk.append(line)
    if chunk:
        yield start, "".join(chunk)


def _yaml_documents(text: str, source: str, offset: int = 0) -> Iterator[Manifest]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            obj = loader.construct_document(node)
            if obj is not None:
                yield Manifest(obj, source, offset + node.start_mark.line + 1)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"line {offset + mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = e.problem or e.context or "invalid YAML"
        raise ManifestError(f"error parsing {source}: yaml: {where}{problem}") from None
    except yaml.YAMLError as e:
        raise ManifestError(f"error parsing {source}: yaml: {e}") from None
    finally:
        loader.dispose()


def _json_documents(text: str, source: str, offset: int = 0) -> Iterator[Manifest]:
    """One or more concatenated JSON values (what `kubectl get -o json` pipes produce);
    `offset`: the lines of the file before `text`."""
    decoder = json.JSONDecoder()
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        line = offset + text.count("\n", 0, pos) + 1
        try:
            obj, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise ManifestError(
                f"error parsing {source}: json: line {offset + e.lineno}, column {e.colno}: {e.msg}"
            ) from None
        if isinstance(obj, list):
            for item in obj:
                yield Manifest(item, source, line)
        elif obj is not None:
            yield Manifest(obj, source, line)


def _expand(m: Manifest) -> Iterator[Manifest]:
    obj = m.obj
    if (
        isinstance(obj, dict)
        and str(obj.get("kind") or "").endswith("List")
        and isinstance(obj.get("items"), list)
    ):
        for item in obj["items"]:
            yield from _expand(Manifest(item, m.source, m.line))
    else:
        yield m


def check(m: Manifest, *, allow_generate_name: bool = False) -> ResourceInfo:
    """The resource a manifest addresses, or `ManifestError` saying what is missing."""
    obj = m.obj
    if not isinstance(obj, dict):
        raise ManifestError(
            f'error validating "{m.where}": expected an object, got {type(obj).__name__}'
        )
    missing = [f"{f} not set" for f in ("apiVersion", "kind") if not obj.get(f)]
    if missing:
        raise ManifestError(
            f'error validating "{m.where}": error validating data: [{", ".join(missing)}]'
        )
    meta = obj.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        raise ManifestError(f'error validating "{m.where}": metadata must be an object')
    meta = meta or {}
    api_version, kind = str(obj["apiVersion"]), str(obj["kind"])
    info = resources.lookup_kind(api_version, kind)
    if info is None:
        raise ManifestError(
            f'resource mapping not found for name: "{meta.get("name", "")}" namespace: '
            f'"{meta.get("namespace", "")}" from "{m.where}": no matches for kind "{kind}" '
            f'in version "{api_version}"'
        )
    if not meta.get("name") and not (allow_generate_name and meta.get("generateName")):
        raise ManifestError(f'error validating "{m.where}": {kind} has no metadata.name')
    return info
