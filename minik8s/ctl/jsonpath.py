"""The JSONPath templates of `mkctl get -o jsonpath=...`, as kubectl understands them.

A template is literal text with actions in braces:

    {.metadata.name}                      a field; missing fields print nothing
    {.items[*].metadata.name}             every match, separated by one space
    {.items[0]}  {.items[-1]}  {.items[1:3]}   index, from the end, slice
    {.metadata.labels['app\\.kubernetes\\.io/name']}   quoted or escaped keys
    {.metadata['name','namespace']}       a union of keys
    {..name}                              recursive descent
    {.items[?(@.status.phase=="Running")].metadata.name}   filters (==, !=, <, <=, >, >=,
                                          or a bare path: "exists and is not empty")
    {range .items[*]}{.metadata.name}{"\\n"}{end}   iterate; inside, paths are relative
    {"text"}  {$.kind}  {@.kind}          string literals, the root, the current node

Values print as kubectl prints them: strings raw, maps and lists as compact JSON with
sorted keys, booleans as true/false. `compile()` parses once (raising `JSONPathError` with
what is wrong), `Template.render(obj)` evaluates; both are pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["JSONPathError", "Template", "compile_template", "render"]


class JSONPathError(ValueError):
    """A template that cannot be parsed or evaluated; the message says why."""


# --------------------------------------------------------------------------- the AST
# A path is a list of steps; each step maps a list of values to a list of values.

Step = Callable[[list[Any], Any], list[Any]]


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Path:
    source: str
    steps: tuple[Step, ...]
    absolute: bool  # starts at `$` rather than the current node


@dataclass(frozen=True)
class Range:
    path: Path
    body: tuple[Node, ...]


Node = Text | Path | Range


# --------------------------------------------------------------------------- evaluation


def _field(name: str) -> Step:
    def step(values: list[Any], root: Any) -> list[Any]:
        return [v[name] for v in values if isinstance(v, dict) and name in v]

    return step


def _fields(names: tuple[str, ...]) -> Step:
    def step(values: list[Any], root: Any) -> list[Any]:
        return [v[n] for v in values if isinstance(v, dict) for n in names if n in v]

    return step


def _wildcard(values: list[Any], root: Any) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, dict):
            out.extend(v[k] for k in sorted(v))
        elif isinstance(v, list):
            out.extend(v)
    return out


def _descendants(value: Any) -> Iterator[Any]:
    yield value
    children = [value[k] for k in sorted(value)] if isinstance(value, dict) else value
    if isinstance(children, list):
        for child in children:
            yield from _descendants(child)


def _recursive(name: str | None) -> Step:
    """`..name` (or `..*` with None): the field anywhere below, in document order."""

    def step(values: list[Any], root: Any) -> list[Any]:
        out: list[Any] = []
        for v in values:
            for node in _descendants(v):
                if name is None:
                    if node is not v:
                        out.append(node)
                elif isinstance(node, dict) and name in node:
                    out.append(node[name])
        return out

    return step


def _index(i: int) -> Step:
    def step(values: list[Any], root: Any) -> list[Any]:
        out: list[Any] = []
        for v in values:
            if not isinstance(v, list):
                continue
            j = i + len(v) if i < 0 else i
            if not 0 <= j < len(v):
                raise JSONPathError(f"array index out of bounds: index {i}, length {len(v)}")
            out.append(v[j])
        return out

    return step


def _slice(start: int | None, stop: int | None, stride: int | None) -> Step:
    def step(values: list[Any], root: Any) -> list[Any]:
        out: list[Any] = []
        for v in values:
            if isinstance(v, list):
                out.extend(v[start:stop:stride])
        return out

    return step


def _filter(left: Path, op: str | None, right: Path | Any) -> Step:
    def step(values: list[Any], root: Any) -> list[Any]:
        out: list[Any] = []
        for v in values:
            items = (
                v
                if isinstance(v, list)
                else [v[k] for k in sorted(v)]
                if isinstance(v, dict)
                else []
            )
            for item in items:
                if _matches(item, root, left, op, right):
                    out.append(item)
        return out

    return step


def _matches(item: Any, root: Any, left: Path, op: str | None, right: Path | Any) -> bool:
    found = _evaluate(left, item, root)
    if op is None:
        return any(f not in (None, "", [], {}, False) for f in found)
    if not found:
        return False
    expected = _evaluate(right, item, root) if isinstance(right, Path) else [right]
    if not expected:
        return False
    a, b = found[0], expected[0]
    try:
        return bool(_COMPARE[op](a, b))
    except TypeError:
        return False


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _evaluate(path: Path, current: Any, root: Any) -> list[Any]:
    values = [root if path.absolute else current]
    for step in path.steps:
        values = step(values, root)
    return values


def value_text(value: Any) -> str:
    """One result as kubectl prints it."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return str(value)


