"""Decoding request bodies (JSON and YAML) so that no body can be turned against its reader.

A body is a client's, so a careless or hostile one, and what it decodes to is walked
recursively afterwards (defaults, validation, patches, the JSON encoder): every bound
here exists so that walking stays cheap and finite.

- Text is UTF-8, strictly: invalid bytes (and JSON `\\ud800`-style lone surrogates,
  which Python would keep and the encoder later refuse) are errors, not replacements.
- Nesting is bounded (`MAX_DEPTH` collections, far above any kind's schema and far
  below the interpreter's recursion limit). JSON's C scanner recurses, so a too deep
  body raises RecursionError inside it, which is caught; a body with fewer brackets than
  the bound cannot be too deep, so only larger ones are walked to measure.
- YAML aliases are counted before anything is built: the composed node graph shares a
  node per anchor, and each node's expanded size is computed once, so a "billion laughs"
  of a few hundred bytes is refused after visiting its few dozen nodes (the same idea as
  go-yaml's alias limit behind sigs.k8s.io/yaml). Recursive aliases are refused too.
- Objects have no duplicate keys; YAML keys become strings (as sigs.k8s.io/yaml turns
  `80: x` into `"80": x`); YAML timestamps and binaries stay the text they were written
  as; sets, ordered maps and application tags are refused.
- Numbers fit the API's types: integers in int64, floats finite (no NaN, no Infinity).

Each error is a `DecodeError` whose message names what is wrong; the API server answers
it 400. Decoding is pure and thread-safe (the API server decodes large bodies in a worker
thread): the JSON decoder is one per thread, a YAML loader one per call.
"""

from __future__ import annotations

import json
import math
import re
import threading
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_DEPTH = 100
# Nodes that alias expansion may add beyond those written in the document.
MAX_ALIAS_NODES = 100_000
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
# A JSON escape of a UTF-16 surrogate: the only way a JSON text yields a lone one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class DecodeError(ValueError):
    """The body is not one the API accepts; the message says why."""


def decode(raw: bytes, yaml_body: bool = False) -> Any:
    """JSON (or YAML) bytes to plain JSON values: dict, list, str, int, float, bool, None."""
    return decode_yaml(raw) if yaml_body else decode_json(raw)


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DecodeError(f"invalid UTF-8 at byte {e.start}: {e.reason}") from None


# --------------------------------------------------------------------------- JSON


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DecodeError(f'duplicate field "{key}"')
            seen.add(key)
    return obj


def _int(text: str) -> int:
    # Longer than any int64 (19 digits and a sign): refused before int() parses it.
    value = int(text) if len(text) <= 20 else INT64_MAX + 1
    if not INT64_MIN <= value <= INT64_MAX:
        raise DecodeError(f"integer {text[:40]} does not fit in 64 bits")
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise DecodeError(f"number {text[:40]} is out of range")
    return value


def _constant(text: str) -> Any:
    raise DecodeError(f"{text} is not a JSON number")


_local = threading.local()


def _json_decoder() -> json.JSONDecoder:
    decoder: json.JSONDecoder | None = getattr(_local, "decoder", None)
    if decoder is None:
        decoder = _local.decoder = json.JSONDecoder(
            object_pairs_hook=_object,
            parse_int=_int,
            parse_float=_float,
            parse_constant=_constant,
        )
    return decoder


def decode_json(raw: bytes) -> Any:
    text = _utf8(raw)
    try:
        value = _json_decoder().decode(text)
    except RecursionError:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
    except DecodeError:
        raise
    except ValueError as e:
        raise DecodeError(str(e)) from None
    # Fewer brackets than the bound: not too deep, and no walk on the hot path.
    if text.count("{") + text.count("[") > MAX_DEPTH and _too_deep(value):
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels")
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise DecodeError(
                "a string holds a lone UTF-16 surrogate (not valid Unicode)"
            ) from None
    return value


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


# --------------------------------------------------------------------------- YAML