def _render_nodes(nodes: tuple[Node, ...], current: Any, root: Any, out: list[str]) -> None:
    for node in nodes:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, Path):
            out.append(" ".join(value_text(v) for v in _evaluate(node, current, root)))
        else:
            for item in _evaluate(node.path, current, root):
                _render_nodes(node.body, item, root, out)


@dataclass(frozen=True)
class Template:
    source: str
    nodes: tuple[Node, ...]

    def render(self, obj: Any) -> str:
        out: list[str] = []
        try:
            _render_nodes(self.nodes, obj, obj, out)
        except JSONPathError as e:
            raise JSONPathError(f'error executing jsonpath "{self.source}": {e}') from None
        return "".join(out)


# --------------------------------------------------------------------------- parsing


class _Parser:
    """A hand-written recursive-descent parser over one action's text."""

    def __init__(self, text: str, template: str) -> None:
        self.text = text
        self.pos = 0
        self.template = template

    def fail(self, why: str) -> JSONPathError:
        return JSONPathError(f"error parsing jsonpath {self.template}, {why}")

    def peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def done(self) -> bool:
        return self.pos >= len(self.text)

    def skip_spaces(self) -> None:
        while not self.done() and self.text[self.pos] in " \t":
            self.pos += 1

    def path(self) -> Path:
        """Parse a path: `$` or `@`, then `.field`, `..field`, `[...]` and `*` steps."""
        start = self.pos
        absolute = False
        steps: list[Step] = []
        if self.peek() == "$":
            absolute = True
            self.pos += 1
        elif self.peek() == "@":
            self.pos += 1
        while not self.done():
            if self.peek(2) == "..":
                self.pos += 2
                name = self.name()
                steps.append(_recursive(None if name == "*" else name))
            elif self.peek() == ".":
                self.pos += 1
                if self.done():
                    break  # "{.}" is the current node
                name = self.name()
                steps.append(_wildcard if name == "*" else _field(name))
            elif self.peek() == "[":
                steps.append(self.bracket())
            elif self.peek() == "*":
                self.pos += 1
                steps.append(_wildcard)
            else:
                raise self.fail(f"unrecognized character in action: {self.peek()!r}")
        return Path(self.text[start : self.pos], tuple(steps), absolute)

    def name(self) -> str:
        chars: list[str] = []
        while not self.done():
            c = self.text[self.pos]
            if c == "\\" and self.pos + 1 < len(self.text):
                chars.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            if c in ".[ =!<>)(,&|\"'":
                break
            chars.append(c)
            self.pos += 1
        if not chars:
            raise self.fail("missing a field name after '.'")
        return "".join(chars)

    def bracket(self) -> Step:
        end = self._closing_bracket()
        inner = self.text[self.pos + 1 : end].strip()
        self.pos = end + 1
        if inner == "*":
            return _wildcard
        if inner.startswith("?"):
            return self.filter_expression(inner[1:].strip())
        if inner[:1] in "'\"":
            return _fields(tuple(self.quoted_list(inner)))
        if ":" in inner:
            parts = [p.strip() for p in inner.split(":")]
            if len(parts) > 3:
                raise self.fail(f"invalid slice [{inner}]")
            nums = [self.integer(p) if p else None for p in parts] + [None] * (3 - len(parts))
            return _slice(nums[0], nums[1], nums[2])
        return _index(self.integer(inner))

    def _closing_bracket(self) -> int:
        depth = 0
        quote = ""
        for i in range(self.pos, len(self.text)):
            c = self.text[i]
            if quote:
                if c == quote:
                    quote = ""
            elif c in "'\"":
                quote = c
            elif c == "[":
                depth += 1
            elif c == "]":
                depth -= 1
                if depth == 0:
                    return i
        raise self.fail("unterminated array")

    def integer(self, text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise self.fail(f"invalid array index {text!r}") from None

    def quoted_list(self, inner: str) -> list[str]:
        names: list[str] = []
        for part in _split_outside_quotes(inner, ","):
            part = part.strip()
            if len(part) < 2 or part[0] not in "'\"" or part[-1] != part[0]:
                raise self.fail(f"invalid key {part!r}")
            names.append(part[1:-1])
        return names

    def filter_expression(self, text: str) -> Step:
        if not (text.startswith("(") and text.endswith(")")):
            raise self.fail(f"invalid filter {text!r}: expected ?(...)")
        body = text[1:-1].strip()
        for op in ("==", "!=", "<=", ">=", "<", ">"):
            left, found, right = _partition_outside_quotes(body, op)
            if found:
                return _filter(self.sub_path(left.strip()), op, self.operand(right.strip()))
        return _filter(self.sub_path(body), None, None)

    def sub_path(self, text: str) -> Path:
        parser = _Parser(text, self.template)
        path = parser.path()
        if not parser.done():
            raise self.fail(f"invalid path {text!r}")
        return path

    def operand(self, text: str) -> Path | Any:
        if text[:1] in "'\"" and text[-1:] == text[:1] and len(text) >= 2:
            return text[1:-1]
        if text[:1] in "@$":
            return self.sub_path(text)
        if text in ("true", "false"):
            return text == "true"
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            raise self.fail(f"invalid filter operand {text!r}") from None


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    rest = text
    while True:
        head, found, rest = _partition_outside_quotes(rest, sep)
        parts.append(head)
        if not found:
            return parts


def _partition_outside_quotes(text: str, sep: str) -> tuple[str, str, str]:
    quote = ""
    for i, c in enumerate(text):
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif text.startswith(sep, i):
            return text[:i], sep, text[i + len(sep) :]
    return text, "", ""


def _string_literal(action: str, template: str) -> str:
    try:
        value = json.loads(action)
    except ValueError:
        raise JSONPathError(f"error parsing jsonpath {template}, invalid string {action}") from None
    if not isinstance(value, str):
        raise JSONPathError(f"error parsing jsonpath {template}, invalid string {action}")
    return value


def _actions(template: str) -> Iterator[tuple[bool, str]]:
    """(is_action, text) pieces of a template; quotes inside actions may hold braces."""
    pos = 0
    while pos < len(template):
        start = template.find("{", pos)
        if start < 0:
            yield False, template[pos:]
            return
        if start > pos:
            yield False, template[pos:start]
        quote = ""
        end = -1
        for i in range(start + 1, len(template)):
            c = template[i]
            if quote:
                if c == "\\":
                    continue
                if c == quote and template[i - 1] != "\\":
                    quote = ""
            elif c in "'\"":
                quote = c
            elif c == "}":
                end = i
                break
        if end < 0:
            raise JSONPathError(f"error parsing jsonpath {template}, unclosed action")
        yield True, template[start + 1 : end]
        pos = end + 1


def compile_template(template: str) -> Template:
    """Parse a template (see the module docstring); raises `JSONPathError`."""
    stack: list[tuple[Path | None, list[Node]]] = [(None, [])]
    for is_action, text in _actions(template):
        if not is_action:
            stack[-1][1].append(Text(text))
            continue
        action = text.strip()
        if action.startswith('"'):
            stack[-1][1].append(Text(_string_literal(action, template)))
        elif action == "end":
            if len(stack) == 1:
                raise JSONPathError(
                    f"error parsing jsonpath {template}, not in range, nothing to end"
                )
            path, body = stack.pop()
            assert path is not None
            stack[-1][1].append(Range(path, tuple(body)))
        elif action.startswith("range ") or action == "range":
            parser = _Parser(action[len("range") :].strip(), template)
            stack.append((parser.path(), []))
        else:
            parser = _Parser(action, template)
            path = parser.path()
            if not parser.done():
                raise parser.fail(f"unexpected {parser.text[parser.pos :]!r}")
            stack[-1][1].append(path)
    if len(stack) != 1:
        raise JSONPathError(f"error parsing jsonpath {template}, range without end")
    return Template(template, tuple(stack[0][1]))


def render(template: str, obj: Any) -> str:
    """Compile and render in one go."""
    return compile_template(template).render(obj)