def _safe_c_loader() -> type[yaml.SafeLoader] | None:
    """PyYAML's C loader when libyaml bounds nesting itself (0.2.5+): the C composer
    recurses without the interpreter's recursion check, so an older libyaml could
    overflow the C stack on a deeply nested body before our own bound is reached."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:
        return None
    try:
        from yaml import _yaml

        version = tuple(_yaml.get_version())
    except (ImportError, AttributeError, TypeError):
        return None
    return loader if version >= (0, 2, 5) else None


_BASE: Any = _safe_c_loader() or yaml.SafeLoader


class _Loader(_BASE):
    """The safe loader with JSON's value types only."""


def _as_text(loader: Any, node: ScalarNode) -> str:
    return str(loader.construct_scalar(node))


def _yaml_int(loader: Any, node: ScalarNode) -> int:
    text = str(node.value)
    if len(text.replace("_", "")) > 66:  # longer than int64 written in binary
        raise DecodeError(f"integer {text[:40]} does not fit in 64 bits")
    value: int = yaml.SafeLoader.construct_yaml_int(loader, node)
    if not INT64_MIN <= value <= INT64_MAX:
        raise DecodeError(f"integer {text[:40]} does not fit in 64 bits")
    return value


def _yaml_float(loader: Any, node: ScalarNode) -> float:
    value: float = yaml.SafeLoader.construct_yaml_float(loader, node)
    if not math.isfinite(value):
        raise DecodeError(f"number {str(node.value)[:40]} is out of range")
    return value


def _refused(loader: Any, node: Node) -> Any:
    raise DecodeError(f"the YAML tag {node.tag} is not supported")


_Loader.add_constructor("tag:yaml.org,2002:int", _yaml_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _yaml_float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _as_text)
_Loader.add_constructor("tag:yaml.org,2002:binary", _as_text)
for _tag in ("set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refused)


def decode_yaml(raw: bytes) -> Any:
    loader = _Loader(_utf8(raw))
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_nodes(node)
        return loader.construct_document(node)
    except DecodeError:
        raise
    except RecursionError:  # the pure-Python composer, without libyaml
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
    except yaml.YAMLError as e:
        raise DecodeError(" ".join(str(e).split())) from None
    except (ValueError, KeyError, TypeError):
        # PyYAML's constructors on an explicitly tagged value they cannot read
        # (`!!int abc`, `!!bool maybe`).
        raise DecodeError("a tagged value does not match its tag") from None
    finally:
        loader.dispose()


def check_nodes(root: Node) -> None:
    """Bound a composed YAML document before it is built (see the module docstring).

    Each distinct node is visited once, depth first without recursion; `size` and
    `depth` are what it would expand to. Mapping keys are checked (duplicates, non-scalar
    keys) and turned into strings on the way."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            children = _children(node)
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if depth[key] > MAX_DEPTH:
                raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels")
        elif key in open_nodes:
            raise DecodeError("an alias refers to a node that contains it")
        elif key in size:
            continue
        elif isinstance(node, ScalarNode):
            size[key], depth[key] = 1, 0
        else:
            if isinstance(node, MappingNode):
                _check_keys(node)
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node) if id(c) not in size)
    extra = size[id(root)] - len(size)
    if extra > MAX_ALIAS_NODES:
        raise DecodeError(
            f"alias expansion would add {extra} nodes (more than {MAX_ALIAS_NODES}): "
            "excessive aliasing"
        )


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_keys(node: MappingNode) -> None:
    seen: set[str] = set()
    for i, (k, v) in enumerate(node.value):
        if not isinstance(k, ScalarNode):
            raise DecodeError("a mapping key is not a string")
        if k.tag == _MERGE_TAG:
            continue
        if k.value in seen:
            raise DecodeError(f'duplicate field "{k.value}"')
        seen.add(k.value)
        if k.tag != _STR_TAG:
            node.value[i] = (ScalarNode(_STR_TAG, k.value, k.start_mark, k.end_mark), v)
